import { format } from 'node:util';
import type { ExternalLogger } from 'nodemailer/lib/shared';
import { SaslLineMasker, type SecretMasker } from './secret-mask.js';

export const MAX_TRANSCRIPT_LINES = 200;
export const MAX_LINE_LENGTH = 500;

/**
 * Collects the SMTP conversation from nodemailer's logger ("C: " client, "S: " server, "* " events),
 * masked as it arrives, and remembers what the last EHLO advertised.
 */
export class Transcript {
  private readonly lines: string[] = [];
  private readonly sasl = new SaslLineMasker();
  private awaitingEhlo = false;
  /** AUTH mechanisms of the latest EHLO reply; null until one arrives. */
  authMechanisms: string[] | null = null;
  authCommandSent = false;

  constructor(private readonly masker: SecretMasker) {}

  /** A new connection: forget what the previous one advertised. */
  startSession(): void {
    this.awaitingEhlo = false;
    this.authMechanisms = null;
    this.authCommandSent = false;
  }

  note(line: string): void {
    this.push(`* ${line}`);
  }

  /** A logger object for nodemailer; every level lands here and nowhere else. */
  logger(): ExternalLogger {
    const log = (entry: unknown, message?: unknown, ...args: unknown[]): void => {
      const tnx = typeof entry === 'object' && entry !== null ? (entry as { tnx?: unknown }).tnx : undefined;
      const text = typeof message === 'string' ? format(message, ...args) : format(entry, message ?? '', ...args);
      this.record(tnx, text);
    };
    return { trace: log, debug: log, info: log, warn: log, error: log, fatal: log };
  }

  all(): string[] {
    if (this.lines.length <= MAX_TRANSCRIPT_LINES) return [...this.lines];
    const head = this.lines.slice(0, MAX_TRANSCRIPT_LINES / 2);
    const tail = this.lines.slice(-(MAX_TRANSCRIPT_LINES / 2 - 1));
    const skipped = this.lines.length - head.length - tail.length;
    return [...head, `* … ${skipped} lines left out …`, ...tail];
  }

  private record(tnx: unknown, text: string): void {
    switch (tnx) {
      case 'client':
        for (const line of text.split(/\r?\n/)) {
          if (/^AUTH\s/i.test(line)) this.authCommandSent = true;
          if (/^(EHLO|LHLO)\s/i.test(line)) this.awaitingEhlo = true;
          this.push(`C: ${this.sasl.client(line)}`);
        }
        return;
      case 'server': {
        const lines = text.split(/\r?\n/);
        if (this.awaitingEhlo) {
          this.awaitingEhlo = false;
          if (/^2/.test(lines[0] ?? '')) this.authMechanisms = parseAuthMechanisms(lines);
        }
        for (const line of lines) {
          this.sasl.server(line);
          this.push(`S: ${line}`);
        }
        return;
      }
      case 'message':
        return; // the message body itself; its size is logged separately
      default:
        this.push(`* ${text}`);
    }
  }

  private push(line: string): void {
    const masked = this.masker.mask(line);
    this.lines.push(masked.length > MAX_LINE_LENGTH ? `${masked.slice(0, MAX_LINE_LENGTH - 1)}…` : masked);
  }
}

function parseAuthMechanisms(ehloLines: string[]): string[] {
  const mechanisms: string[] = [];
  for (const line of ehloLines) {
    const match = /^\d{3}[ -]AUTH[ =](.*)$/i.exec(line.trim());
    if (match)
      mechanisms.push(
        ...match[1]!
          .trim()
          .toUpperCase()
          .split(/[\s=]+/)
          .filter(Boolean),
      );
  }
  return mechanisms;
}
