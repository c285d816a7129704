import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { open, seal } from '../../src/secrets/envelope.js';
import { KeyConfigError } from '../../src/secrets/key-ring.js';
import { loadKeyRing, type KeySourceOptions } from '../../src/secrets/key-source.js';
import { asPlaintext } from '../../src/secrets/secret-types.js';

describe('loadKeyRing', () => {
  let root: string;
  let warnings: string[];
  const options = (overrides: Partial<KeySourceOptions>): KeySourceOptions => ({
    secretKeys: undefined,
    production: false,
    dataDir: join(root, 'data', 'nested'),
    warn: (msg) => warnings.push(msg),
    ...overrides,
  });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'postroom-secrets-'));
    warnings = [];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('uses SECRET_KEYS when set, in any environment, without warning', () => {
    const value = `k1:${randomBytes(32).toString('base64')}`;
    for (const production of [true, false]) {
      assert.equal(loadKeyRing(options({ secretKeys: value, production })).sealingKeyId, 'k1');
    }
    assert.deepEqual(warnings, []);
  });

  it('refuses a set but invalid SECRET_KEYS rather than falling back to a dev key', () => {
    assert.throws(() => loadKeyRing(options({ secretKeys: '' })), /SECRET_KEYS is set but empty/);
  });

  it('refuses to start in production without SECRET_KEYS, saying how to generate keys', () => {
    assert.throws(
      () => loadKeyRing(options({ production: true })),
      (error: unknown) =>
        error instanceof KeyConfigError &&
        /SECRET_KEYS is required when NODE_ENV=production/.test(error.message) &&
        /openssl rand -base64 32/.test(error.message),
    );
  });

  it('generates a 0600 development key in DATA_DIR once and reuses it', () => {
    const first = loadKeyRing(options({}));
    const path = join(root, 'data', 'nested', 'secret-key');
    const content = readFileSync(path, 'utf8');
    const key = content.trim().split(':')[1]!;
    assert.match(content, /^dev:[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(first.sealingKeyId, 'dev');

    const second = loadKeyRing(options({}));
    assert.deepEqual(second.key('dev'), first.key('dev'));
    const at = { rowId: 'r1', field: 'password' };
    assert.equal(open(second, seal(first, asPlaintext('s3cret'), at), at), 's3cret');

    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, new RegExp(`generated a development key at ${escape(path)}`));
    assert.match(warnings[1]!, new RegExp(`using the development key at ${escape(path)}`));
    for (const w of warnings) {
      assert.match(w, /Production needs SECRET_KEYS/);
      assert.ok(!w.includes(key), 'warning leaks the key');
      assert.ok(!w.includes(first.key('dev').toString('hex')), 'warning leaks the key');
    }
  });

  it('points at a corrupt development key file by path, without its content', () => {
    const dataDir = join(root, 'data');
    loadKeyRing(options({ dataDir }));
    const path = join(dataDir, 'secret-key');
    const garbage = randomBytes(20).toString('base64');
    writeFileSync(path, `dev:${garbage}`);
    assert.throws(
      () => loadKeyRing(options({ dataDir })),
      (error: unknown) =>
        error instanceof KeyConfigError && error.message.includes(path) && !error.message.includes(garbage),
    );
  });

  it('warns when the development key file is readable by others', { skip: process.platform === 'win32' }, () => {
    const dataDir = join(root, 'data');
    loadKeyRing(options({ dataDir }));
    const path = join(dataDir, 'secret-key');
    const key = readFileSync(path, 'utf8').trim();
    writeFileSync(path, key);
    chmodSync(path, 0o644);
    loadKeyRing(options({ dataDir }));
    assert.match(warnings[1]!, /mode 0644; run chmod 600/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
