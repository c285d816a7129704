import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, startTestApp } from '../helpers/test-app.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { createDataSource, openDatabase } from '../../src/db/data-source.js';
import { createLogger } from '../../src/logger.js';
import { ApiKeyService } from '../../src/auth/api-key.service.js';
import { generateToken } from '../../src/auth/api-key-token.js';
import { testKeyRing } from '../helpers/test-app.js';
import { childEnv, runServer } from './child-process.js';
import { API_KEYS } from './operations.js';
import type { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service.js';

const TOKEN = /pr_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}/g;

test('npm start on an empty DATA_DIR prints a generated admin key once, on stdout, and never again', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'postroom-bootstrap-'));
  try {
    const first = await runServer(childEnv(dataDir));
    assert.equal(first.code, 0, first.stderr);
    const printed = first.stdout.match(TOKEN) ?? [];
    assert.equal(printed.length, 1, `exactly one token printed: ${first.stdout}`);
    const token = printed[0]!;
    assert.match(
      first.stdout,
      /Postroom created the first admin API key \("bootstrap"\)\. It is shown ONLY NOW:\n\n {4}pr_/,
    );
    assert.ok(!first.stderr.includes(token));
    const logLines = first.stdout.split('\n').filter((line) => line.startsWith('{'));
    assert.ok(
      logLines.some((line) => line.includes('created the admin API key \\"bootstrap\\"')),
      'the creation is logged',
    );
    assert.ok(
      logLines.every((line) => !line.includes(token.slice(-43))),
      'the token never goes through the logger',
    );

    let status = 0;
    let body = '';
    const second = await runServer(childEnv(dataDir), async (url) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: API_KEYS }),
      });
      status = res.status;
      body = await res.text();
    });
    assert.equal(second.stdout.match(TOKEN), null, 'nothing printed on the second start');
    assert.ok(!second.stdout.includes('ONLY NOW'));
    assert.equal(status, 200, body);
    const keys = (
      JSON.parse(body) as { data: { apiKeys: Array<{ name: string; role: string; lastUsedAt: string | null }> } }
    ).data.apiKeys;
    assert.deepEqual(
      keys.map((k) => [k.name, k.role]),
      [['bootstrap', 'ADMIN']],
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('BOOTSTRAP_API_KEY in the pr_ format becomes the bootstrap key, id included; nothing is printed', async () => {
  const { keyId, token } = generateToken();
  const printed: string[] = [];
  const db = await createTestDatabase();
  const config = loadConfig({ PORT: '0', DATA_DIR: '/nonexistent', BOOTSTRAP_API_KEY: token });
  const app = await createApp(config, {
    database: db.target,
    keyRing: testKeyRing(),
    logger: createLogger('silent'),
    announce: (text) => printed.push(text),
  });
  try {
    const keys = await app.services.apiKeys.authenticate(token);
    assert.deepEqual(keys, {
      ok: true,
      principal: { kind: 'apiKey', actor: 'apiKey:bootstrap', role: 'ADMIN', keyId },
    });
    assert.deepEqual(printed, []);
  } finally {
    await app.close();
    await db.drop();
  }
});

test('BOOTSTRAP_API_KEY of another format is accepted from 32 visible characters and used over HTTP', async () => {
  const custom = 'automation-' + 'k'.repeat(30);
  const t = await startTestApp({ env: { BOOTSTRAP_API_KEY: custom } });
  try {
    assert.equal(t.adminToken, custom);
    const res = await t.gql(API_KEYS);
    assert.equal(res.errors, undefined, res.body);
    assert.deepEqual(
      res.data!.apiKeys.map((k: { name: string; role: string }) => [k.name, k.role]),
      [['bootstrap', 'ADMIN']],
    );
    const rows = (await t.app.dataSource.query('SELECT "token_hash" FROM "api_key"')) as Array<{ token_hash: string }>;
    assert.notEqual(rows[0]!.token_hash, custom);
    assert.ok(t.logs.every((line) => !line.includes(custom)));
  } finally {
    await t.close();
  }
});

test('a too short BOOTSTRAP_API_KEY stops the start with a message naming the variable, not its value', async () => {
  const db = await createTestDatabase();
  const config = loadConfig({ PORT: '0', DATA_DIR: '/nonexistent', BOOTSTRAP_API_KEY: 'short-secret-value' });
  await assert.rejects(
    createApp(config, { database: db.target, keyRing: testKeyRing(), logger: createLogger('silent') }),
    (error: Error) => {
      assert.match(
        error.message,
        /^BOOTSTRAP_API_KEY must be a token like pr_<uuid>_<43 base64url characters>, or any string of 32 to 512/,
      );
      assert.ok(!error.message.includes('short-secret-value'));
      return true;
    },
  );
  await db.drop();
});

test('a restarted app on the same database keeps its keys and does not bootstrap again', async () => {
  const db = await createTestDatabase();
  const target =
    db.target.kind === 'pglite'
      ? { kind: 'pglite' as const, dataDir: mkdtempSync(path.join(os.tmpdir(), 'postroom-restart-')) }
      : db.target;
  try {
    const first = await startTestApp({ databaseTarget: target });
    await first.close();
    const second = await startTestApp({ databaseTarget: target });
    try {
      assert.equal(second.adminToken, first.adminToken);
      const res = await second.gql(API_KEYS);
      assert.equal(res.errors, undefined, res.body);
      assert.equal(res.data!.apiKeys.length, 1);
    } finally {
      await second.close();
    }
  } finally {
    if (target.kind === 'pglite' && target.dataDir) rmSync(target.dataDir, { recursive: true, force: true });
    await db.drop();
  }
});

test('two replicas bootstrapping at once create one key between them', async () => {
  const db = await createTestDatabase();
  // PGlite is one process: two services share one DataSource. On PostgreSQL, two pools race for real.
  const first = createDataSource(db.target);
  await openDatabase(first);
  const second = db.target.kind === 'postgres' ? createDataSource(db.target) : first;
  if (second !== first) await openDatabase(second);
  try {
    const clock = () => new Date();
    const service = (dataSource: DataSource) =>
      new ApiKeyService({ dataSource, clock, audit: new AuditService({ dataSource, clock }) });
    const results = await Promise.all([
      service(first).ensureBootstrapKey({ token: undefined }),
      service(second).ensureBootstrapKey({ token: undefined }),
      service(second).ensureBootstrapKey({ token: undefined }),
    ]);
    assert.equal(results.filter((r) => r.created).length, 1, JSON.stringify(results.map((r) => r.created)));
    const rows = (await first.query('SELECT "name", "role" FROM "api_key"')) as Array<{ name: string; role: string }>;
    assert.deepEqual(rows, [{ name: 'bootstrap', role: 'ADMIN' }]);
    const events = (await first.query(
      `SELECT actor, action FROM audit_event WHERE action = 'apiKey.create'`,
    )) as unknown[];
    assert.deepEqual(events, [{ actor: 'system:bootstrap', action: 'apiKey.create' }]);
  } finally {
    if (second !== first) await second.destroy();
    await first.destroy();
    await db.drop();
  }
});
