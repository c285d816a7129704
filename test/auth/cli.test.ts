import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp } from '../helpers/test-app.js';
import { childEnv, runCli } from './child-process.js';
import { API_KEYS } from './operations.js';

let dataDir: string;
before(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'postroom-cli-'));
});
after(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

test('npm run apikey -- create / list / revoke against a DATA_DIR, and the keys work over HTTP', async () => {
  const env = childEnv(dataDir);
  const created = await runCli(['create', '--name', 'ops', '--role', 'admin'], env);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^Created API key "ops" \(ADMIN, id [0-9a-f-]{36}\)\.\nToken \(shown only now/);
  const token = /^(pr_[0-9a-f-]{36}_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
  assert.ok(token, created.stdout);

  const second = await runCli(
    ['create', '--name', 'reader', '--role', 'Viewer', '--expires-at', '2999-01-01T00:00:00Z'],
    env,
  );
  assert.equal(second.code, 0, second.stderr);
  const readerToken = /^(pr_\S+)$/m.exec(second.stdout)![1]!;

  const listed = await runCli(['list'], env);
  assert.equal(listed.code, 0, listed.stderr);
  const lines = listed.stdout.trim().split('\n');
  assert.equal(lines.length, 2, listed.stdout);
  assert.match(
    lines[0]!,
    /^[0-9a-f-]{36} {2}ops {2}ADMIN {2}active {2}created \S+ {2}last used never {2}expires never$/,
  );
  assert.match(lines[1]!, /reader {2}VIEWER {2}active .* expires 2999-01-01T00:00:00.000Z$/);
  assert.ok(!listed.stdout.includes(token.slice(-43)), 'list never shows a token');

  const duplicate = await runCli(['create', '--name', 'OPS', '--role', 'viewer'], env);
  assert.equal(duplicate.code, 2);
  assert.match(duplicate.stderr, /An API key named "ops" already exists \(names are unique, ignoring case/);
  const badRole = await runCli(['create', '--name', 'x', '--role', 'root'], env);
  assert.equal(badRole.code, 2);
  assert.match(badRole.stderr, /create needs --name and --role admin\|operator\|viewer/);
  const unknown = await runCli(['frobnicate'], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^Usage:/);

  const revoked = await runCli(['revoke', '--name', 'reader'], env);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /^Revoked API key "reader" \(id [0-9a-f-]{36}\) at /);
  const after = await runCli(['list'], env);
  assert.match(after.stdout, /reader {2}VIEWER {2}revoked /);

  // The app on the same DATA_DIR: keys exist, so no bootstrap key; the CLI's keys are the way in.
  const t = await startTestApp({ databaseTarget: { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') } });
  try {
    const res = await t.gql(API_KEYS, {}, { authorization: `Bearer ${token}` });
    assert.equal(res.errors, undefined, res.body);
    assert.deepEqual(
      res.data!.apiKeys.map((k: { name: string }) => k.name),
      ['ops', 'reader'],
    );
    const gone = await t.gql(API_KEYS, {}, { authorization: `Bearer ${readerToken}` });
    assert.equal(gone.errors?.[0]?.extensions.code, 'UNAUTHENTICATED');
    const bootstrap = await t.gql(API_KEYS);
    assert.equal(
      bootstrap.errors?.[0]?.extensions.code,
      'UNAUTHENTICATED',
      'BOOTSTRAP_API_KEY is ignored once keys exist',
    );
    const rows = (await t.app.dataSource.query('SELECT "created_by" FROM "api_key" ORDER BY "created_at"')) as Array<{
      created_by: string;
    }>;
    assert.deepEqual(
      rows.map((r) => r.created_by),
      ['system:cli', 'system:cli'],
    );
  } finally {
    await t.close();
  }
});
