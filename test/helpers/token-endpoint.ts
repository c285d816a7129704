/**
 * An in-process HTTPS token endpoint that answers the way Microsoft Entra ID does, for tests without internet.
 *
 *   POST /{tenant}/oauth2/v2.0/token                     client credentials, Entra's JSON errors (AADSTS…)
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration  what MSAL reads for an authority in knownAuthorities
 *   GET  /common/discovery/instance                      instance discovery (MSAL skips it for known authorities)
 *   POST /token                                          a generic RFC 6749 endpoint honouring basic vs body
 *
 * Failures follow from the registered state (unknown tenant → AADSTS90002, unknown client → AADSTS700016,
 * wrong secret → AADSTS7000215, expired secret → AADSTS7000222, delegated scope → AADSTS1002012).
 * Every request is recorded; `issuedTokens` lets an SMTP sink accept XOAUTH2 only for tokens issued here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestCa, type TestCa } from './test-ca.js';

export const TEST_TENANT_ID = '8f7e6d5c-4b3a-4921-8877-665544332211';
export const TEST_TENANT_DOMAIN = 'contoso.onmicrosoft.com';
export const TEST_CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
export const TEST_CLIENT_SECRET = 'Xy9~Q8s.canary_Secret-Value+/=&%20_7Fq1';

export interface RegisteredClient {
  clientId: string;
  secret: string;
  /** Tenant the app belongs to; default TEST_TENANT_ID (the domain alias works too). */
  tenant?: string;
  secretExpired?: boolean;
}

export type CredentialsIn = 'body' | 'basic' | 'both' | 'none';

export interface RecordedRequest {
  method: string;
  path: string;
  tenant: string | null;
  grantType: string | null;
  clientId: string | null;
  /** How the client credentials were sent. */
  credentialsIn: CredentialsIn;
  scope: string | null;
  status: number;
}

export interface IssuedToken {
  accessToken: string;
  clientId: string;
  tenant: string | null;
  scope: string;
  expiresAt: Date;
}

export type GenericClientAuth = 'client_secret_basic' | 'client_secret_post' | 'any';

export interface TokenEndpointOptions {
  ca?: TestCa;
  clients?: RegisteredClient[];
  expiresIn?: number;
  tokenStyle?: 'opaque' | 'jwt';
  genericClientAuth?: GenericClientAuth;
}

export interface TokenEndpoint {
  origin: string;
  /** "127.0.0.1:port", as it appears in TokenError.details.host. */
  host: string;
  caPem: string;
  tokenUrl(tenant?: string): string;
  genericTokenUrl: string;
  requests: RecordedRequest[];
  /** Token POSTs received (both shapes). */
  readonly tokenRequests: number;
  issuedTokens: IssuedToken[];
  isIssued(accessToken: string): boolean;
  addClient(client: RegisteredClient): void;
  /** Answers token requests with this lifetime from now on. */
  expiresIn: number;
  tokenStyle: 'opaque' | 'jwt';
  genericClientAuth: GenericClientAuth;
  /** While true, token requests are never answered (for timeout tests). */
  hang: boolean;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
}

const TENANTS = new Map<string, string>([
  [TEST_TENANT_ID, TEST_TENANT_ID],
  [TEST_TENANT_DOMAIN, TEST_TENANT_ID],
]);

