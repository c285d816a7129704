/**
 * Masks credentials in SMTP transcript lines and server replies, two ways:
 * - by pattern: the payload of an AUTH command and every client line of the SASL exchange after it;
 * - by value: each known secret, in raw, base64 and URL-encoded form, wherever it appears.
 */
export const MASK = '***';

// Masking a very short value everywhere would shred the transcript; the pattern masking still covers
// everywhere the protocol carries it.
const MIN_VALUE_LENGTH = 4;

export class SecretMasker {
  private needles: string[] = [];

  constructor(secrets: readonly string[] = []) {
    for (const secret of secrets) this.add(secret);
  }

  add(secret: string): void {
    const forms = new Set<string>(this.needles);
    const encoded = [
      secret,
      secret.trim(),
      Buffer.from(secret, 'utf8').toString('base64'),
      Buffer.from(secret, 'utf8').toString('base64url'),
      encodeURIComponent(secret),
    ];
    for (const form of encoded) if (form.length >= MIN_VALUE_LENGTH) forms.add(form);
    // Longest first, so a secret that contains another is masked whole.
    this.needles = [...forms].sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let out = text;
    for (const needle of this.needles) out = out.split(needle).join(MASK);
    return out;
  }
}

/** Tracks the SASL exchange so client lines inside it are masked whatever they contain. */
export class SaslLineMasker {
  private inAuth = false;

  client(line: string): string {
    const auth = /^(AUTH\s+\S+)(\s+\S.*)?$/i.exec(line);
    if (auth) {
      this.inAuth = true;
      return auth[2] ? `${auth[1]} ${MASK}` : auth[1]!;
    }
    return this.inAuth ? MASK : line;
  }

  server(line: string): void {
    if (this.inAuth && !/^334[ -]?/.test(line)) this.inAuth = false;
  }
}
