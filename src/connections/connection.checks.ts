/**
 * Domain checks that class-validator cannot express: they parse, cross fields, or depend on
 * configuration. Each returns FieldErrors with paths from the argument root.
 */
import { X509Certificate } from 'node:crypto';
import { isEmail } from 'class-validator';
import type { FieldError } from '../errors.js';
import { prefixFields } from '../errors.js';
import type { AuthSettingsInput, NewConnection } from './connection.model.js';
import { parseSmtpUrl, type SmtpAddress } from './smtp-url.js';
import { validateOAuth2Settings } from '../oauth2/oauth2-settings.validation.js';
import { isMaskLike } from '../secrets/secret-hint.js';
import { defaultTlsModeForPort, type TlsMode } from '../mail/tls-mode.js';
import { checkLiteralDestination, defaultEgressPolicy, type EgressPolicy } from '../egress/address-policy.js';
import { parseUrl } from '../oauth2/token-url.js';

export interface CheckOptions {
  allowedTokenHosts: readonly string[];
  /** EGRESS_* settings; the defaults (public addresses, ports 25/465/587/2525) when absent. */
  egress?: EgressPolicy;
}

let defaultPolicy: EgressPolicy | undefined;
function egressPolicy(options: CheckOptions): EgressPolicy {
  return options.egress ?? (defaultPolicy ??= defaultEgressPolicy());
}

/** Save-time egress refusals that need no DNS: forbidden ports, IP literals in any form, localhost. */
export function checkSmtpDestination(address: SmtpAddress, options: CheckOptions, path = 'url'): FieldError[] {
  const denial = checkLiteralDestination(egressPolicy(options), address.host, address.port, 'smtp');
  return denial ? [{ path, message: `${path}: ${denial.message}` }] : [];
}

/** The token URL's host, same rules minus the port (OAUTH2_ALLOWED_TOKEN_HOSTS governs host:port). */
export function checkTokenDestination(tokenUrl: string, options: CheckOptions, path: string): FieldError[] {
  const url = parseUrl(tokenUrl);
  if (!url || url.hostname === '') return [];
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const denial = checkLiteralDestination(egressPolicy(options), hostname, Number(url.port || 443), 'token');
  return denial ? [{ path, message: `tokenUrl: ${denial.message}` }] : [];
}

export function checkCaCertificate(pem: string | null, path = 'caCertificate'): FieldError[] {
  if (pem === null || pem.trim() === '') return [];
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    return [{ path, message: `${path} must be a PEM certificate starting with -----BEGIN CERTIFICATE-----` }];
  }
  try {
    const cert = new X509Certificate(pem);
    if (!cert.ca) {
      return [
        {
          path,
          message: `${path} must be a CA certificate (basicConstraints CA:TRUE), not the server's own certificate`,
        },
      ];
    }
    return [];
  } catch {
    return [
      { path, message: `${path} is not a readable PEM certificate: paste the whole -----BEGIN CERTIFICATE----- block` },
    ];
  }
}

export function checkSecret(value: string, path: string, storedHint: string | null): FieldError[] {
  return isMaskLike(value, storedHint)
    ? [
        {
          path,
          message: `${path} looks like a mask or hint, not a secret: enter the real secret, or omit the field to keep the stored one`,
        },
      ]
    : [];
}

export function checkEmail(value: string, path: string): FieldError[] {
  return isEmail(value) && !/[\r\n\0]/.test(value)
    ? []
    : [{ path, message: `${path} must be an email address, e.g. reports@example.com` }];
}

export function checkAuth(auth: AuthSettingsInput, options: CheckOptions, prefix = 'auth'): FieldError[] {
  switch (auth.kind) {
    case 'basic':
      return checkSecret(auth.password, `${prefix}.basic.password`, null);
    case 'oauth2ClientCredentials': {
      const settings = validateOAuth2Settings(auth, { allowedTokenHosts: options.allowedTokenHosts });
      return [
        ...prefixFields(`${prefix}.oauth2ClientCredentials`, settings),
        // One complaint per field: an unlisted token host is already refused above.
        ...(settings.some((e) => e.path === 'tokenUrl')
          ? []
          : checkTokenDestination(auth.tokenUrl, options, `${prefix}.oauth2ClientCredentials.tokenUrl`)),
        ...checkSecret(auth.clientSecret, `${prefix}.oauth2ClientCredentials.clientSecret`, null),
      ];
    }
    default: {
      const never: never = auth;
      throw new Error(`unknown auth kind ${JSON.stringify(never)}`);
    }
  }
}

export interface CheckedConnection {
  address: SmtpAddress;
  tls: TlsMode;
}

/** Everything about a new connection that does not need the database. */
export function checkNewConnection(
  input: NewConnection,
  options: CheckOptions,
): { ok: true; value: CheckedConnection } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (input.name.trim() === '') errors.push({ path: 'name', message: 'name must not be empty' });
  const url = parseSmtpUrl(input.url);
  if (!url.ok) errors.push({ path: 'url', message: url.message });
  else errors.push(...checkSmtpDestination(url.value, options));
  errors.push(...checkEmail(input.fromAddress, 'fromAddress'));
  errors.push(...checkCaCertificate(input.caCertificate));
  errors.push(...checkAuth(input.auth, options));
  if (errors.length > 0 || !url.ok) return { ok: false, errors };
  return { ok: true, value: { address: url.value, tls: input.tls ?? defaultTlsModeForPort(url.value.port) } };
}
