/**
 * The edge to token endpoints: one HTTPS request with a hard overall deadline. Both the MSAL network client
 * and the generic RFC 6749 client go through it, so one fake or one CA setting covers both.
 */
import https from 'node:https';
import tls from 'node:tls';

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
      return new Promise<HttpResponse>((resolve, reject) => {
        let settled = false;
        const finish = (error: NetworkFailure | null, response?: HttpResponse): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(response!);
        };
        const req = https.request(url, { method: request.method, headers: request.headers, ca, agent: false }, (res) => {
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
        });
        const timer = setTimeout(() => {
          finish(new NetworkFailure('ETIMEDOUT', url.host, `${url.host}: no answer within ${timeoutMs} ms`));
          req.destroy();
        }, timeoutMs);
        req.on('error', (e: NodeJS.ErrnoException) => finish(toFailure(e, url.host)));
        req.end(request.body);
      });
    },
  };
}

function toFailure(error: NodeJS.ErrnoException, host: string): NetworkFailure {
  const code = error.code ?? 'ENETWORK';
  return new NetworkFailure(code, host, `${host}: ${code}`);
}
