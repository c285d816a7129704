import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GENERATE_KEY_HINT,
  KEY_BYTES,
  KeyConfigError,
  parseKeyList,
  parseSecretKeys,
  type KeyRing,
} from './key-ring.js';

export const DEV_KEY_FILE = 'secret-key';

export interface KeySourceOptions {
  /** The raw `SECRET_KEYS` value; undefined when unset. */
  secretKeys: string | undefined;
  /** NODE_ENV=production. */
  production: boolean;
  /** `DATA_DIR`, where the development key lives. */
  dataDir: string;
  warn: (msg: string) => void;
}

/** Loads the key ring once at boot: SECRET_KEYS, else (development only) a generated key in DATA_DIR. */
export function loadKeyRing({ secretKeys, production, dataDir, warn }: KeySourceOptions): KeyRing {
  if (secretKeys !== undefined) return parseSecretKeys(secretKeys);
  if (production) {
    throw new KeyConfigError(
      `SECRET_KEYS is required when NODE_ENV=production; set it to id:base64key (e.g. k1:<32 random bytes, base64>), ${GENERATE_KEY_HINT}`,
    );
  }
  const path = join(dataDir, DEV_KEY_FILE);
  const created = createDevKeyFile(dataDir, path);
  const ring = parseKeyList(readFileSync(path, 'utf8').trim(), path);
  const loose = looseMode(path);
  warn(
    `SECRET_KEYS is not set: ${created ? 'generated a development key at' : 'using the development key at'} ${path}. ` +
      `Production needs SECRET_KEYS (NODE_ENV=production refuses to start without it).` +
      (loose ? ` The file has mode ${loose}; run chmod 600 on it.` : ''),
  );
  return ring;
}

/** Creates the key file unless it exists; returns whether this call created it. */
function createDevKeyFile(dataDir: string, path: string): boolean {
  if (existsSync(path)) return false;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Write a private temp file, then hard-link it into place: link fails if the target exists, so two
  // starts racing never overwrite each other and a reader never sees a half-written file.
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, `dev:${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function looseMode(path: string): string | null {
  if (process.platform === 'win32') return null;
  const mode = statSync(path).mode & 0o777;
  return mode & 0o077 ? `0${mode.toString(8)}` : null;
}
