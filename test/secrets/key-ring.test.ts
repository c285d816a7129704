import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  DOCUMENTATION_EXAMPLE_KEY,
  EXAMPLE_KEYS,
  KeyConfigError,
  parseSecretKeys,
} from '../../src/secrets/key-ring.js';

const b64 = () => randomBytes(32).toString('base64');

/** Asserts parseSecretKeys refuses `value`, names SECRET_KEYS and leaks none of `secrets`. */
function refusal(value: string, secrets: string[], expected: RegExp): void {
  assert.throws(
    () => parseSecretKeys(value),
    (error: unknown) => {
      assert.ok(error instanceof KeyConfigError);
      assert.match(error.message, /SECRET_KEYS/);
      assert.match(error.message, expected);
      for (const s of secrets) assert.ok(!error.message.includes(s), `message leaks key material: ${error.message}`);
      return true;
    },
  );
}

describe('parseSecretKeys', () => {
  it('parses one key', () => {
    const sut = parseSecretKeys(`k1:${b64()}`);
    assert.equal(sut.sealingKeyId, 'k1');
    assert.equal(sut.has('k1'), true);
    assert.equal(sut.has('k2'), false);
    assert.equal(sut.key('k1').length, 32);
    assert.throws(() => sut.key('k2'), /key id "k2" is not in the key ring/);
  });

  it('seals with the first key and keeps all, tolerating spaces and unpadded or url-safe base64', () => {
    const key1 = randomBytes(32);
    const sut = parseSecretKeys(` k2:${b64()} , k1:${key1.toString('base64url')}`);
    assert.equal(sut.sealingKeyId, 'k2');
    assert.deepEqual(sut.ids, ['k2', 'k1']);
    assert.deepEqual(sut.key('k1'), key1);
  });

  it('refuses an empty value', () => {
    refusal('', [], /set but empty/);
    refusal('  ', [], /set but empty/);
  });

  it('refuses empty entries', () => {
    const key = b64();
    refusal(`k1:${key},`, [key], /entry 2 is empty/);
    refusal(`k1:${key},,k2:${b64()}`, [key], /entry 2 is empty/);
  });

  it('refuses a missing colon or id', () => {
    const key = b64();
    refusal(key, [key], /entry 1: expected id:base64key/);
    refusal(`:${key}`, [key], /entry 1: key id is missing/);
  });

  it('refuses ids outside [A-Za-z0-9_-]{1,32}', () => {
    const key = b64();
    refusal(`k 1:${key}`, [key], /entry 1: key id must match/);
    refusal(`k.1:${key}`, [key], /entry 1: key id must match/);
    refusal(`${'k'.repeat(33)}:${key}`, [key], /entry 1: key id must match/);
  });

  it('refuses duplicate ids', () => {
    const [a, b] = [b64(), b64()];
    refusal(`k1:${a},k1:${b}`, [a, b], /entry 2 \(id "k1"\): id is used twice/);
  });

  it('refuses keys that are not 32 bytes of base64, with how to generate one', () => {
    const short = randomBytes(16).toString('base64');
    const long = randomBytes(33).toString('base64');
    const hex = randomBytes(32).toString('hex');
    const junk = 'not-base64!!not-base64!!not-base64!!not-base6';
    for (const bad of [short, long, junk, '']) {
      refusal(
        `k1:${b64()},k2:${bad}`,
        bad ? [bad] : [],
        /entry 2 \(id "k2"\): key must be 32 bytes, base64; generate one with `openssl rand -base64 32`/,
      );
    }
    refusal(`k1:${hex}`, [hex], /looks like hex/);
  });

  it('refuses published example and trivial keys', () => {
    const [id, documented] = DOCUMENTATION_EXAMPLE_KEY.split(':') as [string, string];
    assert.equal(Buffer.from(documented, 'base64').length, 32);
    assert.ok(EXAMPLE_KEYS.includes(documented));
    assert.ok(EXAMPLE_KEYS.includes(Buffer.alloc(32).toString('base64')));
    refusal(
      DOCUMENTATION_EXAMPLE_KEY,
      [documented],
      new RegExp(`entry 1 \\(id "${id}"\\): key is a published example`),
    );
    for (const example of EXAMPLE_KEYS) refusal(`k2:${b64()},mine:${example}`, [example], /entry 2 \(id "mine"\)/);
    const ones = Buffer.alloc(32, 0xff).toString('base64');
    refusal(`k1:${ones}`, [ones], /trivially guessable/);
  });
});
