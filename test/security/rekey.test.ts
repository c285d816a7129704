/**
 * Secret re-keying: rekeySecrets re-seals every secret under the ring's first key in batches, is
 * resumable, reports rows sealed under a key that is not configured (leaving them unchanged), and
 * the secrets still work with only the new key. The CLI prints progress and exits 1 on such rows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, startTestApp, type TestApp } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { CREATE_CONNECTION, SEND_TEST_EMAIL } from '../api/operations.js';
import { createKeyRing, type KeyRing } from '../../src/secrets/key-ring.js';
import { seal } from '../../src/secrets/envelope.js';
import { asPlaintext } from '../../src/secrets/secret-types.js';
import { databaseTarget, type DatabaseTarget } from '../../src/db/data-source.js';
import { rekeySecrets } from '../../src/connections/secret-rekey.js';
import { DIST_SRC, childEnv } from '../auth/child-process.js';
import { ok } from './support.js';

const keys = { k0: randomBytes(32), k1: randomBytes(32), k2: randomBytes(32), k3: randomBytes(32) };
const ring = (...ids: Array<keyof typeof keys>): KeyRing => createKeyRing(ids.map((id) => ({ id, key: keys[id] })));
const secretKeysEnv = (...ids: Array<keyof typeof keys>) =>
  ids.map((id) => `${id}:${keys[id].toString('base64')}`).join(',');

const PASSWORD = 'rekey-Password-0001';
const CLIENT_SECRET = 'rekey-Client~Secret-0002';

let sink: SmtpSink;
const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'postroom-rekey-'));
  tempDirs.push(dir);
  return dir;
}

before(async () => {
  sink = await startSmtpSink({ tls: 'none' });
});
after(async () => {
  await sink?.close();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function appEnv(): Record<string, string> {
  return { EGRESS_ALLOWED_HOSTS: '127.0.0.1', EGRESS_ALLOWED_PORTS: `587,${sink.port}` };
}

let names = 0;
function basic(): Record<string, unknown> {
  names += 1;
  return {
    name: `Rekey ${names}`,
    url: `127.0.0.1:${sink.port}`,
    tls: 'NONE',
    fromAddress: 'sender@example.com',
    auth: { basic: { username: 'rekey@example.com', password: PASSWORD } },
  };
}

function oauth2(): Record<string, unknown> {
  names += 1;
  return {
    name: `Rekey OAuth2 ${names}`,
    url: 'smtp.office365.com:587',
    fromAddress: 'reports@contoso.com',
    auth: {
      oauth2ClientCredentials: {
        username: 'reports@contoso.com',
        clientId: '0b7d8a4e-3c1f-4a55-9e2d-6f1b2c3d4e5f',
        clientSecret: CLIENT_SECRET,
        tokenUrl: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token',
      },
    },
  };
}

async function sealedById(t: TestApp): Promise<Map<string, string>> {
  const rows = (await t.app.dataSource.query('SELECT id, secret_sealed FROM connection')) as Array<{
    id: string;
    secret_sealed: string;
  }>;
  return new Map(rows.map((r) => [r.id, r.secret_sealed]));
}

/** Puts a secret sealed under `keyRing` into a row, as an older deployment (or another key) would have. */
async function resealRow(t: TestApp, id: string, keyRing: KeyRing, field: 'password' | 'clientSecret', secret: string) {
  const sealed = seal(keyRing, asPlaintext(secret), { rowId: id, field });
  await t.app.dataSource.query('UPDATE connection SET secret_sealed = $1 WHERE id = $2', [sealed, id]);
  return sealed;
}

