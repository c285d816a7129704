/**
 * A token request that failed. Carries only what is safe to show: never the secret, never a token.
 * `errorCode` is the most specific code known: an AADSTS code ("AADSTS7000215"), the OAuth2 `error`
 * ("invalid_client"), or a network code ("ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND").
 */
export class TokenError extends Error {
  constructor(
    message: string,
    readonly details: {
      host: string;
      errorCode: string | null;
      httpStatus: number | null;
      /** The endpoint's own description (e.g. "AADSTS7000215: Invalid client secret provided..."), masked. */
      serverResponse: string | null;
      hint: string;
      /** True when the endpoint said the secret has expired (AADSTS7000222). */
      secretExpired: boolean;
      /** Lines of the token conversation for the transcript, credentials masked. */
      transcript: string[];
    },
  ) {
    super(message);
    this.name = 'TokenError';
  }
}
