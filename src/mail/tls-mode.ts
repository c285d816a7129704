export enum TlsMode {
  /** TLS from the first byte (nodemailer `secure: true`), usually port 465. */
  IMPLICIT_TLS = 'IMPLICIT_TLS',
  /** Plain connect, then STARTTLS is required: fail when the server does not offer it. */
  STARTTLS = 'STARTTLS',
  /** Upgrade with STARTTLS when offered, else continue in plain text. */
  OPPORTUNISTIC = 'OPPORTUNISTIC',
  /** Never TLS; for local sinks. */
  NONE = 'NONE',
}

export function defaultTlsModeForPort(port: number): TlsMode {
  return port === 465 ? TlsMode.IMPLICIT_TLS : TlsMode.STARTTLS;
}