describe('rekeySecrets', () => {
  let database: { target: DatabaseTarget; drop(): Promise<void> };
  let t: TestApp;
  const basicIds: string[] = [];
  let oauthId = '';
  let orphanId = '';
  let orphanSealed = '';

  before(async () => {
    database = process.env.DATABASE_URL
      ? await createTestDatabase()
      : { target: { kind: 'pglite', dataDir: path.join(tempDir(), 'pglite') }, drop: async () => {} };
    t = await startTestApp({ env: appEnv(), keyRing: ring('k1'), databaseTarget: database.target });
    for (let i = 0; i < 3; i += 1)
      basicIds.push(ok(await t.gql(CREATE_CONNECTION, { input: basic() })).createConnection.id);
    oauthId = ok(await t.gql(CREATE_CONNECTION, { input: oauth2() })).createConnection.id;
    orphanId = ok(await t.gql(CREATE_CONNECTION, { input: basic() })).createConnection.id;
    orphanSealed = await resealRow(t, orphanId, ring('k0'), 'password', PASSWORD);
  });
  after(async () => {
    await t?.close();
    await database?.drop();
  });

  test('re-seals every secret under k2, reports the k0 row in failed and leaves it unchanged', async () => {
    const before = await sealedById(t);
    for (const id of [...basicIds, oauthId]) assert.match(before.get(id)!, /^v1:k1:/);
    const progress: Array<[number, number]> = [];
    const report = await rekeySecrets({
      dataSource: t.app.dataSource,
      keyRing: ring('k2', 'k1'),
      progress: (done, remaining) => progress.push([done, remaining]),
    });
    assert.equal(report.resealed, 4);
    assert.deepEqual(report.failed, [{ id: orphanId, name: `Rekey 5`, keyId: 'k0', reason: 'unknownKey' }]);
    assert.deepEqual(progress, [[5, 0]], 'one batch of 5 (default batch size 100)');
    const afterRun = await sealedById(t);
    for (const id of [...basicIds, oauthId]) {
      assert.match(afterRun.get(id)!, /^v1:k2:/, `row ${id} is sealed under k2`);
      assert.notEqual(afterRun.get(id), before.get(id));
    }
    assert.equal(afterRun.get(orphanId), orphanSealed, 'the unreadable row is left exactly as it was');
    assert.ok(!JSON.stringify(report).includes(PASSWORD), 'the report carries no secret');
  });

  test('a second run re-seals nothing and reports the same k0 row again', async () => {
    const before = await sealedById(t);
    const report = await rekeySecrets({ dataSource: t.app.dataSource, keyRing: ring('k2', 'k1') });
    assert.equal(report.resealed, 0);
    assert.deepEqual(
      report.failed.map((f) => [f.id, f.keyId]),
      [[orphanId, 'k0']],
    );
    assert.deepEqual(await sealedById(t), before, 'nothing was rewritten');
  });

  test('batch size 1: one row per batch, progress after each, same result', async () => {
    // Three more rows still under k1 (the app seals with k1).
    for (let i = 0; i < 3; i += 1)
      basicIds.push(ok(await t.gql(CREATE_CONNECTION, { input: basic() })).createConnection.id);
    const progress: Array<[number, number]> = [];
    const report = await rekeySecrets({
      dataSource: t.app.dataSource,
      keyRing: ring('k2', 'k1'),
      batchSize: 1,
      progress: (done, remaining) => progress.push([done, remaining]),
    });
    assert.equal(report.resealed, 3);
    assert.deepEqual(
      report.failed.map((f) => f.id),
      [orphanId],
    );
    assert.equal(progress.length, 4, JSON.stringify(progress));
    assert.deepEqual(
      progress.map(([done]) => done),
      [1, 2, 3, 4],
    );
    assert.deepEqual(progress.at(-1), [4, 0]);
    assert.ok(progress.every(([, remaining], i) => i === 0 || remaining <= progress[i - 1]![1]));
    const sealed = await sealedById(t);
    for (const id of basicIds) assert.match(sealed.get(id)!, /^v1:k2:/);
  });

  test('a key id with "_" is matched literally, not as a LIKE wildcard', async () => {
    const underscore = createKeyRing([
      { id: 'k_2', key: keys.k3 },
      { id: 'kA2', key: keys.k2 },
      { id: 'k2', key: keys.k2 },
    ]);
    const id = basicIds[0]!;
    await resealRow(t, id, createKeyRing([{ id: 'kA2', key: keys.k2 }]), 'password', PASSWORD);
    const report = await rekeySecrets({ dataSource: t.app.dataSource, keyRing: underscore });
    assert.ok(report.resealed >= 1);
    assert.match((await sealedById(t)).get(id)!, /^v1:k_2:/, 'the kA2 row was re-sealed, not skipped');
    // Back under k2 for the send test below.
    const back = await rekeySecrets({
      dataSource: t.app.dataSource,
      keyRing: createKeyRing([
        { id: 'k2', key: keys.k2 },
        { id: 'k_2', key: keys.k3 },
      ]),
    });
    assert.deepEqual(
      back.failed.map((f) => f.id),
      [orphanId],
    );
  });

  test('after the rekey, sends work with a ring of k2 only; the k0 row says which key is missing', async () => {
    await t.close();
    t = await startTestApp({ env: appEnv(), keyRing: ring('k2'), databaseTarget: database.target });
    const delivered = sink.messages.length;
    for (const id of basicIds) {
      const result = ok(await t.gql(SEND_TEST_EMAIL, { id, to: 'admin@example.com' })).sendTestEmail;
      assert.equal(result.ok, true, JSON.stringify(result));
    }
    assert.equal(sink.messages.length, delivered + basicIds.length);
    assert.ok(
      sink.authAttempts.slice(-basicIds.length).every((a) => a.password === PASSWORD),
      'the same password',
    );
    const orphan = ok(await t.gql(SEND_TEST_EMAIL, { id: orphanId, to: 'admin@example.com' })).sendTestEmail;
    assert.equal(orphan.ok, false);
    assert.equal(orphan.errorCode, 'SECRET_UNREADABLE');
    assert.match(orphan.hint, /key "k0", which is not in SECRET_KEYS/);
    // With only k2, every other row opens (the OAuth2 one too: its field, clientSecret, is bound into the envelope).
    const report = await rekeySecrets({ dataSource: t.app.dataSource, keyRing: ring('k2') });
    assert.match((await sealedById(t)).get(oauthId)!, /^v1:k2:/);
    assert.deepEqual(report, {
      resealed: 0,
      failed: [{ id: orphanId, name: 'Rekey 5', keyId: 'k0', reason: 'unknownKey' }],
    });
  });
});

