import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ServerError } from '@azure/msal-node';
import { ClientAuthType } from '../../src/oauth2/client-auth-type.js';
import { TokenProvider, type TokenRequest } from '../../src/oauth2/token-provider.js';
import { TokenError } from '../../src/oauth2/token-error.js';
import { secretVariants, tokenErrorFromMsal, tokenErrorFromResponse } from '../../src/oauth2/token-diagnostics.js';
import {
  entraError,
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';

async function failure(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof TokenError, `expected a TokenError, got ${String(error)}`);
  return error;
}

describe('token diagnostics', () => {
  let endpoint: TokenEndpoint;
  let request: TokenRequest;
  const errors: TokenError[] = [];
  const issued: string[] = [];
  const sut = (): TokenProvider => new TokenProvider({ caPems: [endpoint.caPem] });
  const collect = async (p: Promise<unknown>): Promise<TokenError> => {
    const e = await failure(p);
    errors.push(e);
    return e;
  };

  before(async () => {
    endpoint = await startTokenEndpoint({ tokenStyle: 'jwt' });
    endpoint.addClient({
      clientId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      secret: TEST_CLIENT_SECRET,
      secretExpired: true,
    });
    request = {
      tokenUrl: endpoint.tokenUrl(),
      clientId: TEST_CLIENT_ID,
      clientSecret: TEST_CLIENT_SECRET,
      scope: 'https://outlook.office365.com/.default',
      clientAuthType: ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY,
      secretVersion: 'v1',
    };
  });
  after(() => endpoint.close());

  const cases: Array<[string, () => Partial<TokenRequest>, string, RegExp, boolean]> = [
    [
      'wrong secret',
      () => ({ clientSecret: 'Wrong~' + TEST_CLIENT_SECRET }),
      'AADSTS7000215',
      /\*\*Value\*\*.*not its Secret ID/,
      false,
    ],
    [
      'expired secret',
      () => ({ clientId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' }),
      'AADSTS7000222',
      /new client secret.*rotateSecret/,
      true,
    ],
    [
      'unknown client',
      () => ({ clientId: '99999999-9999-4999-8999-999999999999' }),
      'AADSTS700016',
      /Application \(client\) ID/,
      false,
    ],
    [
      'unknown tenant',
      () => ({ tokenUrl: endpoint.tokenUrl('fabrikam.onmicrosoft.com') }),
      'AADSTS90002',
      /Directory \(tenant\) ID in tokenUrl/,
      false,
    ],
    [
      'delegated scope',
      () => ({ scope: 'https://outlook.office365.com/SMTP.Send' }),
      'AADSTS1002012',
      /https:\/\/outlook\.office365\.com\/\.default/,
      false,
    ],
  ];
  for (const [name, change, code, hint, expired] of cases) {
    test(`MSAL path: ${name} → ${code}`, async () => {
      const error = await collect(
        sut().getAccessToken({ ...request, ...change(), secretVersion: name }, { forceRefresh: false }),
      );
      assert.equal(error.details.errorCode, code);
      assert.match(error.details.hint, hint);
      assert.equal(error.details.secretExpired, expired);
      assert.equal(error.details.host, endpoint.host);
      assert.ok(error.message.includes(endpoint.host));
      assert.ok(error.details.serverResponse?.startsWith(code));
      assert.ok(
        error.details.transcript.some((l) => l.startsWith('← 4') && l.includes(code)),
        error.details.transcript.join('\n'),
      );
    });
  }

  test('MSAL ServerError without a recorded answer gives the same diagnosis as the raw answer', () => {
    const ctx = { host: 'login.microsoftonline.com', secrets: [], transcript: [] };
    const raw = entraError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    const fromBody = tokenErrorFromResponse(ctx, 401, JSON.stringify(raw.body));
    const body = raw.body as { error_description: string };
    const msalError = new ServerError(
      'invalid_client',
      'corr',
      `Error(s): 7000215 - Timestamp: x - Description: ${body.error_description} - Correlation ID: corr - Trace ID: t`,
      undefined,
      '7000215',
      401,
    );
    const fromMsal = tokenErrorFromMsal(ctx, msalError);
    assert.equal(fromMsal.details.errorCode, fromBody.details.errorCode);
    assert.equal(fromMsal.details.hint, fromBody.details.hint);
    assert.equal(fromMsal.details.httpStatus, 401);
  });

  test('non-Entra errors fall back to the OAuth2 error code', () => {
    const ctx = { host: 'auth.example.com', secrets: [], transcript: [] };
    const error = tokenErrorFromResponse(ctx, 400, JSON.stringify({ error: 'invalid_scope' }));
    assert.equal(error.details.errorCode, 'invalid_scope');
  });

  test('unreachable (ECONNREFUSED) names the host, both paths', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    for (const tokenUrl of [
      `https://127.0.0.1:${port}/${'t1.example.com'}/oauth2/v2.0/token`,
      `https://127.0.0.1:${port}/token`,
    ]) {
      const error = await collect(sut().getAccessToken({ ...request, tokenUrl }, { forceRefresh: false }));
      assert.equal(error.details.errorCode, 'ECONNREFUSED');
      assert.ok(error.message.includes(`127.0.0.1:${port}`), error.message);
      assert.ok(error.details.hint.includes(`127.0.0.1:${port}`));
    }
  });

  test('ENOTFOUND names the host', async () => {
    const error = await collect(
      sut().getAccessToken({ ...request, tokenUrl: 'https://login.invalid/token' }, { forceRefresh: false }),
    );
    assert.ok(['ENOTFOUND', 'EAI_AGAIN'].includes(error.details.errorCode ?? ''), String(error.details.errorCode));
    assert.ok(error.message.includes('login.invalid'));
  });

  test('an untrusted certificate is a TLS error with a CA hint', async () => {
    const error = await collect(
      new TokenProvider().getAccessToken({ ...request, tokenUrl: endpoint.genericTokenUrl }, { forceRefresh: false }),
    );
    assert.match(error.details.hint, /NODE_EXTRA_CA_CERTS/);
  });

  test('timeout is bounded, both paths', async () => {
    endpoint.hang = true;
    try {
      const quick = new TokenProvider({ caPems: [endpoint.caPem], timeoutMs: 300 });
      for (const tokenUrl of [request.tokenUrl, endpoint.genericTokenUrl]) {
        const started = Date.now();
        const error = await collect(
          quick.getAccessToken({ ...request, tokenUrl, secretVersion: 'timeout' }, { forceRefresh: false }),
        );
        assert.equal(error.details.errorCode, 'ETIMEDOUT');
        assert.ok(error.message.includes(endpoint.host));
        assert.ok(Date.now() - started < 3_000);
      }
    } finally {
      endpoint.hang = false;
    }
  });

  test('canary: no secret (raw, base64, url-encoded) nor token in any error or transcript', async () => {
    const ok = await sut().getAccessToken({ ...request, secretVersion: 'canary' }, { forceRefresh: false });
    issued.push(ok.accessToken);
    const basic = await new TokenProvider({ caPems: [endpoint.caPem] }).getAccessToken(
      { ...request, tokenUrl: endpoint.genericTokenUrl, clientAuthType: ClientAuthType.BASIC_AUTH_HEADER },
      { forceRefresh: false },
    );
    issued.push(basic.accessToken);
    // an endpoint that echoes the secret back must still not leak it
    const ctx = { host: 'h', secrets: secretVariants(TEST_CLIENT_ID, TEST_CLIENT_SECRET), transcript: [] };
    errors.push(
      tokenErrorFromResponse(
        ctx,
        400,
        JSON.stringify({
          error: 'invalid_request',
          error_description: `bad secret ${TEST_CLIENT_SECRET} ${encodeURIComponent(TEST_CLIENT_SECRET)} token ${ok.accessToken}`,
        }),
      ),
    );
    assert.ok(errors.length >= 8);
    const haystack = JSON.stringify([
      errors.map((e) => ({ message: e.message, details: e.details, stack: e.stack })),
      ok.transcript,
      basic.transcript,
    ]);
    const needles = [
      TEST_CLIENT_SECRET,
      encodeURIComponent(TEST_CLIENT_SECRET),
      new URLSearchParams({ v: TEST_CLIENT_SECRET }).toString().slice(2),
      Buffer.from(TEST_CLIENT_SECRET).toString('base64'),
      Buffer.from(`${TEST_CLIENT_ID}:${new URLSearchParams({ v: TEST_CLIENT_SECRET }).toString().slice(2)}`).toString(
        'base64',
      ),
      ...issued,
      ...endpoint.issuedTokens.map((t) => t.accessToken),
    ];
    for (const needle of needles) assert.ok(!haystack.includes(needle), `leaked: ${needle.slice(0, 6)}…`);
  });
});
