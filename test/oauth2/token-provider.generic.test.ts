import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientAuthType } from '../../src/oauth2/client-auth-type.js';
import { TokenProvider, type TokenRequest } from '../../src/oauth2/token-provider.js';
import { TokenError } from '../../src/oauth2/token-error.js';
import {
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';

describe('TokenProvider, generic RFC 6749 path', () => {
  let endpoint: TokenEndpoint;
  let request: TokenRequest;
  let now = Date.now();
  const clock = { now: () => now };
  const makeSut = (): TokenProvider => new TokenProvider({ caPems: [endpoint.caPem], clock });

  before(async () => {
    endpoint = await startTokenEndpoint({ expiresIn: 3600 });
    request = {
      tokenUrl: endpoint.genericTokenUrl,
      clientId: TEST_CLIENT_ID,
      clientSecret: TEST_CLIENT_SECRET,
      scope: 'mail.send',
      clientAuthType: ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY,
      secretVersion: 'v1',
    };
  });
  after(() => endpoint.close());

  test('SEND_CLIENT_CREDENTIALS_IN_BODY sends client_id/client_secret in the form body only', async () => {
    endpoint.genericClientAuth = 'client_secret_post';
    const token = await makeSut().getAccessToken(request, { forceRefresh: false });
    assert.ok(endpoint.isIssued(token.accessToken));
    const last = endpoint.requests.at(-1)!;
    assert.equal(last.credentialsIn, 'body');
    assert.equal(last.grantType, 'client_credentials');
    assert.equal(last.scope, 'mail.send');
    assert.equal(endpoint.requests.filter((r) => r.method === 'GET').length, 0, 'no discovery on the generic path');
  });

  test('BASIC_AUTH_HEADER sends HTTP Basic with form-urlencoded id:secret, nothing in the body', async () => {
    endpoint.genericClientAuth = 'client_secret_basic';
    const token = await makeSut().getAccessToken(
      { ...request, clientAuthType: ClientAuthType.BASIC_AUTH_HEADER },
      { forceRefresh: false },
    );
    assert.ok(endpoint.isIssued(token.accessToken), 'the endpoint decoded the secret with its special characters');
    assert.equal(endpoint.requests.at(-1)!.credentialsIn, 'basic');
    assert.ok(token.transcript.some((l) => l.includes('Authorization: Basic ***')));
  });

  test('the wrong method is refused by a strict server with an invalid_client hint naming clientAuthType', async () => {
    endpoint.genericClientAuth = 'client_secret_basic';
    const error = await makeSut()
      .getAccessToken(request, { forceRefresh: false })
      .catch((e: unknown) => e);
    assert.ok(error instanceof TokenError);
    assert.equal(error.details.errorCode, 'invalid_client');
    assert.match(error.details.hint, /BASIC_AUTH_HEADER/);
    endpoint.genericClientAuth = 'any';
  });

  test('cache: 20 sends → 1 request; keyed by scope and secretVersion', async () => {
    const sut = makeSut();
    const first = endpoint.tokenRequests;
    for (let i = 0; i < 20; i += 1) await sut.getAccessToken(request, { forceRefresh: false });
    assert.equal(endpoint.tokenRequests - first, 1);
    await Promise.all(
      Array.from({ length: 10 }, () => sut.getAccessToken({ ...request, scope: 'other' }, { forceRefresh: false })),
    );
    assert.equal(endpoint.tokenRequests - first, 2, 'concurrent requests share one fetch');
    await sut.getAccessToken({ ...request, secretVersion: 'v2' }, { forceRefresh: false });
    assert.equal(sut.stats().tokenRequests, 3);
    sut.forget({ tokenUrl: request.tokenUrl, clientId: request.clientId, exceptSecretVersion: 'v2' });
    assert.equal(sut.stats().genericCachedTokens, 1);
  });

  test('expiry: reused until min(5 min, 10%) before expires_in, then exactly one refresh', async () => {
    const sut = makeSut();
    now = Date.now();
    const a = await sut.getAccessToken(request, { forceRefresh: false });
    now += 3600_000 - 300_000 - 1_000;
    const b = await sut.getAccessToken(request, { forceRefresh: false });
    assert.equal(b.accessToken, a.accessToken);
    now += 2_000;
    const c = await sut.getAccessToken(request, { forceRefresh: false });
    const d = await sut.getAccessToken(request, { forceRefresh: false });
    assert.notEqual(c.accessToken, a.accessToken);
    assert.equal(d.accessToken, c.accessToken);
    assert.equal(sut.stats().tokenRequests, 2);
  });

  test('short lifetimes refresh at 90%', async () => {
    endpoint.expiresIn = 100;
    try {
      const sut = makeSut();
      now = Date.now();
      await sut.getAccessToken(request, { forceRefresh: false });
      now += 89_000;
      await sut.getAccessToken(request, { forceRefresh: false });
      assert.equal(sut.stats().tokenRequests, 1);
      now += 2_000;
      await sut.getAccessToken(request, { forceRefresh: false });
      assert.equal(sut.stats().tokenRequests, 2);
    } finally {
      endpoint.expiresIn = 3600;
    }
  });

  test('forceRefresh bypasses the cache once', async () => {
    const sut = makeSut();
    const a = await sut.getAccessToken(request, { forceRefresh: false });
    const b = await sut.getAccessToken(request, { forceRefresh: true });
    const c = await sut.getAccessToken(request, { forceRefresh: false });
    assert.notEqual(a.accessToken, b.accessToken);
    assert.equal(c.accessToken, b.accessToken);
    assert.equal(sut.stats().tokenRequests, 2);
  });
});
