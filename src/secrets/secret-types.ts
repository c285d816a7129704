// Brands make plaintext and ciphertext distinct at compile time: a PlaintextSecret cannot be stored
// where a SealedSecret is expected, and a raw string is neither without an explicit conversion.
declare const plaintextBrand: unique symbol;
declare const sealedBrand: unique symbol;

export type PlaintextSecret = string & { readonly [plaintextBrand]: true };
export type SealedSecret = string & { readonly [sealedBrand]: true };

/** Marks a value received from a caller (e.g. an input field) as a secret to be sealed. */
export function asPlaintext(s: string): PlaintextSecret {
  return s as PlaintextSecret;
}

/** For values read back from storage; `open` validates the envelope. Only `seal` produces new ones. */
export function asSealed(s: string): SealedSecret {
  return s as SealedSecret;
}
