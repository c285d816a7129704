/**
 * Turns the Authorization header of a request into a Principal, or a GraphQL error that Apollo returns
 * before anything is parsed or executed: 401 UNAUTHENTICATED (with WWW-Authenticate), or 403 FORBIDDEN
 * for a valid access token that carries no role.
 */
import { GraphQLError } from 'graphql';
import { DomainError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Principal } from '../request-context.js';
import type { ApiKeyService } from './api-key.service.js';
import { looksLikeJwt, type JwtVerifier } from './jwt-verifier.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export class Authenticator {
  constructor(private readonly deps: { apiKeys: ApiKeyService; jwt: JwtVerifier | null; logger: Logger }) {}

  /** Throws DomainError UNAUTHENTICATED or FORBIDDEN. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization?.trim()) {
      throw unauthenticated(
        'Authentication required: send the header `Authorization: Bearer <token>` with an API key or an access token',
      );
    }
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw unauthenticated('The Authorization header must be `Bearer <token>` (one token, Bearer scheme)');

    if (looksLikeJwt(token)) {
      if (!this.deps.jwt) {
        throw unauthenticated('Access tokens (JWT) are not accepted: this server has no AUTH_JWKS_URL; use an API key');
      }
      const result = await this.deps.jwt.verify(token);
      if (result.ok) return result.principal;
      if (result.cause) this.deps.logger.warn({ cause: result.cause }, 'JWT verification could not fetch the JWKS');
      throw new DomainError(result.code, result.message);
    }
    const result = await this.deps.apiKeys.authenticate(token);
    if (result.ok) return result.principal;
    throw unauthenticated(result.message);
  }
}

function unauthenticated(message: string): DomainError {
  return new DomainError(ErrorCode.UNAUTHENTICATED, message);
}

/** The error to throw from Apollo's context function: Apollo reads extensions.http for the status. */
export function contextError(error: DomainError): GraphQLError {
  const status = error.code === ErrorCode.FORBIDDEN ? 403 : 401;
  const headers = new Map<string, string>();
  if (status === 401) headers.set('www-authenticate', 'Bearer realm="postroom"');
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { code: error.code, http: { status, headers } },
  });
}
