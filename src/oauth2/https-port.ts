/**
 * The edge to token endpoints: one HTTPS request with a hard overall deadline. Both the MSAL network client
 * and the generic RFC 6749 client go through it, so one fake or one CA setting covers both.
 */
import type { LookupFunction } from 'node:net';
import https from 'node:https';
import tls from 'node:tls';
import type { EgressGuard } from '../egress/egress-guard.js';
import { isTokenHostAllowed } from './token-url.js';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpsPort {
  send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse>;
}

/** The request never got an HTTP answer. `code` is Node's (ECONNREFUSED, ENOTFOUND, a TLS code) or ETIMEDOUT. */
export class NetworkFailure extends Error {
  constructor(
    readonly code: string,
    readonly host: string,
    message: string,
  ) {
    super(message);
    this.name = 'NetworkFailure';
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpsPortOptions {
  /**
   * Extra trusted CA certificates (PEM), added to Node's bundled roots. When empty, Node's default store is
   * used, which also honours NODE_EXTRA_CA_CERTS.
   */
  caPems?: readonly string[];
  /**
   * Vets each request's host (address policy; the port is left to OAUTH2_ALLOWED_TOKEN_HOSTS) and pins the
   * connection to the vetted IP; SNI, the certificate check and the Host header keep the name. Refusals are
   * NetworkFailure EGRESS_DENIED.
   */
  egress?: EgressGuard;
  /**
   * OAUTH2_ALLOWED_TOKEN_HOSTS, enforced on every request (not only when a connection is saved): a host removed
   * from the list stops receiving secrets at once, and a discovery document cannot point MSAL elsewhere.
   */
  allowedTokenHosts?: readonly string[];
}

export function createHttpsPort(options: HttpsPortOptions = {}): HttpsPort {
  const caPems = options.caPems ?? [];
  const ca = caPems.length > 0 ? [...tls.rootCertificates, ...caPems] : undefined;
  return {
    send(request, timeoutMs) {
      const url = new URL(request.url);
      if (url.protocol !== 'https:') {
        return Promise.reject(new NetworkFailure('ERR_INVALID_PROTOCOL', url.host, `${url.host}: only https is used`));
      }
      if (options.allowedTokenHosts && !isTokenHostAllowed(request.url, options.allowedTokenHosts)) {
        return Promise.reject(
          new NetworkFailure(
            'EGRESS_DENIED',
            url.host,
            `${url.host} is not in OAUTH2_ALLOWED_TOKEN_HOSTS: add it there to let connections use it`,
          ),
        );
      }
      return pinnedLookup(url, options.egress).then((lookup) => exchange(url, request, timeoutMs, ca, lookup));
    },
  };
}

/** Undefined without a guard (Node resolves as usual); otherwise a lookup that only ever answers the vetted IP. */
async function pinnedLookup(url: URL, egress: EgressGuard | undefined): Promise<LookupFunction | undefined> {
  if (!egress) return undefined;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const verdict = await egress.vetDestination(hostname, Number(url.port || 443), 'token');
  if (!verdict.ok) throw new NetworkFailure(verdict.errorCode, url.host, `${url.host}: ${verdict.message}`);
  const { address, family } = verdict;
  // With autoSelectFamily (Node 20's default) net.connect asks for all addresses.
  return (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

function exchange(
  url: URL,
  request: HttpRequest,
  timeoutMs: number,
  ca: string[] | undefined,
  lookup: LookupFunction | undefined,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const finish = (error: NetworkFailure | null, response?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(response!);
    };
    const req = https.request(
      url,
      { method: request.method, headers: request.headers, ca, agent: false, lookup },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy();
            finish(new NetworkFailure('ERESPONSETOOLARGE', url.host, `${url.host}: response larger than 1 MB`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          finish(null, { status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e: NodeJS.ErrnoException) => finish(toFailure(e, url.host)));
      },
    );
    const timer = setTimeout(() => {
      finish(new NetworkFailure('ETIMEDOUT', url.host, `${url.host}: no answer within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(toFailure(e, url.host)));
    req.end(request.body);
  });
}

function toFailure(error: NodeJS.ErrnoException, host: string): NetworkFailure {
  const code = error.code ?? 'ENETWORK';
  return new NetworkFailure(code, host, `${host}: ${code}`);
}
