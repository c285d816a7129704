/**
 * Turns a token endpoint's answer (Entra ID / RFC 6749 error JSON) or a network failure into a TokenError with
 * one precise hint, and writes the transcript lines. Everything that leaves here is masked: the client secret
 * (raw, URL-encoded, base64, inside a Basic header) and anything that looks like an access token.
 *
 * Entra ID errors look like
 *   {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. ...",
 *    "error_codes":[7000215],"timestamp":"...","trace_id":"...","correlation_id":"..."}
 */
import { TokenError } from './token-error.js';
import type { HttpRequest, NetworkFailure } from './https-port.js';

export interface TokenCallContext {
  /** host[:port] of the token endpoint, named in every message. */
  host: string;
  /** Values to mask wherever they appear (see secretVariants); access tokens are added once issued. */
  secrets: string[];
  transcript: string[];
}

const MASK = '***';
const SMTP_SCOPE = 'https://outlook.office365.com/.default';
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Every form in which a secret can travel: raw, URL/form-encoded, base64, and the Basic header credential. */
export function secretVariants(clientId: string, secret: string): string[] {
  if (secret === '') return [];
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return unique([
    secret,
    encodeURIComponent(secret),
    formEncode(secret),
    b64(secret),
    b64(`${clientId}:${secret}`),
    b64(`${formEncode(clientId)}:${formEncode(secret)}`),
  ]);
}

function unique(values: string[]): string[] {
  return [...new Set(values)].filter((v) => v !== '').sort((a, b) => b.length - a.length);
}

export function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s !== '') out = out.split(s).join(MASK);
  }
  return out.replace(JWT_LIKE, MASK);
}

function shorten(text: string, max = 240): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** `POST https://host/tenant/oauth2/v2.0/token client_id=… scope=… client_secret=***` */
export function describeRequest(request: HttpRequest, secrets: readonly string[]): string {
  const url = new URL(request.url);
  const parts = [`${request.method} ${url.origin}${url.pathname}`];
  if (request.method === 'POST' && request.body) {
    const form = new URLSearchParams(request.body);
    for (const key of ['grant_type', 'client_id', 'scope']) {
      const value = form.get(key);
      if (value !== null) parts.push(`${key}=${value}`);
    }
    if (form.has('client_secret')) parts.push(`client_secret=${MASK}`);
    if (form.has('client_assertion')) parts.push(`client_assertion=${MASK}`);
  }
  const authorization = Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'authorization');
  if (authorization) parts.push(`Authorization: ${authorization[1].split(' ')[0]} ${MASK}`);
  return mask(parts.join(' '), secrets);
}

interface ErrorBody {
  error?: unknown;
  error_description?: unknown;
  error_codes?: unknown;
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
}

export function parseJsonObject(body: string): ErrorBody | null {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as ErrorBody) : null;
  } catch {
    return null;
  }
}

/** `← 401 invalid_client AADSTS7000215 Invalid client secret provided…`, or `← 200 token_type=Bearer …`. */
export function describeResponse(status: number, body: string, secrets: readonly string[]): string {
  const json = parseJsonObject(body);
  if (json && typeof json.access_token === 'string') {
    return `← ${status} token_type=${String(json.token_type ?? '?')} expires_in=${String(json.expires_in ?? '?')} access_token=${MASK}`;
  }
  if (json && (json.error !== undefined || json.error_description !== undefined)) {
    const code = aadstsCode(json);
    const description =
      typeof json.error_description === 'string' ? json.error_description.replace(/^AADSTS\d+:\s*/, '') : '';
    const words = [String(json.error ?? ''), code ?? '', shorten(description, 200)].filter((w) => w !== '');
    return mask(`← ${status} ${words.join(' ')}`, secrets);
  }
  if (json) return `← ${status}`;
  return mask(`← ${status} ${shorten(body, 120)}`, secrets);
}

/** "AADSTS7000215" from `error_codes` or the description; null when the answer is not Entra ID's. */
export function aadstsCode(json: ErrorBody): string | null {
  if (Array.isArray(json.error_codes) && json.error_codes.length > 0) {
    const first: unknown = json.error_codes[0];
    if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) return `AADSTS${first}`;
  }
  const match = typeof json.error_description === 'string' ? /AADSTS(\d+)/.exec(json.error_description) : null;
  return match ? `AADSTS${match[1]}` : null;
}

interface Diagnosis {
  summary: string;
  hint: string;
  secretExpired?: boolean;
}

const SECRET_VALUE_HINT =
  "The client secret is wrong. In Entra ID › App registrations › your app › Certificates & secrets, copy the secret's " +
  '**Value** (shown only once, right after it is created), not its Secret ID. If the Value is lost, create a new ' +
  'client secret and call rotateSecret with it.';

const TENANT_HINT =
  "Check the Directory (tenant) ID in tokenUrl: copy it from the app registration's Overview page " +
  '(https://login.microsoftonline.com/<Directory (tenant) ID>/oauth2/v2.0/token), and make sure it is the right cloud.';

