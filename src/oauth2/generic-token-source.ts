/**
 * RFC 6749 §4.4 client credentials grant, for token URLs that are not Microsoft-style.
 * POST application/x-www-form-urlencoded: grant_type=client_credentials, scope, and the client credentials either
 * in the body (client_id, client_secret) or as HTTP Basic with each part form-urlencoded first (§2.3.1).
 * Tokens are cached per (tokenUrl, clientId, scope, secretVersion) until shortly before expires_in runs out.
 */
import { ClientAuthType } from './client-auth-type.js';
import type { HttpRequest, HttpsPort } from './https-port.js';
import { NetworkFailure } from './https-port.js';
import {
  describeRequest,
  describeResponse,
  parseJsonObject,
  tokenErrorFromNetwork,
  tokenErrorFromResponse,
  type TokenCallContext,
} from './token-diagnostics.js';
import type { AccessToken, Clock, TokenCounters, TokenRequest } from './token-provider.js';

interface CachedToken {
  accessToken: string;
  expiresAt: number;
  refreshAt: number;
  tokenUrl: string;
  clientId: string;
  secretVersion: string;
}

/** Used when the server omits expires_in (RFC 6749 makes it optional). */
const DEFAULT_LIFETIME_S = 600;
const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

export class GenericTokenSource {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();

  constructor(private readonly deps: { http: HttpsPort; timeoutMs: number; clock: Clock; counters: TokenCounters }) {}

  get size(): number {
    return this.cache.size;
  }

  async acquire(request: TokenRequest, forceRefresh: boolean, context: TokenCallContext): Promise<AccessToken> {
    const key = JSON.stringify([request.tokenUrl, request.clientId, request.scope, request.secretVersion]);
    const cached = this.cache.get(key);
    if (!forceRefresh && cached && this.deps.clock.now() < cached.refreshAt) {
      context.transcript.push(
        `token for ${context.host} reused from cache (expires ${new Date(cached.expiresAt).toISOString()})`,
      );
      return {
        accessToken: cached.accessToken,
        expiresAt: new Date(cached.expiresAt),
        fromCache: true,
        transcript: context.transcript,
      };
    }
    const pending = forceRefresh ? undefined : this.inFlight.get(key);
    if (pending) {
      const shared = await pending;
      context.transcript.push(`token for ${context.host} shared with a concurrent request`);
      return {
        accessToken: shared.accessToken,
        expiresAt: new Date(shared.expiresAt),
        fromCache: true,
        transcript: context.transcript,
      };
    }
    const fetching = this.fetch(request, context);
    this.inFlight.set(key, fetching);
    try {
      const token = await fetching;
      this.cache.set(key, token);
      return {
        accessToken: token.accessToken,
        expiresAt: new Date(token.expiresAt),
        fromCache: false,
        transcript: context.transcript,
      };
    } finally {
      if (this.inFlight.get(key) === fetching) this.inFlight.delete(key);
    }
  }

  forget(tokenUrl: string, clientId: string, dropsVersion: (secretVersion: string) => boolean): void {
    for (const [key, token] of this.cache) {
      if (token.tokenUrl === tokenUrl && token.clientId === clientId && dropsVersion(token.secretVersion)) {
        this.cache.delete(key);
      }
    }
  }

  private async fetch(request: TokenRequest, context: TokenCallContext): Promise<CachedToken> {
    const httpRequest = buildRequest(request);
    context.transcript.push(describeRequest(httpRequest, context.secrets));
    this.deps.counters.tokenRequests += 1;
    const sentAt = this.deps.clock.now();
    let response;
    try {
      response = await this.deps.http.send(httpRequest, this.deps.timeoutMs);
    } catch (error) {
      if (error instanceof NetworkFailure) throw tokenErrorFromNetwork(context, error);
      throw error;
    }
    context.transcript.push(describeResponse(response.status, response.body, context.secrets));
    const json = parseJsonObject(response.body);
    if (response.status !== 200 || !json || typeof json.access_token !== 'string' || json.access_token === '') {
      throw tokenErrorFromResponse(context, response.status, response.body);
    }
    const expiresIn = Number(json.expires_in);
    const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S) * 1000;
    const expiresAt = sentAt + lifetimeMs;
    return {
      accessToken: json.access_token,
      expiresAt,
      refreshAt: expiresAt - Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 10),
      tokenUrl: request.tokenUrl,
      clientId: request.clientId,
      secretVersion: request.secretVersion,
    };
  }
}

function buildRequest(request: TokenRequest): HttpRequest {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (request.scope.trim() !== '') form.set('scope', request.scope.trim());
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  switch (request.clientAuthType) {
    case ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY:
      form.set('client_id', request.clientId);
      form.set('client_secret', request.clientSecret);
      break;
    case ClientAuthType.BASIC_AUTH_HEADER: {
      const credentials = `${formEncode(request.clientId)}:${formEncode(request.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
      break;
    }
    default: {
      const unreachable: never = request.clientAuthType;
      throw new Error(`unknown client auth type ${String(unreachable)}`);
    }
  }
  return { method: 'POST', url: request.tokenUrl, headers, body: form.toString() };
}
