import net from 'node:net';
import tls from 'node:tls';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import type { ExternalLogger } from 'nodemailer/lib/shared';
import { TlsMode } from './tls-mode.js';

export interface SmtpEndpoint {
  host: string;
  port: number;
  tls: TlsMode;
  /** PEM of a private CA, trusted in addition to Node's default roots. */
  caCertificate: string | null;
  /**
   * The IP the egress guard vetted for `host`. When set it is dialled instead of resolving `host` again (so DNS
   * rebinding cannot swap it), while TLS SNI and the certificate check keep using `host`.
   */
  address?: string;
}

export interface SmtpTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
  dnsMs: number;
}

export const DEFAULT_SMTP_TIMEOUTS: Readonly<SmtpTimeouts> = {
  connectionMs: 10_000,
  greetingMs: 10_000,
  socketMs: 20_000,
  dnsMs: 10_000,
};

/** Auth once resolved for one connection attempt; the OAuth2 token is handed over at AUTH time. */
export type TransportAuth =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'oauth2'; username: string; provideToken: (renew: boolean) => Promise<string> };

export function toTransportOptions(input: {
  endpoint: SmtpEndpoint;
  auth: TransportAuth;
  timeouts: SmtpTimeouts;
  logger: ExternalLogger;
}): SMTPTransportOptions {
  const { endpoint, timeouts } = input;
  return {
    host: endpoint.address ?? endpoint.host,
    port: endpoint.port,
    ...tlsModeOptions(endpoint.tls),
    tls: tlsOptions(endpoint),
    auth: authOptions(input.auth),
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    dnsTimeout: timeouts.dnsMs,
    pool: false,
    logger: input.logger,
    debug: true,
  };
}

function tlsModeOptions(
  mode: TlsMode,
): Pick<SMTPTransportOptions, 'secure' | 'requireTLS' | 'opportunisticTLS' | 'ignoreTLS' | 'forceAuth'> {
  switch (mode) {
    case TlsMode.IMPLICIT_TLS:
      // forceAuth: without it nodemailer silently skips AUTH (and sends unauthenticated) when the
      // server does not advertise it; a test must fail instead.
      return { secure: true, forceAuth: true };
    case TlsMode.STARTTLS:
      return { secure: false, requireTLS: true, forceAuth: true };
    case TlsMode.OPPORTUNISTIC:
      // No forceAuth: after a refused upgrade nodemailer withholds credentials on purpose;
      // runSmtpTest reports the missing AUTH instead.
      return { secure: false, opportunisticTLS: true };
    case TlsMode.NONE:
      return { secure: false, ignoreTLS: true, forceAuth: true };
    default: {
      const unknown: never = mode;
      throw new Error(`tls: unknown TlsMode ${String(unknown)}`);
    }
  }
}

function tlsOptions(endpoint: SmtpEndpoint): tls.ConnectionOptions {
  return {
    rejectUnauthorized: true,
    // Node refuses an IP address as SNI (and warns on stderr); the identity check still uses the host.
    // With a vetted address, Node checks the certificate against servername (the name), not the dialled IP.
    ...(net.isIP(endpoint.host) ? {} : { servername: endpoint.host }),
    ...(endpoint.caCertificate ? { secureContext: secureContextTrusting(endpoint.caCertificate) } : {}),
  };
}

// Building a context parses every root certificate (~60 % of a test email's CPU), so one is kept per CA.
const MAX_CACHED_CONTEXTS = 100;
const contextsByCa = new Map<string, tls.SecureContext>();

/** A TLS context that trusts Node's default roots plus one private CA; checks stay on. */
function secureContextTrusting(caPem: string): tls.SecureContext {
  let context = contextsByCa.get(caPem);
  if (!context) {
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, caPem] });
    if (contextsByCa.size >= MAX_CACHED_CONTEXTS) contextsByCa.delete(contextsByCa.keys().next().value as string);
    contextsByCa.set(caPem, context);
  }
  return context;
}

function authOptions(auth: TransportAuth): SMTPTransportOptions['auth'] {
  switch (auth.kind) {
    case 'basic':
      return { user: auth.username, pass: auth.password };
    case 'oauth2':
      // provisionCallback instead of a fixed accessToken: nodemailer asks for the token only once
      // it has read EHLO, which lets runSmtpTest withhold it when XOAUTH2 is not advertised.
      return {
        type: 'OAuth2',
        user: auth.username,
        provisionCallback: (_user, renew, callback) => {
          auth.provideToken(renew).then(
            (token) => callback(null, token),
            (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
          );
        },
      };
    default: {
      const unknown: never = auth;
      throw new Error(`auth: unknown kind ${String((unknown as { kind: unknown }).kind)}`);
    }
  }
}