const SCOPE_HINT =
  `Use scope ${SMTP_SCOPE}: client credentials only take "<resource>/.default" (the application permissions ` +
  'granted to the app, such as SMTP.SendAsApp), never delegated scopes like SMTP.Send.';

const BY_AADSTS: Record<string, Diagnosis> = {
  AADSTS7000215: { summary: 'invalid client secret', hint: SECRET_VALUE_HINT },
  AADSTS7000222: {
    summary: 'the client secret has expired',
    hint:
      'The client secret has expired. Create a new client secret in the app registration (Certificates & secrets › ' +
      'New client secret), then call rotateSecret with its Value and its expiry date.',
    secretExpired: true,
  },
  AADSTS700016: {
    summary: 'application not found in the directory',
    hint:
      "Check the Application (client) ID (the app registration's Overview page) and that the app is registered in " +
      'this tenant: the tenant in tokenUrl must be the one the app belongs to.',
  },
  AADSTS90002: { summary: 'tenant not found', hint: TENANT_HINT },
  AADSTS900023: { summary: 'invalid tenant identifier', hint: TENANT_HINT },
  AADSTS1002012: { summary: 'invalid scope', hint: SCOPE_HINT },
  AADSTS70011: { summary: 'invalid scope', hint: SCOPE_HINT },
  AADSTS500011: {
    summary: 'resource not found in the tenant',
    hint:
      `The resource of the scope is not available in this tenant. For Exchange Online SMTP use ${SMTP_SCOPE}, and ` +
      'check the tenant has Exchange Online.',
  },
  AADSTS7000218: {
    summary: 'no client secret was sent',
    hint: 'The request carried no client secret: set the clientSecret, and use clientAuthType SEND_CLIENT_CREDENTIALS_IN_BODY for Microsoft.',
  },
  AADSTS7000112: {
    summary: 'the application is disabled',
    hint: 'The app registration (or its service principal) is disabled in Entra ID; enable it under Enterprise applications › Properties.',
  },
  AADSTS700027: {
    summary: 'client authentication failed',
    hint: 'Entra ID refused the client credential. Check the client secret Value and the Application (client) ID, or create a new secret and call rotateSecret.',
  },
};

const BY_OAUTH_ERROR: Record<string, Diagnosis> = {
  invalid_client: {
    summary: 'the client credentials were refused',
    hint:
      'The token endpoint refused the client id or secret. Check clientId and the secret, and try the other ' +
      'clientAuthType (some servers only accept BASIC_AUTH_HEADER, others only SEND_CLIENT_CREDENTIALS_IN_BODY).',
  },
  unauthorized_client: {
    summary: 'the client may not use client credentials',
    hint: 'The client is not allowed the client_credentials grant; enable it for this client at the identity provider.',
  },
  invalid_scope: {
    summary: 'invalid scope',
    hint: 'The scope is not valid for this client; use a scope the client has been granted.',
  },
  unsupported_grant_type: {
    summary: 'client credentials not supported',
    hint: 'The token endpoint does not support the client_credentials grant; check tokenUrl.',
  },
  invalid_request: {
    summary: 'the request was refused',
    hint: 'The token endpoint refused the request; check tokenUrl, clientId and scope.',
  },
};

export function tokenErrorFromResponse(ctx: TokenCallContext, status: number, body: string): TokenError {
  const json = parseJsonObject(body);
  const aadsts = json ? aadstsCode(json) : null;
  const oauthError = json && typeof json.error === 'string' ? json.error : null;
  const diagnosis: Diagnosis =
    (aadsts ? BY_AADSTS[aadsts] : undefined) ??
    (oauthError ? BY_OAUTH_ERROR[oauthError] : undefined) ??
    fallbackDiagnosis(status, json !== null, oauthError);
  const errorCode = aadsts ?? oauthError;
  const serverText = json && typeof json.error_description === 'string' ? json.error_description : body;
  return new TokenError(
    mask(
      `Token request to ${ctx.host} failed (HTTP ${status}${errorCode ? `, ${errorCode}` : ''}): ${diagnosis.summary}`,
      ctx.secrets,
    ),
    {
      host: ctx.host,
      errorCode,
      httpStatus: status,
      serverResponse: serverText.trim() === '' ? null : mask(shorten(serverText, 1000), ctx.secrets),
      hint: diagnosis.hint,
      secretExpired: diagnosis.secretExpired ?? false,
      transcript: [...ctx.transcript],
    },
  );
}

