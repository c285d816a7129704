import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { API_KEYS, CONNECTIONS, CREATE_API_KEY, REVOKE_API_KEY } from './operations.js';

let t: TestApp;
let now = new Date('2030-01-01T00:00:00Z');
const tokens: string[] = [];

before(async () => {
  t = await startTestApp({ clock: () => now });
});
after(async () => {
  await t.close();
});

async function create(name: string, role: string, expiresAt?: string) {
  const res = await t.gql(CREATE_API_KEY, { name, role, expiresAt });
  assert.equal(res.errors, undefined, res.body);
  const created = res.data!.createApiKey as { token: string; apiKey: Record<string, any> };
  tokens.push(created.token);
  return created;
}

const as = (token: string) => ({ authorization: `Bearer ${token}` });

test('createApiKey returns a pr_ token once; apiKeys and the database never show it', async () => {
  const created = await create('ci-pipeline', 'OPERATOR');
  assert.match(created.token, /^pr_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
  assert.equal(created.token.slice(3, 39), created.apiKey.id, 'the token names its key id');
  assert.deepEqual(
    {
      name: created.apiKey.name,
      role: created.apiKey.role,
      lastUsedAt: created.apiKey.lastUsedAt,
      revokedAt: created.apiKey.revokedAt,
    },
    { name: 'ci-pipeline', role: 'OPERATOR', lastUsedAt: null, revokedAt: null },
  );
  assert.equal(created.apiKey.createdAt, now.toISOString());

  const listed = await t.gql(API_KEYS);
  assert.equal(listed.errors, undefined, listed.body);
  assert.deepEqual(
    listed.data!.apiKeys.map((k: { name: string; role: string }) => [k.name, k.role]),
    [
      ['bootstrap', 'ADMIN'],
      ['ci-pipeline', 'OPERATOR'],
    ],
  );
  const secretPart = created.token.slice(-43);
  assert.ok(!listed.body.includes(secretPart), 'apiKeys must not reveal the token');
  const introspection = await t.gql(`{ __type(name: "ApiKey") { fields { name } } }`);
  assert.deepEqual(introspection.data!.__type.fields.map((f: { name: string }) => f.name).sort(), [
    'createdAt',
    'expiresAt',
    'id',
    'lastUsedAt',
    'name',
    'revokedAt',
    'role',
  ]);

  const rows = (await t.app.dataSource.query(`SELECT * FROM "api_key" WHERE "id" = $1`, [created.apiKey.id])) as Array<
    Record<string, unknown>
  >;
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  assert.notEqual(row.token_hash, created.token);
  assert.equal(row.token_hash, createHash('sha256').update(created.token).digest('hex'));
  assert.ok(!JSON.stringify(row).includes(secretPart), 'no column holds the token');
  assert.equal(row.created_by, 'apiKey:bootstrap');

  const used = await t.gql(CONNECTIONS, {}, as(created.token));
  assert.equal(used.errors, undefined, used.body);
  assert.equal(used.data!.connections.totalCount, 0);
});

test('createApiKey validates its input with field paths and rejects duplicate names ignoring case', async () => {
  const empty = await t.gql(CREATE_API_KEY, { name: '   ', role: 'VIEWER' });
  assert.equal(empty.errors?.[0]?.extensions.code, 'BAD_USER_INPUT', empty.body);
  assert.deepEqual(empty.errors![0]!.extensions.fields, [
    { path: 'name', message: 'name must be 1 to 100 characters (after trimming spaces)' },
  ]);

  const long = await t.gql(CREATE_API_KEY, { name: 'x'.repeat(101), role: 'VIEWER' });
  assert.equal(long.errors?.[0]?.extensions.fields?.[0]?.path, 'name', long.body);

  const control = await t.gql(CREATE_API_KEY, { name: 'line\nbreak', role: 'VIEWER' });
  assert.match(control.errors![0]!.extensions.fields![0]!.message, /must not contain control characters/);

  const past = await t.gql(CREATE_API_KEY, { name: 'old', role: 'VIEWER', expiresAt: '2029-12-31T00:00:00Z' });
  assert.deepEqual(past.errors![0]!.extensions.fields, [
    { path: 'expiresAt', message: 'expiresAt must be in the future (or omitted for a key that does not expire)' },
  ]);

  const badRole = await t.gql(CREATE_API_KEY, { name: 'r', role: 'ROOT' });
  assert.equal(badRole.errors?.[0]?.extensions.code, 'BAD_USER_INPUT', badRole.body);

  const clash = await t.gql(CREATE_API_KEY, { name: 'CI-Pipeline', role: 'VIEWER' });
  assert.equal(clash.errors?.[0]?.extensions.code, 'CONFLICT', clash.body);
  assert.match(clash.errors![0]!.message, /An API key named "ci-pipeline" already exists .*choose another name/);
});

test('revokeApiKey takes effect on the next request, is idempotent, and may revoke the caller itself', async () => {
  const victim = await create('victim', 'VIEWER');
  assert.equal((await t.gql(CONNECTIONS, {}, as(victim.token))).errors, undefined);

  const revoked = await t.gql(REVOKE_API_KEY, { id: victim.apiKey.id });
  assert.equal(revoked.errors, undefined, revoked.body);
  assert.equal(revoked.data!.revokeApiKey.revokedAt, now.toISOString());

  const after = await t.gql(CONNECTIONS, {}, as(victim.token));
  assert.equal(after.status, 401);
  assert.equal(after.errors?.[0]?.extensions.code, 'UNAUTHENTICATED');
  assert.match(after.errors![0]!.message, /API key "victim" was revoked at 2030-01-01T00:00:00.000Z/);

  now = new Date(now.getTime() + 5_000);
  const again = await t.gql(REVOKE_API_KEY, { id: victim.apiKey.id });
  assert.equal(again.errors, undefined, again.body);
  assert.equal(again.data!.revokeApiKey.revokedAt, '2030-01-01T00:00:00.000Z', 'the first revocation time stays');

  const missing = await t.gql(REVOKE_API_KEY, { id: '00000000-0000-4000-8000-000000000000' });
  assert.equal(missing.errors?.[0]?.extensions.code, 'NOT_FOUND', missing.body);
  const notUuid = await t.gql(REVOKE_API_KEY, { id: 'nope' });
  assert.equal(notUuid.errors?.[0]?.extensions.code, 'NOT_FOUND', notUuid.body);

  const self = await create('self-revoker', 'ADMIN');
  const selfRevoked = await t.gql(REVOKE_API_KEY, { id: self.apiKey.id }, as(self.token));
  assert.equal(selfRevoked.errors, undefined, selfRevoked.body);
  assert.equal((await t.gql(API_KEYS, {}, as(self.token))).errors?.[0]?.extensions.code, 'UNAUTHENTICATED');

  const name = await t.gql(CREATE_API_KEY, { name: 'victim', role: 'VIEWER' });
  assert.equal(name.errors?.[0]?.extensions.code, 'CONFLICT', 'names stay taken after revocation');
});

test('lastUsedAt is set on use and written at most once a minute', async () => {
  const key = await create('usage', 'VIEWER');
  const lastUsed = async () =>
    (await t.gql(API_KEYS)).data!.apiKeys.find((k: { name: string }) => k.name === 'usage').lastUsedAt as string | null;
  assert.equal(await lastUsed(), null);

  const first = new Date(now);
  await t.gql(CONNECTIONS, {}, as(key.token));
  assert.equal(await lastUsed(), first.toISOString());

  now = new Date(first.getTime() + 59_000);
  await t.gql(CONNECTIONS, {}, as(key.token));
  assert.equal(await lastUsed(), first.toISOString(), 'not rewritten within a minute');

  now = new Date(first.getTime() + 60_000);
  await t.gql(CONNECTIONS, {}, as(key.token));
  assert.equal(await lastUsed(), now.toISOString());
});

test('a key with expiresAt stops working when the time comes', async () => {
  const key = await create('temporary', 'VIEWER', new Date(now.getTime() + 3_600_000).toISOString());
  assert.equal((await t.gql(CONNECTIONS, {}, as(key.token))).errors, undefined);
  now = new Date(now.getTime() + 3_600_000);
  const expired = await t.gql(CONNECTIONS, {}, as(key.token));
  assert.equal(expired.errors?.[0]?.extensions.code, 'UNAUTHENTICATED', expired.body);
  assert.match(expired.errors![0]!.message, /API key "temporary" expired at/);
});

test('UNAUTHENTICATED is HTTP 401 with WWW-Authenticate; health, readiness and the playground stay public', async () => {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="postroom"');
  const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }>; data?: unknown };
  assert.deepEqual(
    body.errors.map((e) => e.extensions.code),
    ['UNAUTHENTICATED'],
  );
  assert.equal(body.data, undefined);

  const invalidDoc = await t.gql('{ nope }', {}, { authorization: '' });
  assert.equal(invalidDoc.errors?.[0]?.extensions.code, 'UNAUTHENTICATED', 'no schema hints before authentication');

  const base = t.url.replace(/\/graphql$/, '');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const playground = await fetch(t.url, { headers: { accept: 'text/html' } });
  assert.equal(playground.status, 200);
  assert.match(await playground.text(), /<title>Postroom GraphQL<\/title>/);
});

test('an operator cannot manage keys; the FORBIDDEN message names the role needed', async () => {
  const op = await create('ops-person', 'OPERATOR');
  const res = await t.gql(CREATE_API_KEY, { name: 'escalate', role: 'ADMIN' }, as(op.token));
  assert.equal(res.errors?.[0]?.extensions.code, 'FORBIDDEN', res.body);
  assert.equal(
    res.errors![0]!.message,
    'Mutation.createApiKey needs the ADMIN role; API key "ops-person" has the OPERATOR role',
  );
  const listed = await t.gql(API_KEYS);
  assert.ok(!listed.data!.apiKeys.some((k: { name: string }) => k.name === 'escalate'));
});

test('no API key token appears in any log line', () => {
  assert.ok(tokens.length >= 6);
  for (const token of [...tokens, t.adminToken]) {
    for (const line of t.logs) assert.ok(!line.includes(token.slice(-43)), `token leaked: ${line.slice(0, 200)}`);
  }
});
