/**
 * Access tokens for OAuth2 client credentials. Microsoft-style token URLs (`https://{host}/{tenant}/oauth2/v2.0/token`)
 * go to MSAL; every other URL gets a plain RFC 6749 client_credentials POST. Both sources cache (MSAL in its own
 * cache, the generic one in memory) and both report failures as TokenError, masked.
 */
import type { ClientAuthType } from './client-auth-type.js';
import { GenericTokenSource } from './generic-token-source.js';
import { createHttpsPort, type HttpsPort } from './https-port.js';
import { MsalTokenSource, type MsalLogger } from './msal-token-source.js';
import { secretVariants, type TokenCallContext } from './token-diagnostics.js';
import { TokenError } from './token-error.js';
import { msalAuthorityFromTokenUrl, parseUrl } from './token-url.js';

export interface TokenRequest {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Ignored on the MSAL path (MSAL always sends the secret in the body, which Entra ID accepts). */
  clientAuthType: ClientAuthType;
  /** Changes whenever the secret changes; part of every cache key, so a rotated secret never reuses old tokens. */
  secretVersion: string;
}

export interface AccessToken {
  accessToken: string;
  expiresAt: Date;
  fromCache: boolean;
  /** The token conversation, credentials and tokens masked. */
  transcript: string[];
}

export interface Clock {
  now(): number;
}

export interface TokenProviderDeps {
  /** The HTTPS edge; defaults to node https trusting `caPems` in addition to the bundled roots. */
  https?: HttpsPort;
  caPems?: readonly string[];
  /** Deadline of each HTTP request to a token endpoint. */
  timeoutMs?: number;
  /** Used by the generic cache only: MSAL reads the system time itself. */
  clock?: Clock;
  /** Receives MSAL's warnings and errors, never its PII messages. Default: dropped. */
  msalLogger?: MsalLogger;
}

export interface TokenProviderStats {
  /** POSTs sent to token endpoints, both paths. */
  tokenRequests: number;
  /** GETs MSAL made (OpenID discovery, instance discovery). */
  discoveryRequests: number;
  msalClients: number;
  genericCachedTokens: number;
}

export interface TokenCounters {
  tokenRequests: number;
  discoveryRequests: number;
}

export class TokenProvider {
  private readonly counters: TokenCounters = { tokenRequests: 0, discoveryRequests: 0 };
  private readonly msal: MsalTokenSource;
  private readonly generic: GenericTokenSource;

  constructor(deps: TokenProviderDeps = {}) {
    const http = deps.https ?? createHttpsPort({ caPems: deps.caPems ?? [] });
    const timeoutMs = deps.timeoutMs ?? 10_000;
    const clock = deps.clock ?? { now: () => Date.now() };
    this.msal = new MsalTokenSource({ http, timeoutMs, counters: this.counters, logger: deps.msalLogger });
    this.generic = new GenericTokenSource({ http, timeoutMs, clock, counters: this.counters });
  }

  async getAccessToken(
    request: TokenRequest,
    options: { forceRefresh: boolean } = { forceRefresh: false },
  ): Promise<AccessToken> {
    const url = parseUrl(request.tokenUrl);
    const host = url ? url.host : request.tokenUrl.slice(0, 100);
    const context: TokenCallContext = {
      host,
      secrets: secretVariants(request.clientId, request.clientSecret),
      transcript: [],
    };
    if (!url || url.protocol !== 'https:') {
      throw new TokenError(`Token URL for ${host} is not a valid https URL`, {
        host,
        errorCode: 'INVALID_TOKEN_URL',
        httpStatus: null,
        serverResponse: null,
        hint: 'Set tokenUrl to the https token endpoint, e.g. https://login.microsoftonline.com/<Directory (tenant) ID>/oauth2/v2.0/token.',
        secretExpired: false,
        transcript: [],
      });
    }
    const authority = msalAuthorityFromTokenUrl(request.tokenUrl);
    return authority
      ? this.msal.acquire(request, authority, options.forceRefresh, context)
      : this.generic.acquire(request, options.forceRefresh, context);
  }

  /**
   * Drops cached tokens and MSAL clients for this token URL and client id: only `secretVersion` when given,
   * else every version but `exceptSecretVersion`.
   */
  forget(match: { tokenUrl: string; clientId: string; secretVersion?: string; exceptSecretVersion?: string }): void {
    const dropsVersion = (version: string): boolean =>
      match.secretVersion !== undefined ? version === match.secretVersion : version !== match.exceptSecretVersion;
    const authority = msalAuthorityFromTokenUrl(match.tokenUrl);
    if (authority) this.msal.forget(authority, match.clientId, dropsVersion);
    this.generic.forget(match.tokenUrl, match.clientId, dropsVersion);
  }

  stats(): TokenProviderStats {
    return { ...this.counters, msalClients: this.msal.size, genericCachedTokens: this.generic.size };
  }
}
