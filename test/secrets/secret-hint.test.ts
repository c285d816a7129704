import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMaskLike, secretHint } from '../../src/secrets/secret-hint.js';
import { asPlaintext } from '../../src/secrets/secret-types.js';

describe('secretHint', () => {
  it('hides secrets shorter than 16 characters entirely', () => {
    assert.equal(secretHint(asPlaintext('a'.repeat(15))), null);
    assert.equal(secretHint(asPlaintext('')), null);
  });

  it('shows an ellipsis and the last 4 characters from 16 characters on', () => {
    assert.equal(secretHint(asPlaintext('abcdefghijkl1234')), '…1234');
    assert.equal(secretHint(asPlaintext('x'.repeat(40) + 'WXYZ')), '…WXYZ');
  });

  it('counts code points, not UTF-16 units', () => {
    // 15 code points but 16 UTF-16 units: still too short.
    assert.equal(secretHint(asPlaintext('a'.repeat(14) + '📧')), null);
    assert.equal(secretHint(asPlaintext('a'.repeat(15) + '📧')), '…aaa📧');
    assert.equal(secretHint(asPlaintext('a'.repeat(12) + '📧🔑ab')), '…📧🔑ab');
  });
});

describe('isMaskLike', () => {
  const hint = '…wxyz';

  it('detects masks and placeholders', () => {
    const masks = [
      '***',
      '********',
      '••••',
      '●●●●●●',
      '…',
      '...',
      '···',
      '  ****  ',
      '…abcd',
      '...abcd',
      '****abcd',
      '•••• abcd',
      '<redacted>',
      '[hidden]',
      '[Redacted]',
      '[REDACTED]',
      '(masked)',
      'redacted',
    ];
    for (const m of masks) assert.equal(isMaskLike(m, null), true, m);
  });

  it('detects the stored hint with or without its ellipsis', () => {
    assert.equal(isMaskLike('…wxyz', hint), true);
    assert.equal(isMaskLike('wxyz', hint), true);
    assert.equal(isMaskLike('wxyz', null), false);
  });

  it('accepts real secrets', () => {
    const secrets = [
      'hunter2',
      'correct horse battery staple',
      'p*ssw0rd',
      'abc…defgh',
      '…abcdefgh',
      'a***',
      'wxyz1',
      '',
    ];
    for (const s of secrets) assert.equal(isMaskLike(s, hint), false, s);
  });
});