function fallbackDiagnosis(status: number, isJson: boolean, oauthError: string | null): Diagnosis {
  if (oauthError)
    return {
      summary: oauthError,
      hint: `The token endpoint answered "${oauthError}"; check tokenUrl, clientId, the secret and scope.`,
    };
  if (status >= 500)
    return { summary: 'server error', hint: 'The token endpoint had an internal error; try again later.' };
  if (status === 404 || status === 405) {
    return {
      summary: 'not a token endpoint',
      hint: 'Nothing answers token requests at tokenUrl; check its path (for Microsoft: /<tenant>/oauth2/v2.0/token).',
    };
  }
  if (status >= 200 && status < 300) {
    return {
      summary: 'no access token in the answer',
      hint: 'The endpoint answered without an access_token; check that tokenUrl is an OAuth2 token endpoint.',
    };
  }
  return {
    summary: isJson ? 'unexpected answer' : 'not an OAuth2 answer',
    hint: 'The token endpoint did not answer like an OAuth2 server; check tokenUrl.',
  };
}

/** Token endpoint unreachable, timed out, or its certificate not trusted: errorCode is the network code. */
export function tokenErrorFromNetwork(ctx: TokenCallContext, failure: Pick<NetworkFailure, 'code'>): TokenError {
  const { code } = failure;
  const host = ctx.host;
  const { summary, hint } = networkDiagnosis(code, host);
  ctx.transcript.push(`× ${code} ${host}`);
  return new TokenError(`Token endpoint ${host} ${summary} (${code})`, {
    host,
    errorCode: code,
    httpStatus: null,
    serverResponse: null,
    hint,
    secretExpired: false,
    transcript: [...ctx.transcript],
  });
}

function networkDiagnosis(code: string, host: string): { summary: string; hint: string } {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        summary: 'could not be resolved',
        hint: `The name ${host} does not resolve; check the host in tokenUrl and this server's DNS.`,
      };
    case 'ECONNREFUSED':
      return {
        summary: 'refused the connection',
        hint: `Nothing accepts connections at ${host}; check the host and port in tokenUrl.`,
      };
    case 'ETIMEDOUT':
      return {
        summary: 'did not answer in time',
        hint: `${host} did not answer in time; check that this server can reach it (firewall, proxy) and try again.`,
      };
    case 'ECONNRESET':
    case 'EPIPE':
      return {
        summary: 'closed the connection',
        hint: `${host} closed the connection; check for a proxy or firewall in between.`,
      };
    default:
      if (/CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|SSL/i.test(code)) {
        return {
          summary: 'presented a certificate that is not trusted',
          hint: `The TLS certificate of ${host} is not trusted; if it is signed by a private CA, add that CA through NODE_EXTRA_CA_CERTS.`,
        };
      }
      return {
        summary: 'could not be reached',
        hint: `Could not reach ${host}; check the host in tokenUrl and the network.`,
      };
  }
}

/**
 * For MSAL errors that carry no recorded HTTP answer. MSAL's ServerError has `errorCode` (the OAuth2 `error`),
 * `errorNo` (the first of Entra's `error_codes`), `status`, and `errorMessage` =
 * "Error(s): 7000215 - Timestamp: … - Description: AADSTS7000215: … - Correlation ID: … - Trace ID: …".
 * They are rebuilt into Entra's JSON so both paths share one diagnosis.
 */
export function tokenErrorFromMsal(ctx: TokenCallContext, error: unknown): TokenError {
  const e = (error ?? {}) as {
    errorCode?: unknown;
    errorMessage?: unknown;
    errorNo?: unknown;
    status?: unknown;
    message?: unknown;
  };
  const errorCode = typeof e.errorCode === 'string' ? e.errorCode : '';
  const errorMessage =
    typeof e.errorMessage === 'string' ? e.errorMessage : typeof e.message === 'string' ? e.message : '';
  if (errorCode === 'network_error')
    return tokenErrorFromNetwork(ctx, { code: /timeout/i.test(errorMessage) ? 'ETIMEDOUT' : 'ENETWORK' });
  const description = /Description: (.*?)(?: - Correlation ID:|$)/s.exec(errorMessage)?.[1] ?? errorMessage;
  const errorNo = typeof e.errorNo === 'number' || typeof e.errorNo === 'string' ? String(e.errorNo) : '';
  if (errorNo !== '' || /AADSTS\d+/.test(description) || (errorCode !== '' && BY_OAUTH_ERROR[errorCode])) {
    const body = JSON.stringify({
      error: errorCode,
      error_description: description,
      ...(/^\d+$/.test(errorNo) ? { error_codes: [Number(errorNo)] } : {}),
    });
    return tokenErrorFromResponse(ctx, typeof e.status === 'number' ? e.status : 400, body);
  }
  return new TokenError(mask(`Token request to ${ctx.host} failed: ${errorCode || 'unknown error'}`, ctx.secrets), {
    host: ctx.host,
    errorCode: errorCode || null,
    httpStatus: null,
    serverResponse: errorMessage ? mask(shorten(errorMessage, 500), ctx.secrets) : null,
    hint: `MSAL could not obtain a token from ${ctx.host} (${errorCode || 'unknown error'}); check tokenUrl, clientId and scope.`,
    secretExpired: false,
    transcript: [...ctx.transcript],
  });
}
