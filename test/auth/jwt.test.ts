import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { JwtVerifier, createJwtVerifier } from '../../src/auth/jwt-verifier.js';
import { loadConfig } from '../../src/config.js';
import { startTestApp } from '../helpers/test-app.js';
import { startJwksServer, TEST_AUDIENCE, TEST_ISSUER, type JwksServer } from './jwks-server.js';
import { CONNECTIONS } from './operations.js';

let jwks: JwksServer;
before(async () => {
  jwks = await startJwksServer();
});
after(async () => {
  await jwks.close();
});

const verifier = (roleClaim = 'role') =>
  new JwtVerifier({ jwksUrl: jwks.url, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, roleClaim });

test('the role claim: configurable name, nested path, list (highest wins), case-insensitive', async () => {
  const custom = verifier('https://postroom.example/roles');
  const ok = await custom.verify(
    await jwks.sign({ sub: 'bob', claims: { 'https://postroom.example/roles': ['viewer', 'OPERATOR'] } }),
  );
  assert.deepEqual(ok, { ok: true, principal: { kind: 'jwt', actor: 'jwt:bob', role: 'OPERATOR' } });

  const nested = await verifier('realm_access.roles').verify(
    await jwks.sign({ claims: { realm_access: { roles: ['Admin'] } } }),
  );
  assert.deepEqual(nested, { ok: true, principal: { kind: 'jwt', actor: 'jwt:alice', role: 'ADMIN' } });

  const none = await verifier().verify(await jwks.sign({ claims: {} }));
  assert.equal(none.ok, false);
  assert.equal(!none.ok && none.code, 'FORBIDDEN');
});

test('JWT settings: issuer and audience are required with AUTH_JWKS_URL; http URLs are allowed for tests', () => {
  assert.equal(createJwtVerifier(loadConfig({}).auth), null);
  assert.throws(
    () => createJwtVerifier(loadConfig({ AUTH_JWKS_URL: jwks.url, AUTH_AUDIENCE: 'a' }).auth),
    /^ConfigError: AUTH_ISSUER must be set when AUTH_JWKS_URL is set/,
  );
  assert.throws(
    () => createJwtVerifier(loadConfig({ AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: 'i' }).auth),
    /AUTH_AUDIENCE must be set/,
  );
  assert.ok(createJwtVerifier(loadConfig(jwks.env).auth) instanceof JwtVerifier);
});

test('a JWT sent to a server without AUTH_JWKS_URL is UNAUTHENTICATED and says why', async () => {
  const t = await startTestApp();
  try {
    const res = await t.gql(
      CONNECTIONS,
      {},
      { authorization: `Bearer ${await jwks.sign({ claims: { role: 'admin' } })}` },
    );
    assert.equal(res.status, 401);
    assert.equal(res.errors?.[0]?.extensions.code, 'UNAUTHENTICATED');
    assert.match(res.errors![0]!.message, /Access tokens \(JWT\) are not accepted: this server has no AUTH_JWKS_URL/);
  } finally {
    await t.close();
  }
});

test('the key set is fetched once and cached across requests', async () => {
  const t = await startTestApp({ env: jwks.env });
  try {
    const before = jwks.fetches;
    for (let i = 0; i < 3; i++) {
      const res = await t.gql(
        CONNECTIONS,
        {},
        { authorization: `Bearer ${await jwks.sign({ claims: { role: 'viewer' } })}` },
      );
      assert.equal(res.errors, undefined, res.body);
    }
    assert.equal(jwks.fetches - before, 1);
  } finally {
    await t.close();
  }
});
