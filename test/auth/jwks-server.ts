/** A JWKS endpoint on 127.0.0.1 serving a generated RSA key, and a signer for access tokens. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';

export const TEST_ISSUER = 'https://idp.test.example/';
export const TEST_AUDIENCE = 'api://postroom-test';
const KID = 'test-key-1';

export interface JwksServer {
  url: string;
  /** Env vars for startTestApp that turn JWT verification on against this endpoint. */
  env: Record<string, string>;
  /** Fetches of the key set so far. */
  fetches: number;
  sign(options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export interface SignOptions {
  claims?: JWTPayload;
  sub?: string | null;
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Sign with a different private key that claims the same kid (bad signature). */
  foreignKey?: boolean;
}

export async function startJwksServer(): Promise<JwksServer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const state = { fetches: 0 };
  const server = http.createServer((req, res) => {
    if (req.url === '/jwks.json') {
      state.fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  return {
    url,
    env: { AUTH_JWKS_URL: url, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE },
    get fetches() {
      return state.fetches;
    },
    async sign(options: SignOptions = {}) {
      const key: CryptoKey = options.foreignKey ? foreign.privateKey : privateKey;
      const now = Math.floor(Date.now() / 1000);
      let jwt = new SignJWT(options.claims ?? {})
        .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
        .setIssuer(options.issuer ?? TEST_ISSUER)
        .setAudience(options.audience ?? TEST_AUDIENCE)
        .setIssuedAt(now - 60)
        .setExpirationTime(now + (options.expiresIn ?? 600));
      if (options.sub !== null) jwt = jwt.setSubject(options.sub ?? 'alice');
      return jwt.sign(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
