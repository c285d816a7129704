/*
 * Sealed secret envelope, version 1:
 *
 *   v1:<keyId>:<base64(iv | ciphertext | tag)>
 *
 * - AES-256-GCM with the ring key named by <keyId>; new secrets use the ring's sealing key.
 * - iv: 12 random bytes per seal; tag: the 16-byte GCM authentication tag.
 * - base64 is standard with padding. <keyId> matches KEY_ID_PATTERN, so it never contains ':'.
 * - Additional authenticated data binds the ciphertext to where it is stored:
 *   UTF-8 of JSON ["postroom","v1",rowId,field]. JSON keeps the encoding unambiguous when an id
 *   contains ':'. A ciphertext copied to another row or field fails authentication.
 *
 * A future format gets a new version prefix; `open` refuses versions it does not know.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KEY_ID_PATTERN, type KeyRing } from './key-ring.js';
import type { PlaintextSecret, SealedSecret } from './secret-types.js';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Where a secret is stored; bound into the ciphertext as AAD. */
export interface SecretLocation {
  rowId: string;
  field: string;
}

export type SecretDecryptReason = 'malformed' | 'unknownKey' | 'authenticationFailed';

/** A sealed secret could not be opened. The message names key id, row and field; never the secret. */
export class SecretDecryptError extends Error {
  constructor(
    readonly reason: SecretDecryptReason,
    readonly keyId: string | null,
    readonly location: SecretLocation,
    detail: string,
  ) {
    super(`Cannot decrypt ${location.field} of row ${location.rowId}${keyId ? ` (key "${keyId}")` : ''}: ${detail}`);
    this.name = 'SecretDecryptError';
  }
}

function aadOf({ rowId, field }: SecretLocation): Buffer {
  if (rowId === '' || field === '') throw new TypeError('secret location needs a non-empty rowId and field');
  return Buffer.from(JSON.stringify(['postroom', VERSION, rowId, field]), 'utf8');
}

interface Parsed {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function parse(sealed: string): Parsed | null {
  const parts = sealed.split(':');
  if (parts.length !== 3) return null;
  const [version, keyId, payload] = parts as [string, string, string];
  if (version !== VERSION || !KEY_ID_PATTERN.test(keyId) || !BASE64.test(payload)) return null;
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length < IV_BYTES + TAG_BYTES) return null;
  return {
    keyId,
    iv: bytes.subarray(0, IV_BYTES),
    ciphertext: bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES),
    tag: bytes.subarray(bytes.length - TAG_BYTES),
  };
}

export function seal(ring: KeyRing, plaintext: PlaintextSecret, aad: SecretLocation): SealedSecret {
  const keyId = ring.sealingKeyId;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, ring.key(keyId), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadOf(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const payload = Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64');
  return `${VERSION}:${keyId}:${payload}` as SealedSecret;
}

export function open(ring: KeyRing, sealed: SealedSecret, aad: SecretLocation): PlaintextSecret {
  const parsed = parse(sealed);
  if (!parsed) {
    throw new SecretDecryptError('malformed', null, aad, `not a ${VERSION}:<keyId>:<base64> envelope`);
  }
  const { keyId, iv, ciphertext, tag } = parsed;
  if (!ring.has(keyId)) {
    throw new SecretDecryptError(
      'unknownKey',
      keyId,
      aad,
      `key "${keyId}" is not in SECRET_KEYS (loaded: ${ring.ids.join(', ')}); add it back to open this secret`,
    );
  }
  const decipher = createDecipheriv(ALGORITHM, ring.key(keyId), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aadOf(aad));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8') as PlaintextSecret;
  } catch {
    throw new SecretDecryptError(
      'authenticationFailed',
      keyId,
      aad,
      'authentication failed (wrong key material for this id, tampered data, or a ciphertext copied from another row or field)',
    );
  }
}

/** The id of the key that sealed `sealed`, e.g. to find secrets still to re-seal under the newest key. */
export function keyIdOf(sealed: SealedSecret): string {
  const parsed = parse(sealed);
  if (!parsed) throw new TypeError(`not a ${VERSION}:<keyId>:<base64> envelope`);
  return parsed.keyId;
}
