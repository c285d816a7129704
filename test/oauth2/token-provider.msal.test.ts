import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientAuthType } from '../../src/oauth2/client-auth-type.js';
import { TokenProvider, type TokenRequest } from '../../src/oauth2/token-provider.js';
import {
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  TEST_TENANT_DOMAIN,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';

describe('TokenProvider, MSAL path (Microsoft-style token URL)', () => {
  let endpoint: TokenEndpoint;
  let request: TokenRequest;
  const makeSut = (): TokenProvider => new TokenProvider({ caPems: [endpoint.caPem] });

  before(async () => {
    endpoint = await startTokenEndpoint({ tokenStyle: 'jwt' });
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

  test('happy path: a token this endpoint issued, secret in the body, discovery read once', async () => {
    const sut = makeSut();
    const before = endpoint.requests.length;
    const token = await sut.getAccessToken(request, { forceRefresh: false });
    assert.ok(endpoint.isIssued(token.accessToken));
    assert.equal(token.fromCache, false);
    assert.ok(token.expiresAt.getTime() > Date.now() + 3500_000);
    const seen = endpoint.requests.slice(before);
    assert.deepEqual(
      seen.map((r) => `${r.method} ${r.path}`),
      [
        `GET /${endpoint.tokenUrl().split('/')[3]}/v2.0/.well-known/openid-configuration`,
        `POST /${endpoint.tokenUrl().split('/')[3]}/oauth2/v2.0/token`,
      ],
    );
    assert.equal(seen[1]!.credentialsIn, 'body');
    assert.equal(seen[1]!.clientId, TEST_CLIENT_ID);
    assert.equal(seen[1]!.scope, request.scope);
    assert.ok(
      token.transcript.some((l) => /^POST https:\/\/127\.0\.0\.1:\d+\/.*client_secret=\*\*\*/.test(l)),
      token.transcript.join('\n'),
    );
  });

  test('a verified domain works as the tenant', async () => {
    const token = await makeSut().getAccessToken(
      { ...request, tokenUrl: endpoint.tokenUrl(TEST_TENANT_DOMAIN) },
      { forceRefresh: false },
    );
    assert.ok(endpoint.isIssued(token.accessToken));
  });

  test('20 sends → exactly 1 token request, one MSAL client', async () => {
    const sut = makeSut();
    const first = endpoint.tokenRequests;
    const tokens = [];
    for (let i = 0; i < 20; i += 1) tokens.push(await sut.getAccessToken(request, { forceRefresh: false }));
    assert.equal(endpoint.tokenRequests - first, 1);
    assert.equal(sut.stats().tokenRequests, 1);
    assert.equal(sut.stats().msalClients, 1);
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1);
    assert.deepEqual(
      tokens.map((t) => t.fromCache),
      [false, ...Array<boolean>(19).fill(true)],
    );
  });

  test('20 concurrent sends on a cold cache → exactly 1 token request', async () => {
    const sut = makeSut();
    const first = endpoint.tokenRequests;
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => sut.getAccessToken(request, { forceRefresh: false })),
    );
    assert.equal(endpoint.tokenRequests - first, 1);
    assert.equal(sut.stats().tokenRequests, 1);
    assert.equal(sut.stats().discoveryRequests, 1);
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1);
  });

  test('expiry → exactly one refresh (MSAL renews 5 minutes before expiry)', async () => {
    const sut = makeSut();
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      const a = await sut.getAccessToken(request, { forceRefresh: false });
      await sut.getAccessToken(request, { forceRefresh: false });
      mock.timers.tick(3599_000 - 300_000 + 2_000);
      const b = await sut.getAccessToken(request, { forceRefresh: false });
      const c = await sut.getAccessToken(request, { forceRefresh: false });
      assert.equal(sut.stats().tokenRequests, 2);
      assert.notEqual(a.accessToken, b.accessToken);
      assert.equal(b.fromCache, false);
      assert.equal(c.accessToken, b.accessToken);
    } finally {
      mock.timers.reset();
    }
  });

  test('forceRefresh bypasses the cache once, then the new token is cached', async () => {
    const sut = makeSut();
    const a = await sut.getAccessToken(request, { forceRefresh: false });
    const b = await sut.getAccessToken(request, { forceRefresh: true });
    const c = await sut.getAccessToken(request, { forceRefresh: false });
    assert.equal(sut.stats().tokenRequests, 2);
    assert.notEqual(a.accessToken, b.accessToken);
    assert.equal(b.fromCache, false);
    assert.equal(c.accessToken, b.accessToken);
    assert.equal(c.fromCache, true);
  });

  test('one MSAL client per (authority, clientId, secretVersion); a new secretVersion gets a new client and token', async () => {
    const sut = makeSut();
    await sut.getAccessToken(request, { forceRefresh: false });
    await sut.getAccessToken(request, { forceRefresh: false });
    assert.equal(sut.stats().msalClients, 1);
    const rotated = await sut.getAccessToken({ ...request, secretVersion: 'v2' }, { forceRefresh: false });
    assert.equal(sut.stats().msalClients, 2);
    assert.equal(rotated.fromCache, false);
    await sut.getAccessToken({ ...request, tokenUrl: endpoint.tokenUrl(TEST_TENANT_DOMAIN) }, { forceRefresh: false });
    assert.equal(sut.stats().msalClients, 3, 'another authority is another client');
    sut.forget({ tokenUrl: request.tokenUrl, clientId: request.clientId, exceptSecretVersion: 'v2' });
    assert.equal(sut.stats().msalClients, 2);
    const again = await sut.getAccessToken({ ...request, secretVersion: 'v2' }, { forceRefresh: false });
    assert.equal(again.fromCache, true, 'the kept version keeps its cache');
    sut.forget({ tokenUrl: request.tokenUrl, clientId: request.clientId });
    assert.equal(sut.stats().msalClients, 1);
  });

  test('rotation: the old secret stops working at the endpoint, the new one works', async () => {
    const newSecret = 'n3w~Secret.Value_' + Date.now();
    endpoint.addClient({ clientId: '11111111-2222-4333-8444-555555555555', secret: newSecret });
    const sut = makeSut();
    const base = { ...request, clientId: '11111111-2222-4333-8444-555555555555' };
    await assert.rejects(sut.getAccessToken({ ...base, secretVersion: 'old' }, { forceRefresh: false }), {
      name: 'TokenError',
    });
    const token = await sut.getAccessToken(
      { ...base, clientSecret: newSecret, secretVersion: 'new' },
      { forceRefresh: false },
    );
    assert.ok(endpoint.isIssued(token.accessToken));
  });
});
