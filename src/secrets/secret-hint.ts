import type { PlaintextSecret } from './secret-types.js';

export const HINT_MIN_LENGTH = 16;
const HINT_VISIBLE = 4;
const ELLIPSIS = '…';

/** `…` + the last 4 characters, only for secrets of 16+ characters (code points). Computed at write time. */
export function secretHint(plaintext: PlaintextSecret): string | null {
  const chars = Array.from(plaintext);
  if (chars.length < HINT_MIN_LENGTH) return null;
  return ELLIPSIS + chars.slice(-HINT_VISIBLE).join('');
}

// Asterisks, bullets, dots and ellipses that UIs render in place of a secret.
const MASK_ONLY = /^[*•●·∙⋅.…]+$/u;
// A mask followed by a few visible characters, as in our hint "…ab12" or "****ab12".
const HINT_PATTERN = /^(?:…|\.{3}|[*•●·∙⋅]{2,})\s?\S{4}$/u;
// Placeholders from log redaction and forms: <redacted>, [hidden], [Redacted], (masked), …
const PLACEHOLDER = /^[<[({]\s*(?:redacted|hidden|masked|secret|removed|filtered)\s*[>\])}]$|^redacted$/i;

/**
 * True when `value` looks like a masked secret echoed back by a client (e.g. a form that re-submits what
 * it displayed). Such values must be refused as a new secret rather than stored.
 */
export function isMaskLike(value: string, storedHint: string | null): boolean {
  const v = value.trim();
  if (v === '') return false;
  if (storedHint !== null) {
    const bare = storedHint.startsWith(ELLIPSIS) ? storedHint.slice(ELLIPSIS.length) : storedHint;
    if (v === storedHint || v === bare) return true;
  }
  return MASK_ONLY.test(v) || HINT_PATTERN.test(v) || PLACEHOLDER.test(v);
}
