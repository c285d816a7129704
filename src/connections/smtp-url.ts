/**
 * Parses the "host:port" of a connection ("smtp.office365.com:587", "[::1]:25"). Errors say how to
 * write it instead, because admins paste URLs, schemes and bare IPv6 addresses from other products.
 */
import net from 'node:net';

export interface SmtpAddress {
  host: string;
  port: number;
}

export type SmtpUrlResult = { ok: true; value: SmtpAddress } | { ok: false; message: string };

const EXAMPLE = 'e.g. smtp.example.com:587';
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

function fail(message: string): SmtpUrlResult {
  return { ok: false, message: `url: ${message}` };
}

function parsePort(raw: string, host: string): SmtpUrlResult {
  if (raw === '') return fail(`a port is required after the colon, ${EXAMPLE}`);
  if (!/^\d+$/.test(raw)) return fail(`the port "${raw}" must be a number from 1 to 65535, ${EXAMPLE}`);
  const port = Number(raw);
  if (port < 1 || port > 65535) return fail(`the port ${raw} is out of range: use 1 to 65535 (usually 587 or 465)`);
  return { ok: true, value: { host, port } };
}

export function parseSmtpUrl(input: string): SmtpUrlResult {
  const url = input.trim();
  if (url === '') return fail(`enter the server as hostname:port, ${EXAMPLE}`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme) {
    return fail(`drop the scheme "${scheme[1]}://": enter only hostname:port, ${EXAMPLE}`);
  }
  if (/\s/.test(url)) return fail(`remove the spaces inside "${url}": enter hostname:port, ${EXAMPLE}`);
  if (/[/?#@]/.test(url)) return fail(`enter only hostname:port, without a path, query or user, ${EXAMPLE}`);

  if (url.startsWith('[')) {
    const close = url.indexOf(']');
    if (close < 0) return fail('close the IPv6 address with "]", e.g. [2001:db8::25]:587');
    const host = url.slice(1, close);
    if (!net.isIPv6(host)) return fail(`"${host}" is not an IPv6 address; brackets are only for IPv6, e.g. [::1]:25`);
    const rest = url.slice(close + 1);
    if (!rest.startsWith(':')) return fail(`a port is required after the address, e.g. [${host}]:587`);
    return parsePort(rest.slice(1), host.toLowerCase());
  }

  const colons = url.split(':').length - 1;
  if (colons > 1) {
    const lastColon = url.lastIndexOf(':');
    const maybeHost = url.slice(0, lastColon);
    const example = net.isIPv6(maybeHost) ? `[${maybeHost}]:${url.slice(lastColon + 1)}` : `[${url}]:587`;
    return fail(`an IPv6 address must be in brackets with the port after them, e.g. ${example}`);
  }
  if (colons === 0) return fail(`a port is required, ${EXAMPLE} (587 for STARTTLS, 465 for implicit TLS)`);
  const [host, port] = url.split(':') as [string, string];
  if (host === '') return fail(`a hostname is required before the port, ${EXAMPLE}`);
  if (!net.isIPv4(host) && !HOSTNAME.test(host)) {
    return fail(`"${host}" is not a valid hostname: use letters, digits, hyphens and dots, ${EXAMPLE}`);
  }
  return parsePort(port, host.toLowerCase().replace(/\.$/, ''));
}

/** "host:port", with IPv6 hosts in brackets. */
export function formatSmtpUrl({ host, port }: SmtpAddress): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
