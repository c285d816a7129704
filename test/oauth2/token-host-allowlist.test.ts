/**
 * OAUTH2_ALLOWED_TOKEN_HOSTS is enforced on every token request, not only when a connection is saved: the HTTPS
 * port refuses an unlisted host before it connects, and a connection stored while its host was allowed cannot
 * send its secret there after the host was removed from the list.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpsPort, NetworkFailure, type HttpsPort } from '../../src/oauth2/https-port.js';
import { TokenProvider } from '../../src/oauth2/token-provider.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, startTestApp, testKeyRing, type TestApp } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import {
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  TEST_TENANT_ID,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';
import { closedPort } from '../oauth2-e2e/harness.js';
import { CREATE_CONNECTION, SEND_TEST_EMAIL } from '../api/operations.js';

const MAILBOX = 'sender@contoso.com';

async function failureOf(port: HttpsPort, url: string): Promise<NetworkFailure> {
  try {
    await port.send({ method: 'POST', url, headers: {}, body: '' }, 1000);
  } catch (error) {
    assert.ok(error instanceof NetworkFailure, `a NetworkFailure, got ${String(error)}`);
    return error;
  }
  assert.fail(`${url} was answered`);
}

describe('createHttpsPort({ allowedTokenHosts })', () => {
  test('a host outside the list → NetworkFailure EGRESS_DENIED naming OAUTH2_ALLOWED_TOKEN_HOSTS, without connecting', async () => {
    // Port 9 (discard) is closed here: a connection attempt would fail with ECONNREFUSED instead.
    const failure = await failureOf(
      createHttpsPort({ allowedTokenHosts: ['login.microsoftonline.com'] }),
      'https://127.0.0.1:9/x',
    );
    assert.equal(failure.code, 'EGRESS_DENIED');
    assert.equal(failure.host, '127.0.0.1:9');
    assert.match(failure.message, /127\.0\.0\.1:9 is not in OAUTH2_ALLOWED_TOKEN_HOSTS/);
  });

  test('the same request without the list, or with the host listed, does try to connect (ECONNREFUSED)', async () => {
    const port = await closedPort();
    const url = `https://127.0.0.1:${port}/x`;
    assert.equal((await failureOf(createHttpsPort(), url)).code, 'ECONNREFUSED');
    assert.equal((await failureOf(createHttpsPort({ allowedTokenHosts: ['127.0.0.1'] }), url)).code, 'ECONNREFUSED');
    assert.equal(
      (await failureOf(createHttpsPort({ allowedTokenHosts: [`127.0.0.1:${port}`] }), url)).code,
      'ECONNREFUSED',
      'a host:port entry allows that port',
    );
    assert.equal(
      (await failureOf(createHttpsPort({ allowedTokenHosts: ['127.0.0.1:1'] }), url)).code,
      'EGRESS_DENIED',
      'a host:port entry allows only that port',
    );
    assert.equal((await failureOf(createHttpsPort({ allowedTokenHosts: [] }), url)).code, 'EGRESS_DENIED');
  });

  test('the check covers GETs too (MSAL discovery documents)', async () => {
    const port = createHttpsPort({ allowedTokenHosts: ['login.microsoftonline.com'] });
    await assert.rejects(
      port.send({ method: 'GET', url: 'https://127.0.0.1:9/.well-known/openid-configuration', headers: {} }, 1000),
      (error: unknown) => error instanceof NetworkFailure && error.code === 'EGRESS_DENIED',
    );
  });
});

describe('end to end: a stored connection whose token host was removed from OAUTH2_ALLOWED_TOKEN_HOSTS', () => {
  let endpoint: TokenEndpoint;
  let sink: SmtpSink;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const keyRing = testKeyRing();
  const ids: Record<'msal' | 'generic', string> = { msal: '', generic: '' };
  let restricted: TestApp | undefined;
  let adminToken = '';

  const env = (tokenHosts: string) => ({
    OAUTH2_ALLOWED_TOKEN_HOSTS: tokenHosts,
    TEST_EMAIL_RATE_PER_CONNECTION: '1000',
    TEST_EMAIL_RATE_PER_KEY: '1000',
    EGRESS_ALLOWED_HOSTS: 'localhost,127.0.0.1',
    EGRESS_ALLOWED_PORTS: `587,${sink.port}`,
  });

  before(async () => {
    endpoint = await startTokenEndpoint();
    sink = await startSmtpSink({ tls: 'starttls', authMethods: ['XOAUTH2'] });
    database = await createTestDatabase();
    // First start: the token endpoint's host is allowed, so the connections are stored (and work).
    const allowing = await startTestApp({
      env: env(endpoint.host),
      databaseTarget: database.target,
      keyRing,
      tokens: new TokenProvider({
        https: createHttpsPort({ caPems: [endpoint.caPem], allowedTokenHosts: [endpoint.host] }),
        timeoutMs: 3_000,
      }),
    });
    adminToken = allowing.adminToken;
    try {
      for (const [kind, tokenUrl] of [
        ['msal', endpoint.tokenUrl(TEST_TENANT_ID)],
        ['generic', endpoint.genericTokenUrl],
      ] as const) {
        const res = await allowing.gql(CREATE_CONNECTION, {
          input: {
            name: `Stored ${kind}`,
            url: `localhost:${sink.port}`,
            tls: 'STARTTLS',
            caCertificate: sink.ca.certPem,
            fromAddress: MAILBOX,
            auth: {
              oauth2ClientCredentials: {
                username: MAILBOX,
                clientId: TEST_CLIENT_ID,
                clientSecret: TEST_CLIENT_SECRET,
                tokenUrl,
              },
            },
          },
        });
        assert.equal(res.errors, undefined, res.body);
        ids[kind] = (res.data as { createConnection: { id: string } }).createConnection.id;
        const sent = await allowing.gql(SEND_TEST_EMAIL, { id: ids[kind], to: 'admin@example.com', dryRun: true });
        assert.equal(sent.errors, undefined, sent.body);
        assert.equal(sent.data!.sendTestEmail.ok, true, `${kind} works while allowed: ${sent.body}`);
      }
    } finally {
      await allowing.close();
    }
    // Second start on the same database: the operator has narrowed the list to Microsoft's host only.
    restricted = await startTestApp({
      env: env('login.microsoftonline.com'),
      databaseTarget: database.target,
      keyRing,
      tokens: new TokenProvider({
        https: createHttpsPort({ caPems: [endpoint.caPem], allowedTokenHosts: ['login.microsoftonline.com'] }),
        timeoutMs: 3_000,
      }),
    });
  });
  after(async () => {
    await restricted?.close();
    await database?.drop();
    await sink?.close();
    await endpoint?.close();
  });

  for (const kind of ['msal', 'generic'] as const) {
    test(`${kind} token URL: sendTestEmail → ok false, stage CONFIG, EGRESS_DENIED; the endpoint never saw the secret`, async () => {
      const requests = endpoint.requests.length;
      const attempts = sink.authAttempts.length;
      const res = await restricted!.gql(SEND_TEST_EMAIL, { id: ids[kind], to: 'admin@example.com' });
      assert.equal(res.errors, undefined, res.body);
      const result = res.data!.sendTestEmail;
      assert.equal(result.ok, false, res.body);
      assert.equal(result.stage, 'CONFIG');
      assert.equal(result.errorCode, 'EGRESS_DENIED');
      assert.equal(endpoint.requests.length, requests, 'no request reached the token endpoint');
      assert.equal(sink.authAttempts.length, attempts, 'no AUTH was attempted');
      assert.ok(!res.body.includes(TEST_CLIENT_SECRET), 'the secret is not echoed');
    });
  }

  test("the app's own token provider (no test override) enforces the list it was configured with", async () => {
    // startTestApp always injects a TokenProvider; this composes the app as main.js does, so app.ts's wiring is
    // what is tested. 127.0.0.1 is an allowed egress host, so without the token-host check the request would be
    // dialled (and fail on the test CA, stage TOKEN) instead of being refused before it.
    await restricted?.close();
    restricted = undefined;
    const config = loadConfig({ ...env('login.microsoftonline.com'), PORT: '0', BOOTSTRAP_API_KEY: adminToken });
    const app = await createApp(config, {
      database: database.target,
      keyRing,
      logger: createLogger('silent'),
    });
    try {
      for (const kind of ['msal', 'generic'] as const) {
        const requests = endpoint.requests.length;
        const response = await fetch(`http://127.0.0.1:${app.http.port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
          body: JSON.stringify({ query: SEND_TEST_EMAIL, variables: { id: ids[kind], to: 'admin@example.com' } }),
        });
        const body = (await response.json()) as { data?: { sendTestEmail: Record<string, unknown> }; errors?: unknown };
        assert.equal(body.errors, undefined, JSON.stringify(body));
        const result = body.data!.sendTestEmail;
        assert.deepEqual(
          { ok: result.ok, stage: result.stage, errorCode: result.errorCode },
          { ok: false, stage: 'CONFIG', errorCode: 'EGRESS_DENIED' },
          `${kind}: ${JSON.stringify(result)}`,
        );
        assert.equal(endpoint.requests.length, requests, `${kind}: no request reached the token endpoint`);
      }
    } finally {
      await app.close();
    }
  });
});
