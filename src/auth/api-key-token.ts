/**
 * API key tokens: `pr_<keyId>_<43 chars base64url>`. The `pr_` prefix and fixed shape let secret scanners
 * recognise leaked keys; the key id lets us find the row without scanning. Only SHA-256(token) is stored:
 * the random part carries 256 bits, so a fast hash is not brute-forceable and a slow KDF would only cost
 * latency on every request. (No HMAC pepper: it would tie API keys to SECRET_KEYS rotation and the CLI.)
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'pr_';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}(${UUID})_([A-Za-z0-9_-]{43})$`);
/** A BOOTSTRAP_API_KEY not in our shape must still be long and header-safe (visible ASCII, no spaces). */
export const MIN_CUSTOM_TOKEN_LENGTH = 32;
const CUSTOM_TOKEN = /^[\x21-\x7e]+$/;

export interface GeneratedToken {
  keyId: string;
  token: string;
}

export function generateToken(keyId: string = randomUUID()): GeneratedToken {
  return { keyId, token: `${TOKEN_PREFIX}${keyId}_${randomBytes(32).toString('base64url')}` };
}

/** The key id inside a well-formed token, else null (a custom bootstrap token, or garbage). */
export function tokenKeyId(token: string): string | null {
  return TOKEN_SHAPE.exec(token)?.[1] ?? null;
}

export function isCustomTokenAcceptable(token: string): boolean {
  return token.length >= MIN_CUSTOM_TOKEN_LENGTH && token.length <= 512 && CUSTOM_TOKEN.test(token);
}

/** Hex SHA-256 of the whole token: what the database stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenMatches(token: string, storedHash: string): boolean {
  const actual = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
