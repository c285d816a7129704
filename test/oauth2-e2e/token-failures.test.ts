/**
 * Token endpoint failures through GraphQL: each Entra ID error the issue names, an unreachable and a hanging token
 * endpoint. All are sendTestEmail results (ok:false, stage TOKEN), never GraphQL errors, and never echo the secret.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  TEST_TENANT_ID,
  type RegisteredClient,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';
import {
  assertNoLeak,
  closedPort,
  leakForms,
  oauth2Input,
  ok,
  RECIPIENT,
  startExchangeSink,
  startRecordedApp,
  type ExchangeSink,
  type OAuth2Fields,
  type RecordedApp,
} from './harness.js';
import { CREATE, EXPIRING, SEND } from './operations.js';

const WRONG_SECRET = 'Wr0ng~Secret.Value_canary-9f8e7d6c5b4a';
const EXPIRED_CLIENT: RegisteredClient = {
  clientId: '7d1e6c3a-5b2f-4c8d-9e0a-1f2b3c4d5e6f',
  secret: 'Exp1red~Secret.Value_canary-0a1b2c3d4e',
  secretExpired: true,
};

describe('OAuth2 token failures over GraphQL', () => {
  let endpoint: TokenEndpoint;
  let exchange: ExchangeSink;
  let app: RecordedApp;
  let deadPort: number;
  let names = 0;

  async function create(auth: Partial<OAuth2Fields>): Promise<string> {
    names += 1;
    const input = oauth2Input(`Token failure ${names}`, exchange.sink, {
      clientId: TEST_CLIENT_ID,
      clientSecret: TEST_CLIENT_SECRET,
      tokenUrl: endpoint.tokenUrl(TEST_TENANT_ID),
      ...auth,
    });
    return ok(await app.gql(CREATE, { input })).createConnection.id as string;
  }

  async function sendRaw(id: string): Promise<{ result: Record<string, any>; body: string }> {
    const response = await app.gql(SEND, { id, to: RECIPIENT });
    return { result: ok(response).sendTestEmail, body: response.body };
  }

  function assertTokenFailure(result: Record<string, any>, errorCode: string): void {
    assert.equal(result.ok, false, JSON.stringify(result));
    assert.equal(result.stage, 'TOKEN');
    assert.equal(result.errorCode, errorCode);
    assert.equal(result.smtpCode, null, 'SMTP was never reached');
    assert.equal(typeof result.hint, 'string');
  }

  before(async () => {
    endpoint = await startTokenEndpoint({
      clients: [{ clientId: TEST_CLIENT_ID, secret: TEST_CLIENT_SECRET }, EXPIRED_CLIENT],
    });
    exchange = await startExchangeSink([endpoint]);
    deadPort = await closedPort();
    app = await startRecordedApp({
      env: { OAUTH2_ALLOWED_TOKEN_HOSTS: `${endpoint.host},127.0.0.1:${deadPort}` },
      caPems: [endpoint.caPem],
    });
  });
  after(async () => {
    await app.t.close();
    await exchange.sink.close();
    await endpoint.close();
  });

  test('AADSTS7000215 invalid secret → TOKEN, errorCode, hint Value vs Secret ID, the secret nowhere in the response', async () => {
    const id = await create({ clientSecret: WRONG_SECRET });
    const attempts = exchange.sink.authAttempts.length;
    const { result, body } = await sendRaw(id);
    assertTokenFailure(result, 'AADSTS7000215');
    assert.match(result.hint, /\bValue\b/);
    assert.match(result.hint, /Secret ID/);
    assert.match(result.serverResponse, /Invalid client secret provided/);
    for (const form of leakForms(WRONG_SECRET))
      assert.ok(!body.includes(form), 'the secret (in some form) is in the response');
    assert.ok(
      result.transcript.some((l: string) => l.includes('client_secret=***')),
      'the token request is in the transcript, masked',
    );
    assert.equal(exchange.sink.authAttempts.length, attempts, 'no SMTP AUTH without a token');
  });

  test('AADSTS7000222 expired secret → hint: new secret, then rotateSecret; expiringSecrets lists it without a date', async () => {
    const id = await create({ clientId: EXPIRED_CLIENT.clientId, clientSecret: EXPIRED_CLIENT.secret });
    const healthy = await create({});
    const { result } = await sendRaw(id);
    assertTokenFailure(result, 'AADSTS7000222');
    assert.match(result.hint, /expired/);
    assert.match(result.hint, /[Cc]reate a new client secret/);
    assert.match(result.hint, /rotateSecret/);
    assert.equal((await sendRaw(healthy)).result.ok, true);

    const listed = ok(await app.gql(EXPIRING, { withinDays: 30 })).expiringSecrets as Array<Record<string, any>>;
    const entry = listed.find((c) => c.id === id);
    assert.ok(entry, 'the connection whose secret the endpoint called expired is listed');
    assert.equal(entry.auth.clientSecret.expiresAt, null, 'no date was entered');
    assert.equal(entry.lastTest.errorCode, 'AADSTS7000222');
    assert.ok(!listed.some((c) => c.id === healthy), 'a connection without a date and a good last test is not listed');
  });

  test('AADSTS700016 unknown client id in the tenant → hint about the Application (client) ID and the tenant', async () => {
    const id = await create({ clientId: randomUUID() });
    const { result } = await sendRaw(id);
    assertTokenFailure(result, 'AADSTS700016');
    assert.match(result.hint, /Application \(client\) ID/);
    assert.match(result.hint, /tenant/);
  });

  test('AADSTS90002 tenant not found → hint about the Directory (tenant) ID', async () => {
    const id = await create({ tokenUrl: endpoint.tokenUrl(randomUUID()) });
    const { result } = await sendRaw(id);
    assertTokenFailure(result, 'AADSTS90002');
    assert.match(result.hint, /Directory \(tenant\) ID/);
  });

  test('AADSTS1002012 invalid scope (a row stored before save-time checks) → hint: <resource>/.default', async () => {
    const id = await create({});
    // Save-time validation refuses this scope, so only an older row can carry it; write it the way one would exist.
    await app.t.app.dataSource.query(`UPDATE connection SET scope = $2 WHERE id = $1`, [
      id,
      'https://outlook.office365.com/SMTP.Send',
    ]);
    const { result } = await sendRaw(id);
    assertTokenFailure(result, 'AADSTS1002012');
    assert.match(result.hint, /https:\/\/outlook\.office365\.com\/\.default/);
    assert.match(result.hint, /\/\.default/);
    const seen = endpoint.requests.filter((r) => r.method === 'POST').at(-1)!;
    assert.equal(seen.scope, 'https://outlook.office365.com/SMTP.Send');
  });

  for (const shape of ['Microsoft-style (MSAL)', 'generic'] as const) {
    test(`token endpoint unreachable, ${shape} → TOKEN ECONNREFUSED with the host, quickly`, async () => {
      const origin = `https://127.0.0.1:${deadPort}`;
      const id = await create({
        tokenUrl: shape === 'generic' ? `${origin}/token` : `${origin}/${TEST_TENANT_ID}/oauth2/v2.0/token`,
      });
      const started = Date.now();
      const { result } = await sendRaw(id);
      assertTokenFailure(result, 'ECONNREFUSED');
      assert.ok(result.hint.includes(`127.0.0.1:${deadPort}`), result.hint);
      assert.ok(result.transcript.some((l: string) => l.includes(`127.0.0.1:${deadPort}`)));
      assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    });
  }

  for (const shape of ['Microsoft-style (MSAL)', 'generic'] as const) {
    test(`token endpoint never answers, ${shape} → TOKEN ETIMEDOUT with the host, within the deadline`, async () => {
      const id = await create({
        tokenUrl: shape === 'generic' ? endpoint.genericTokenUrl : endpoint.tokenUrl(TEST_TENANT_ID),
      });
      endpoint.hang = true;
      try {
        const started = Date.now();
        const { result } = await sendRaw(id);
        const took = Date.now() - started;
        assertTokenFailure(result, 'ETIMEDOUT');
        assert.ok(result.hint.includes(endpoint.host), result.hint);
        // test-app gives the token provider a 3 s deadline (production: 10 s).
        assert.ok(took >= 2_500 && took < 8_000, `took ${took} ms`);
      } finally {
        endpoint.hang = false;
      }
    });
  }

  test('canary: no secret or issued access token in any response body or log line', () => {
    assert.ok(endpoint.issuedTokens.length >= 1);
    const credentials = [
      TEST_CLIENT_SECRET,
      WRONG_SECRET,
      EXPIRED_CLIENT.secret,
      ...endpoint.issuedTokens.map((t) => t.accessToken),
    ];
    assertNoLeak(app.bodies, credentials, 'response bodies');
    assertNoLeak(app.t.logs, credentials, 'log lines', { mayBeEmpty: true });
  });
});
