import { createHash } from 'node:crypto';

export const KEY_BYTES = 32;
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const GENERATE_KEY_HINT =
  "generate one with `openssl rand -base64 32` or `node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"`";

/** The key our docs quote. Refused at boot so a copied README never protects real secrets. */
export const DOCUMENTATION_EXAMPLE_KEY = 'k1:7k+l3bOipHPcpnGVjZWTTwLi/QLKoUAJgAIGl/zYLiY=';

/** Base64 keys that are public knowledge and therefore refused. */
export const EXAMPLE_KEYS: readonly string[] = [
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  DOCUMENTATION_EXAMPLE_KEY.slice(DOCUMENTATION_EXAMPLE_KEY.indexOf(':') + 1),
];

/** Boot-time key configuration problem. Messages name the variable or file and the entry, never key material. */
export class KeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyConfigError';
  }
}

export interface KeyEntry {
  id: string;
  key: Buffer;
}

export interface KeyRing {
  /** The id new secrets are sealed with (the first entry). */
  readonly sealingKeyId: string;
  /** All ids, sealing key first. */
  readonly ids: readonly string[];
  has(id: string): boolean;
  /** Throws when the id is not in the ring; check `has` first. */
  key(id: string): Buffer;
}

const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;
const HEX = /^[0-9a-fA-F]+$/;
const exampleDigests = new Set(EXAMPLE_KEYS.map((k) => digest(Buffer.from(k, 'base64'))));

function digest(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Builds a ring from already-decoded keys; the first entry seals. `source` names where they came from. */
export function createKeyRing(entries: readonly KeyEntry[], source = 'key ring'): KeyRing {
  if (entries.length === 0) throw new KeyConfigError(`${source}: no keys given; ${GENERATE_KEY_HINT}`);
  const keys = new Map<string, Buffer>();
  entries.forEach(({ id, key }, i) => {
    const where = `${source} entry ${i + 1} (id "${id}")`;
    if (!KEY_ID_PATTERN.test(id)) {
      // The id may be garbage such as a pasted key, so don't echo it.
      throw new KeyConfigError(`${source} entry ${i + 1}: key id must match ${KEY_ID_PATTERN.source}, e.g. "k1"`);
    }
    if (keys.has(id)) throw new KeyConfigError(`${where}: id is used twice; give every key its own id`);
    if (key.length !== KEY_BYTES) {
      throw new KeyConfigError(`${where}: key must be ${KEY_BYTES} bytes, base64; ${GENERATE_KEY_HINT}`);
    }
    if (exampleDigests.has(digest(key)) || key.every((b) => b === key[0])) {
      throw new KeyConfigError(`${where}: key is a published example or trivially guessable; ${GENERATE_KEY_HINT}`);
    }
    keys.set(id, Buffer.from(key));
  });
  const ids = [...keys.keys()];
  return {
    sealingKeyId: ids[0]!,
    ids,
    has: (id) => keys.has(id),
    key: (id) => {
      const key = keys.get(id);
      if (!key) throw new KeyConfigError(`key id "${id}" is not in the key ring (have: ${ids.join(', ')})`);
      return key;
    },
  };
}

/** Parses `id:base64key[,id:base64key…]`; `source` names the variable or file in error messages. */
export function parseKeyList(value: string, source: string): KeyRing {
  if (value.trim() === '') {
    throw new KeyConfigError(`${source} is set but empty; expected id:base64key[,id:base64key…], ${GENERATE_KEY_HINT}`);
  }
  const entries = value.split(',').map((raw, i): KeyEntry => {
    const entry = raw.trim();
    const n = i + 1;
    if (entry === '') throw new KeyConfigError(`${source} entry ${n} is empty; remove the stray comma`);
    const colon = entry.indexOf(':');
    if (colon === -1) throw new KeyConfigError(`${source} entry ${n}: expected id:base64key, e.g. k1:<base64>`);
    if (colon === 0) throw new KeyConfigError(`${source} entry ${n}: key id is missing before ':', e.g. k1:<base64>`);
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KEY_ID_PATTERN.test(id)) {
      throw new KeyConfigError(`${source} entry ${n}: key id must match ${KEY_ID_PATTERN.source}, e.g. "k1"`);
    }
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) {
      const hex = HEX.test(encoded) && encoded.length === 2 * KEY_BYTES ? ' (this looks like hex)' : '';
      throw new KeyConfigError(
        `${source} entry ${n} (id "${id}"): key must be ${KEY_BYTES} bytes, base64${hex}; ${GENERATE_KEY_HINT}`,
      );
    }
    return { id, key };
  });
  return createKeyRing(entries, source);
}

/** Parses the `SECRET_KEYS` variable: the first key seals, all keys open. */
export function parseSecretKeys(value: string): KeyRing {
  return parseKeyList(value, 'SECRET_KEYS');
}
