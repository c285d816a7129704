/**
 * Client credentials through @azure/msal-node, for Microsoft-style token URLs.
 *
 * One ConfidentialClientApplication per (authority, clientId, secretVersion), kept for the process: its
 * in-memory cache is what makes 20 sends cost one token request. MSAL talks to the network only through our
 * network client (the shared HttpsPort, so the CA setting and the timeout apply). MSAL wraps network and HTTP
 * failures into its own errors and loses the detail, so the network client also records each call's last
 * failure and transcript in an AsyncLocalStorage scoped to one acquire() call; diagnostics read that first.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ConfidentialClientApplication,
  LogLevel,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { NetworkFailure, type HttpsPort } from './https-port.js';
import {
  describeRequest,
  describeResponse,
  parseJsonObject,
  tokenErrorFromMsal,
  tokenErrorFromNetwork,
  tokenErrorFromResponse,
  type TokenCallContext,
} from './token-diagnostics.js';
import { TokenError } from './token-error.js';
import type { AccessToken, TokenCounters, TokenRequest } from './token-provider.js';
import { isMicrosoftTokenUrl } from './token-url.js';

export interface MsalLogger {
  warn(message: string): void;
}

interface CallState extends TokenCallContext {
  failure?: { kind: 'network'; error: NetworkFailure } | { kind: 'http'; status: number; body: string };
}

interface MsalClient {
  app: ConfidentialClientApplication;
  authority: string;
  clientId: string;
  secretVersion: string;
}

export class MsalTokenSource {
  private readonly clients = new Map<string, MsalClient>();
  private readonly calls = new AsyncLocalStorage<CallState>();
  // MSAL does not coalesce concurrent cache misses (20 parallel sends on a cold cache = 20 requests), so we do.
  private readonly inFlight = new Map<string, Promise<AccessToken>>();
  private readonly networkClient: INetworkModule;

  constructor(
    private readonly deps: { http: HttpsPort; timeoutMs: number; counters: TokenCounters; logger?: MsalLogger },
  ) {
    this.networkClient = {
      sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => this.exchange<T>('GET', url, options),
      sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => this.exchange<T>('POST', url, options),
    };
  }

  get size(): number {
    return this.clients.size;
  }

  async acquire(
    request: TokenRequest,
    authority: string,
    forceRefresh: boolean,
    context: TokenCallContext,
  ): Promise<AccessToken> {
    const key = JSON.stringify([authority, request.clientId, request.secretVersion, request.scope]);
    const pending = forceRefresh ? undefined : this.inFlight.get(key);
    if (pending) {
      const shared = await pending;
      context.transcript.push(`token for ${context.host} shared with a concurrent request`);
      return { ...shared, fromCache: true, transcript: context.transcript };
    }
    const acquiring = this.acquireOnce(request, authority, forceRefresh, context);
    this.inFlight.set(key, acquiring);
    try {
      return await acquiring;
    } finally {
      if (this.inFlight.get(key) === acquiring) this.inFlight.delete(key);
    }
  }

  private async acquireOnce(
    request: TokenRequest,
    authority: string,
    forceRefresh: boolean,
    context: TokenCallContext,
  ): Promise<AccessToken> {
    const { app } = this.client(request, authority);
    const state: CallState = context;
    try {
      const result = await this.calls.run(state, () =>
        app.acquireTokenByClientCredential({ scopes: request.scope.trim().split(/\s+/), skipCache: forceRefresh }),
      );
      if (!result || !result.accessToken) throw tokenErrorFromResponse(context, 200, '{}');
      const expiresAt = result.expiresOn ?? new Date(Date.now() + 60_000);
      if (result.fromCache)
        context.transcript.push(
          `token for ${context.host} reused from MSAL cache (expires ${expiresAt.toISOString()})`,
        );
      return {
        accessToken: result.accessToken,
        expiresAt,
        fromCache: result.fromCache,
        transcript: context.transcript,
      };
    } catch (error) {
      if (error instanceof TokenError) throw error;
      const failure = state.failure;
      if (failure?.kind === 'network') throw tokenErrorFromNetwork(context, failure.error);
      if (failure?.kind === 'http') throw tokenErrorFromResponse(context, failure.status, failure.body);
      throw tokenErrorFromMsal(context, error);
    }
  }

  forget(authority: string, clientId: string, dropsVersion: (secretVersion: string) => boolean): void {
    for (const [key, client] of this.clients) {
      if (client.authority === authority && client.clientId === clientId && dropsVersion(client.secretVersion)) {
        this.clients.delete(key);
      }
    }
  }

  private client(request: TokenRequest, authority: string): MsalClient {
    const key = JSON.stringify([authority, request.clientId, request.secretVersion]);
    let client = this.clients.get(key);
    if (!client) {
      const host = new URL(authority).host;
      const logger = this.deps.logger;
      const app = new ConfidentialClientApplication({
        auth: {
          clientId: request.clientId,
          clientSecret: request.clientSecret,
          authority,
          // A host MSAL does not know (a local or private endpoint with Microsoft's path shape) is trusted
          // explicitly, so MSAL reads its OpenID configuration instead of asking login.microsoftonline.com.
          knownAuthorities: isMicrosoftTokenUrl(authority) ? [] : [host],
        },
        system: {
          networkClient: this.networkClient,
          disableInternalRetries: true,
          loggerOptions: {
            piiLoggingEnabled: false,
            logLevel: LogLevel.Warning,
            loggerCallback: (level, message, containsPii) => {
              if (logger && !containsPii && level <= LogLevel.Warning) logger.warn(`msal: ${message}`);
            },
          },
        },
      });
      client = { app, authority, clientId: request.clientId, secretVersion: request.secretVersion };
      this.clients.set(key, client);
    }
    return client;
  }

  private async exchange<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    const state = this.calls.getStore();
    const request = { method, url, headers: options?.headers ?? {}, body: options?.body };
    if (method === 'POST') this.deps.counters.tokenRequests += 1;
    else this.deps.counters.discoveryRequests += 1;
    state?.transcript.push(describeRequest(request, state.secrets));
    let response;
    try {
      response = await this.deps.http.send(request, this.deps.timeoutMs);
    } catch (error) {
      if (state && error instanceof NetworkFailure) state.failure = { kind: 'network', error };
      throw error;
    }
    const json = parseJsonObject(response.body);
    if (state) {
      if (typeof json?.access_token === 'string') state.secrets.push(json.access_token);
      state.transcript.push(describeResponse(response.status, response.body, state.secrets));
      state.failure =
        response.status >= 400 ? { kind: 'http', status: response.status, body: response.body } : undefined;
    }
    return { headers: response.headers, body: (json ?? {}) as T, status: response.status };
  }
}