function runRekeyCli(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(DIST_SRC, 'connections/secret-rekey.cli.js')], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run secrets:rekey (the CLI, on PGlite in DATA_DIR)', () => {
  test('prints progress and exits 0; with a row under a missing key it names the row and key and exits 1', async () => {
    const dataDir = tempDir();
    const target = databaseTarget(undefined, dataDir);
    let t = await startTestApp({ env: appEnv(), keyRing: ring('k1'), databaseTarget: target });
    const ids: string[] = [];
    for (let i = 0; i < 2; i += 1) ids.push(ok(await t.gql(CREATE_CONNECTION, { input: basic() })).createConnection.id);
    await t.close();

    const good = await runRekeyCli(childEnv(dataDir, { SECRET_KEYS: secretKeysEnv('k2', 'k1') }));
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /re-sealing secrets under key "k2"/);
    assert.match(good.stdout, /2 processed, 0 to go/);
    assert.match(good.stdout, /re-sealed 2 secret\(s\)/);

    t = await startTestApp({ env: appEnv(), keyRing: ring('k2'), databaseTarget: target });
    const sealed = await sealedById(t);
    for (const id of ids) assert.match(sealed.get(id)!, /^v1:k2:/);
    await resealRow(t, ids[1]!, ring('k0'), 'password', PASSWORD);
    await t.close();

    const bad = await runRekeyCli(childEnv(dataDir, { SECRET_KEYS: secretKeysEnv('k3', 'k2') }));
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /re-sealed 1 secret\(s\)/);
    assert.match(bad.stderr, /1 secret\(s\) could not be opened and were left as they are/);
    assert.ok(bad.stderr.includes(`${ids[1]} "`), 'names the row');
    assert.match(bad.stderr, /sealed under key k0 \(unknownKey\)/);
    assert.match(bad.stderr, /Add the missing key to SECRET_KEYS/);
    const output = good.stdout + good.stderr + bad.stdout + bad.stderr;
    for (const key of Object.values(keys)) assert.ok(!output.includes(key.toString('base64')), 'no key material');
    assert.ok(!output.includes(PASSWORD), 'no secret');

    // A second run is resumable: nothing left to re-seal, the k0 row still reported.
    const again = await runRekeyCli(childEnv(dataDir, { SECRET_KEYS: secretKeysEnv('k3', 'k2') }));
    assert.equal(again.code, 1);
    assert.match(again.stdout, /re-sealed 0 secret\(s\)/);
  });
});
