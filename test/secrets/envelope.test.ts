import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyIdOf, open, seal, SecretDecryptError } from '../../src/secrets/envelope.js';
import { createKeyRing, type KeyRing } from '../../src/secrets/key-ring.js';
import { asPlaintext, asSealed, type PlaintextSecret, type SealedSecret } from '../../src/secrets/secret-types.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const at = { rowId: 'row-1', field: 'password' };
const secret = asPlaintext('correct horse battery staple ✉️');

function decryptError(fn: () => unknown): SecretDecryptError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SecretDecryptError, `expected SecretDecryptError, got ${String(error)}`);
    assert.ok(!error.message.includes(secret), 'message must not contain the secret');
    return error;
  }
  assert.fail('expected open to throw');
}

function flipByte(sealed: SealedSecret, index: number): SealedSecret {
  const [version, keyId, payload] = sealed.split(':') as [string, string, string];
  const bytes = Buffer.from(payload, 'base64');
  bytes[index] = bytes[index]! ^ 0x01;
  return asSealed(`${version}:${keyId}:${bytes.toString('base64')}`);
}

describe('envelope', () => {
  const sut: KeyRing = createKeyRing([k1]);

  it('round-trips a secret', () => {
    const sealed = seal(sut, secret, at);
    assert.equal(open(sut, sealed, at), secret);
  });

  it('writes v1:<keyId>:<base64(iv|ciphertext|tag)> with a fresh IV each time', () => {
    const sealed = seal(sut, secret, at);
    const [version, keyId, payload] = sealed.split(':');
    assert.equal(version, 'v1');
    assert.equal(keyId, 'k1');
    assert.equal(Buffer.from(payload!, 'base64').length, 12 + Buffer.byteLength(secret) + 16);
    assert.notEqual(seal(sut, secret, at), sealed);
    assert.ok(!sealed.includes(secret));
  });

  it('round-trips an empty string', () => {
    assert.equal(open(sut, seal(sut, asPlaintext(''), at), at), '');
  });

  it('binds the ciphertext to its row and field', () => {
    const sealed = seal(sut, secret, at);
    const moved = decryptError(() => open(sut, sealed, { rowId: 'row-2', field: 'password' }));
    assert.equal(moved.reason, 'authenticationFailed');
    assert.match(moved.message, /password of row row-2 \(key "k1"\)/);
    assert.match(moved.message, /copied from another row/);
    const otherField = decryptError(() => open(sut, sealed, { rowId: 'row-1', field: 'clientSecret' }));
    assert.equal(otherField.reason, 'authenticationFailed');
  });

  it('encodes row and field unambiguously even when they contain colons', () => {
    const sealed = seal(sut, secret, { rowId: 'a:b', field: 'c' });
    decryptError(() => open(sut, sealed, { rowId: 'a', field: 'b:c' }));
  });

  it('refuses tampered iv, ciphertext and tag', () => {
    const sealed = seal(sut, secret, at);
    for (const index of [0, 12, 12 + Buffer.byteLength(secret)]) {
      assert.equal(decryptError(() => open(sut, flipByte(sealed, index), at)).reason, 'authenticationFailed');
    }
  });

  it('refuses a key id swapped to another key in the ring', () => {
    const ring = createKeyRing([k1, k2]);
    const sealed = seal(ring, secret, at).replace(/^v1:k1:/, 'v1:k2:');
    assert.equal(decryptError(() => open(ring, asSealed(sealed), at)).reason, 'authenticationFailed');
  });

  it('names an unknown key id', () => {
    const sealed = seal(createKeyRing([k2]), secret, at);
    const error = decryptError(() => open(sut, sealed, at));
    assert.equal(error.reason, 'unknownKey');
    assert.equal(error.keyId, 'k2');
    assert.match(error.message, /key "k2" is not in SECRET_KEYS \(loaded: k1\)/);
    assert.match(error.message, /password of row row-1/);
  });

  it('refuses malformed envelopes without echoing them', () => {
    const good = seal(sut, secret, at);
    const cases = [
      '',
      secret,
      'v2:k1:' + good.split(':')[2],
      'v1::' + good.split(':')[2],
      'v1:k1:not base64!',
      'v1:k1:' + Buffer.alloc(27).toString('base64'),
      good + ':extra',
    ];
    for (const bad of cases) {
      const error = decryptError(() => open(sut, asSealed(bad), at));
      assert.equal(error.reason, 'malformed', bad);
      assert.equal(error.keyId, null);
      if (bad !== '') assert.ok(!error.message.includes(bad));
    }
  });

  it('rotates: the first key seals, older keys still open', () => {
    const old = seal(createKeyRing([k1]), secret, at);
    const rotated = createKeyRing([k2, k1]);
    const fresh = seal(rotated, secret, at);
    assert.equal(keyIdOf(fresh), 'k2');
    assert.equal(keyIdOf(old), 'k1');
    assert.equal(open(rotated, old, at), secret);
    assert.equal(open(rotated, fresh, at), secret);
    // Once k1 is retired, data it sealed stops opening while re-sealed data keeps working.
    const retired = createKeyRing([k2]);
    assert.equal(decryptError(() => open(retired, old, at)).reason, 'unknownKey');
    assert.equal(open(retired, seal(rotated, open(rotated, old, at), at), at), secret);
  });

  it('refuses an empty row id or field when sealing', () => {
    assert.throws(() => seal(sut, secret, { rowId: '', field: 'password' }), TypeError);
    assert.throws(() => seal(sut, secret, { rowId: 'r', field: '' }), TypeError);
  });

  it('keeps plaintext and sealed types apart at compile time', () => {
    const sealed = seal(sut, secret, at);
    // @ts-expect-error plaintext where ciphertext is expected
    const wrong: SealedSecret = secret;
    // @ts-expect-error a raw string is neither
    const raw: PlaintextSecret = 'hunter2';
    // @ts-expect-error ciphertext where plaintext is expected
    seal(sut, sealed, at);
    assert.ok(wrong && raw);
  });
});
