/**
 * OIDC/JWT access tokens for frontends: verified with jose against AUTH_JWKS_URL (keys cached and
 * refetched on an unknown `kid`), with AUTH_ISSUER and AUTH_AUDIENCE required, and the role read from
 * AUTH_ROLE_CLAIM.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ConfigError, type AuthConfig } from '../config.js';
import { ErrorCode } from '../errors.js';
import type { Principal } from '../request-context.js';
import { highestRole } from './role.js';

/** Asymmetric algorithms only: a JWKS never legitimately holds a shared HMAC secret. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export type JwtResult =
  | { ok: true; principal: Principal }
  | { ok: false; code: ErrorCode.UNAUTHENTICATED | ErrorCode.FORBIDDEN; message: string; cause?: string };

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

export class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly settings: { jwksUrl: string; issuer: string; audience: string; roleClaim: string },
    options: { timeoutMs?: number } = {},
  ) {
    this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      timeoutDuration: options.timeoutMs ?? 5_000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  async verify(token: string): Promise<JwtResult> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
      }));
    } catch (error) {
      return rejection(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      return {
        ok: false,
        code: ErrorCode.UNAUTHENTICATED,
        message: 'The access token has no "sub" claim: Postroom needs a subject to name the actor',
      };
    }
    const claim = this.settings.roleClaim;
    const raw = claimValue(payload, claim);
    const role = highestRole(Array.isArray(raw) ? raw : [raw]);
    if (!role) {
      return {
        ok: false,
        code: ErrorCode.FORBIDDEN,
        message: `The access token carries no Postroom role: its "${claim}" claim (AUTH_ROLE_CLAIM) must be admin, operator or viewer, or a list holding one`,
      };
    }
    return { ok: true, principal: { kind: 'jwt', actor: `jwt:${payload.sub}`, role } };
  }
}

/** The claim by its exact name ("https://example.com/roles" works), else by a dotted path ("realm_access.roles"). */
function claimValue(payload: JWTPayload, claim: string): unknown {
  if (claim in payload) return payload[claim];
  let value: unknown = payload;
  for (const part of claim.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function rejection(error: unknown): JwtResult {
  const fail = (message: string, cause?: string): JwtResult => ({
    ok: false,
    code: ErrorCode.UNAUTHENTICATED,
    message,
    cause,
  });
  if (error instanceof joseErrors.JWTExpired)
    return fail('The access token has expired: get a new one from your identity provider');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const variable = error.claim === 'iss' ? ' (AUTH_ISSUER)' : error.claim === 'aud' ? ' (AUTH_AUDIENCE)' : '';
    return fail(
      `The access token's "${error.claim}" claim is not accepted${variable}: request a token for this API from the configured identity provider`,
    );
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) {
    return fail("The access token's signature does not verify against the identity provider's keys (AUTH_JWKS_URL)");
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return fail(
      `The access token is signed with an algorithm that is not accepted; use one of ${ALGORITHMS.join(', ')}`,
    );
  }
  if (
    error instanceof joseErrors.JWKSTimeout ||
    error instanceof joseErrors.JWKSInvalid ||
    !(error instanceof joseErrors.JOSEError)
  ) {
    return fail(
      "The identity provider's keys (AUTH_JWKS_URL) could not be fetched, so the access token cannot be checked: try again later",
      error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
    );
  }
  return fail('The access token is not a valid JWT: get a new one from your identity provider');
}

/** null when JWT is off (no AUTH_JWKS_URL). Issuer and audience are required: without them any token of the IdP would pass. */
export function createJwtVerifier(auth: AuthConfig, options: { timeoutMs?: number } = {}): JwtVerifier | null {
  if (!auth.jwksUrl) {
    if (auth.issuer || auth.audience) {
      throw new ConfigError(
        'AUTH_ISSUER and AUTH_AUDIENCE take effect only with AUTH_JWKS_URL: set all three, or none',
      );
    }
    return null;
  }
  if (!auth.issuer)
    throw new ConfigError('AUTH_ISSUER must be set when AUTH_JWKS_URL is set (the expected "iss" of access tokens)');
  if (!auth.audience)
    throw new ConfigError('AUTH_AUDIENCE must be set when AUTH_JWKS_URL is set (the expected "aud" of access tokens)');
  return new JwtVerifier(
    { jwksUrl: auth.jwksUrl, issuer: auth.issuer, audience: auth.audience, roleClaim: auth.roleClaim },
    options,
  );
}