export function entraError(status: number, error: string, code: number, description: string): Answer {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

export async function startTokenEndpoint(options: TokenEndpointOptions = {}): Promise<TokenEndpoint> {
  const ca = options.ca ?? createTestCa();
  const leaf = ca.issue(['localhost', '127.0.0.1']);
  const clients: RegisteredClient[] = [
    ...(options.clients ?? [{ clientId: TEST_CLIENT_ID, secret: TEST_CLIENT_SECRET }]),
  ];
  const requests: RecordedRequest[] = [];
  const issuedTokens: IssuedToken[] = [];
  let origin = '';

  const issue = (clientId: string, tenant: string | null, scope: string): Answer => {
    const expiresIn = endpoint.expiresIn;
    const expiresAt = new Date(Date.now() + expiresIn * 1000);
    const accessToken =
      endpoint.tokenStyle === 'jwt'
        ? [
            base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256' })),
            base64url(
              JSON.stringify({
                aud: scope.replace(/\/\.default$/, ''),
                appid: clientId,
                tid: tenant,
                exp: Math.floor(expiresAt.getTime() / 1000),
                jti: randomUUID(),
              }),
            ),
            base64url(randomBytes(32)),
          ].join('.')
        : base64url(randomBytes(48));
    issuedTokens.push({ accessToken, clientId, tenant, scope, expiresAt });
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken },
    };
  };

  const microsoftToken = (tenantSegment: string, form: URLSearchParams, creds: Credentials): Answer => {
    const tenant = TENANTS.get(tenantSegment.toLowerCase()) ?? TENANTS.get(tenantSegment);
    if (!tenant) {
      return entraError(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return entraError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = creds.clientId ?? '';
    const registered = clients.filter(
      (c) => c.clientId === clientId && (TENANTS.get(c.tenant ?? TEST_TENANT_ID) ?? c.tenant) === tenant,
    );
    if (registered.length === 0) {
      return entraError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantSegment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    if (creds.secret === null) {
      return entraError(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const match = registered.find((c) => c.secret === creds.secret);
    if (!match) {
      return entraError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    if (match.secretExpired) {
      return entraError(
        401,
        'invalid_client',
        7000222,
        `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      );
    }
    const scope = form.get('scope') ?? '';
    if (scope === '') {
      return entraError(400, 'invalid_scope', 70011, "The provided request must include a 'scope' input parameter.");
    }
    if (!scope.split(' ').every((s) => s.endsWith('/.default'))) {
      return entraError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    return issue(clientId, tenant, scope);
  };

  const genericToken = (form: URLSearchParams, creds: Credentials): Answer => {
    const mode = endpoint.genericClientAuth;
    if (form.get('grant_type') !== 'client_credentials')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    const wrongMethod =
      creds.in === 'none' ||
      creds.in === 'both' ||
      (mode === 'client_secret_basic' && creds.in !== 'basic') ||
      (mode === 'client_secret_post' && creds.in !== 'body');
    const match = clients.find((c) => c.clientId === creds.clientId && c.secret === creds.secret);
    if (wrongMethod || !match) {
      return {
        status: 401,
        body: {
          error: 'invalid_client',
          error_description: `Client authentication failed (this server uses ${mode}).`,
        },
      };
    }
    return issue(match.clientId, null, form.get('scope') ?? '');
  };

  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      const segments = url.pathname.split('/').filter((s) => s !== '');
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const creds = readCredentials(form, req.headers.authorization);
      const isMicrosoftToken =
        req.method === 'POST' &&
        segments.length === 4 &&
        segments[1] === 'oauth2' &&
        segments[2] === 'v2.0' &&
        segments[3] === 'token';
      const isGenericToken = req.method === 'POST' && url.pathname === '/token';
      const record = (status: number): void => {
        requests.push({
          method: req.method ?? '',
          path: url.pathname,
          tenant: isMicrosoftToken || segments[1] === 'v2.0' ? decodeURIComponent(segments[0] ?? '') : null,
          grantType: form.get('grant_type'),
          clientId: creds.clientId,
          credentialsIn: creds.in,
          scope: form.get('scope'),
          status,
        });
      };
      if ((isMicrosoftToken || isGenericToken) && endpoint.hang) {
        record(0);
        return; // never answered; close() destroys the socket
      }
      let answer: Answer;
      if (isMicrosoftToken) answer = microsoftToken(decodeURIComponent(segments[0]!), form, creds);
      else if (isGenericToken) answer = genericToken(form, creds);
      else if (
        req.method === 'GET' &&
        segments.length === 4 &&
        url.pathname.endsWith('/v2.0/.well-known/openid-configuration')
      ) {
        answer = openIdConfiguration(origin, decodeURIComponent(segments[0]!));
      } else if (req.method === 'GET' && url.pathname === '/common/discovery/instance') {
        const host = new URL(origin).host;
        answer = {
          status: 200,
          body: {
            tenant_discovery_endpoint: `${origin}/common/v2.0/.well-known/openid-configuration`,
            'api-version': '1.1',
            metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
          },
        };
      } else answer = { status: 404, body: { error: 'not_found' } };
      record(answer.status);
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `https://127.0.0.1:${port}`;

  const endpoint: TokenEndpoint = {
    origin,
    host: `127.0.0.1:${port}`,
    caPem: ca.certPem,
    tokenUrl: (tenant = TEST_TENANT_ID) => `${origin}/${tenant}/oauth2/v2.0/token`,
    genericTokenUrl: `${origin}/token`,
    requests,
    get tokenRequests() {
      return requests.filter((r) => r.method === 'POST').length;
    },
    issuedTokens,
    isIssued: (accessToken) =>
      issuedTokens.some((t) => t.accessToken === accessToken && t.expiresAt.getTime() > Date.now()),
    addClient: (client) => {
      clients.push(client);
    },
    expiresIn: options.expiresIn ?? 3599,
    tokenStyle: options.tokenStyle ?? 'opaque',
    genericClientAuth: options.genericClientAuth ?? 'any',
    hang: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return endpoint;
}

function openIdConfiguration(origin: string, tenantSegment: string): Answer {
  const tenant = TENANTS.get(tenantSegment.toLowerCase());
  if (!tenant) {
    return entraError(
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  const base = `${origin}/${tenantSegment}`;
  return {
    status: 200,
    body: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${origin}/${tenant}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
    },
  };
}

interface Credentials {
  in: CredentialsIn;
  clientId: string | null;
  secret: string | null;
}

function readCredentials(form: URLSearchParams, authorization: string | undefined): Credentials {
  let basic: { id: string; secret: string } | null = null;
  if (authorization && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 6749 §2.3.1: each part is form-urlencoded before joining with ":".
    const decode = (s: string): string => new URLSearchParams(`v=${s}`).get('v') ?? '';
    if (colon >= 0) basic = { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  }
  const bodySecret = form.get('client_secret');
  if (basic && bodySecret !== null) return { in: 'both', clientId: basic.id, secret: basic.secret };
  if (basic) return { in: 'basic', clientId: basic.id, secret: basic.secret };
  if (bodySecret !== null) return { in: 'body', clientId: form.get('client_id'), secret: bodySecret };
  return { in: 'none', clientId: form.get('client_id'), secret: null };
}
