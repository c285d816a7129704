/**
 * Test-email rate limits over HTTP against an in-process SMTP sink: per connection, per API key,
 * testConnectionSettings counted against the key, a sliding hour on the app clock, and (on PostgreSQL)
 * one limit shared by two app instances on the same database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createTestDatabase,
  startTestApp,
  testKeyRing,
  type GraphQLResponse,
  type TestApp,
} from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { CREATE_CONNECTION, ROTATE_SECRET, SEND_TEST_EMAIL, TEST_CONNECTION_SETTINGS } from '../api/operations.js';
import { as, createKey, ok } from './support.js';

const TO = 'admin@example.com';
const PER_CONNECTION = 2;
const PER_KEY = 3;
const HOUR_S = 3600;

let sink: SmtpSink;
let now = new Date('2031-05-01T09:00:00Z').getTime();
const clock = () => new Date(now);
const advance = (seconds: number) => {
  now += seconds * 1000;
};

function env(): Record<string, string> {
  return {
    TEST_EMAIL_RATE_PER_CONNECTION: String(PER_CONNECTION),
    TEST_EMAIL_RATE_PER_KEY: String(PER_KEY),
    EGRESS_ALLOWED_HOSTS: '127.0.0.1',
    EGRESS_ALLOWED_PORTS: `587,${sink.port}`,
  };
}

let names = 0;
function settings(): Record<string, unknown> {
  names += 1;
  return {
    name: `Limited ${names}`,
    url: `127.0.0.1:${sink.port}`,
    tls: 'NONE',
    fromAddress: 'sender@example.com',
    auth: { basic: { username: 'limited@example.com', password: 'limited-Password-1234' } },
  };
}

async function createConnection(app: TestApp): Promise<string> {
  return ok(await app.gql(CREATE_CONNECTION, { input: settings() })).createConnection.id;
}

function send(app: TestApp, id: string, token?: string): Promise<GraphQLResponse> {
  return app.gql(SEND_TEST_EMAIL, { id, to: TO }, token ? as(token) : {});
}

function assertSent(res: GraphQLResponse): void {
  const result = ok(res).sendTestEmail;
  assert.equal(result.ok, true, res.body);
  assert.equal(result.stage, 'DONE');
}

/** RATE_LIMITED naming the variable of the limit that was hit; returns retryAfterSeconds. */
function assertLimited(res: GraphQLResponse, variable: string, limit: number): number {
  assert.equal(res.status, 200, res.body);
  assert.ok(res.errors?.length === 1, res.body);
  const error = res.errors[0]!;
  assert.equal(error.extensions.code, 'RATE_LIMITED', res.body);
  assert.match(error.message, new RegExp(`the limit is ${limit} .*\\(${variable}\\)`));
  assert.equal(error.extensions.limit, limit);
  const retry = error.extensions.retryAfterSeconds as number;
  assert.ok(Number.isInteger(retry) && retry > 0 && retry <= HOUR_S, `retryAfterSeconds ${retry}`);
  assert.match(error.message, new RegExp(`Try again in ${retry} s`));
  assert.equal(res.data?.sendTestEmail ?? res.data?.testConnectionSettings ?? res.data?.rotateSecret ?? null, null);
  return retry;
}

before(async () => {
  sink = await startSmtpSink({ tls: 'none' });
});
after(async () => {
  await sink?.close();
});

describe('one app', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: env(), clock });
  });
  after(async () => {
    await t?.close();
  });

  test('per connection, then per key; a different key is counted apart; testConnectionSettings counts against the key; an hour later the limits are free', async () => {
    const operator = await createKey(t, 'limited-operator', 'OPERATOR');
    const [first, second, third] = [await createConnection(t), await createConnection(t), await createConnection(t)];
    const delivered = sink.messages.length;

    assertSent(await send(t, first));
    advance(600);
    assertSent(await send(t, first));
    advance(600);
    // Third on one connection: refused; the oldest hit (20 min ago) frees a slot in 40 min.
    const retry = assertLimited(await send(t, first), 'TEST_EMAIL_RATE_PER_CONNECTION', PER_CONNECTION);
    assert.equal(retry, HOUR_S - 1200);
    assert.equal(sink.messages.length, delivered + 2, 'the refused send reached no server');

    // Another connection works: the admin key has used 2 of 3.
    assertSent(await send(t, second));
    const keyRetry = assertLimited(await send(t, second), 'TEST_EMAIL_RATE_PER_KEY', PER_KEY);
    assert.equal(keyRetry, HOUR_S - 1200, 'the key frees up when its oldest send is an hour old');
    assertLimited(await send(t, third), 'TEST_EMAIL_RATE_PER_KEY', PER_KEY);
    assert.equal(sink.messages.length, delivered + 3);

    // A different key has its own count (the per-connection count is shared, so use the third connection).
    assertSent(await send(t, third, operator.token));
    // testConnectionSettings counts against the key too (dry runs included).
    const dry = ok(
      await t.gql(TEST_CONNECTION_SETTINGS, { input: settings(), to: TO, dryRun: true }, as(operator.token)),
    ).testConnectionSettings;
    assert.equal(dry.ok, true, JSON.stringify(dry));
    const real = ok(
      await t.gql(TEST_CONNECTION_SETTINGS, { input: settings(), to: TO }, as(operator.token)),
    ).testConnectionSettings;
    assert.equal(real.ok, true, JSON.stringify(real));
    const settingsRes = await t.gql(TEST_CONNECTION_SETTINGS, { input: settings(), to: TO }, as(operator.token));
    assertLimited(settingsRes, 'TEST_EMAIL_RATE_PER_KEY', PER_KEY);
    assertLimited(await send(t, third, operator.token), 'TEST_EMAIL_RATE_PER_KEY', PER_KEY);

    // Refused attempts were not charged: an hour after the first sends, exactly the old slots are free.
    // Now the admin key's first send (T0) has left the window; its sends at T0+10 min and T0+20 min remain.
    advance(HOUR_S - 1200 + 1);
    assertSent(await send(t, first));
    assert.equal(assertLimited(await send(t, first), 'TEST_EMAIL_RATE_PER_KEY', PER_KEY), 599);
    // The operator's three hits were all at T0+20 min: still 19 min 59 s to go.
    assert.equal(assertLimited(await send(t, third, operator.token), 'TEST_EMAIL_RATE_PER_KEY', PER_KEY), 1199);
    assert.equal(sink.messages.length, delivered + 6);

    // Hits older than the window are removed, not kept forever.
    advance(2 * HOUR_S);
    const [{ n }] = (await t.app.dataSource.query('SELECT count(*)::int AS n FROM rate_limit_hit WHERE at <= $1', [
      new Date(now - HOUR_S * 1000),
    ])) as [{ n: number }];
    assertSent(await send(t, first));
    assertSent(await send(t, third, operator.token));
    assert.equal(sink.messages.length, delivered + 8);
    const [{ left }] = (await t.app.dataSource.query(
      `SELECT count(*)::int AS "left" FROM rate_limit_hit WHERE at <= $1 AND scope LIKE 'connection:%' AND scope = $2`,
      [new Date(now - HOUR_S * 1000), `connection:${first}`],
    )) as [{ left: number }];
    assert.ok(n > 0, 'there were expired hits to remove');
    assert.equal(left, 0, 'expired hits of a charged scope are deleted');
  });

  test('a rate-limited request leaves no audit event and no lastTest change', async () => {
    const id = await createConnection(t);
    const key = await createKey(t, 'limited-audit', 'OPERATOR');
    assertSent(await send(t, id, key.token));
    assertSent(await send(t, id, key.token));
    const count = async () =>
      (
        (await t.app.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE connection_id = $1`, [id])) as [
          { n: number },
        ]
      )[0].n;
    const before = await count();
    assertLimited(await send(t, id, key.token), 'TEST_EMAIL_RATE_PER_CONNECTION', PER_CONNECTION);
    assert.equal(await count(), before);
  });
});

describe('rotateSecret with verify: true', () => {
  // The verification logs in to the server like a test email, so it is charged like one; a plain rotation is not.
  let t: TestApp;
  let verifying: SmtpSink;
  before(async () => {
    verifying = await startSmtpSink({
      tls: 'none',
      onAuth: (attempt) =>
        attempt.password?.startsWith('Rotated-')
          ? true
          : { code: 535, message: '5.7.8 Authentication credentials invalid' },
    });
    t = await startTestApp({
      env: { ...env(), EGRESS_ALLOWED_PORTS: `587,${sink.port},${verifying.port}` },
      clock,
    });
  });
  after(async () => {
    await t?.close();
    await verifying?.close();
  });

  async function createOnVerifying(): Promise<{ id: string; version: number }> {
    const created = ok(
      await t.gql(CREATE_CONNECTION, { input: { ...settings(), url: `127.0.0.1:${verifying.port}` } }),
    ).createConnection;
    return { id: created.id, version: created.version };
  }

  function rotate(id: string, input: Record<string, unknown>, token: string): Promise<GraphQLResponse> {
    return t.gql(ROTATE_SECRET, { id, input }, as(token));
  }

  test('two verified rotations per connection succeed, the third is RATE_LIMITED before any login; the caller is charged too', async () => {
    const key = await createKey(t, 'rotating-operator', 'OPERATOR');
    const { id } = await createOnVerifying();
    const attempts = verifying.authAttempts.length;

    const first = ok(await rotate(id, { secret: 'Rotated-secret-0001', verify: true }, key.token)).rotateSecret;
    const second = ok(await rotate(id, { secret: 'Rotated-secret-0002', verify: true }, key.token)).rotateSecret;
    assert.equal(second.version, first.version + 1);
    assert.deepEqual(
      verifying.authAttempts.slice(attempts).map((a) => a.password),
      ['Rotated-secret-0001', 'Rotated-secret-0002'],
      'each verification logged in with the new secret',
    );

    const limited = await rotate(id, { secret: 'Rotated-secret-0003', verify: true }, key.token);
    const retry = assertLimited(limited, 'TEST_EMAIL_RATE_PER_CONNECTION', PER_CONNECTION);
    assert.equal(retry, HOUR_S, 'both hits were charged at this instant of the app clock');
    assert.equal(verifying.authAttempts.length, attempts + 2, 'the refused verification reached no server');
    const stored = ok(await t.gql(`query($id: ID!) { connection(id: $id) { version } }`, { id })).connection;
    assert.equal(stored.version, second.version, 'the refused rotation stored nothing');

    // The key has used 2 of 3 (the refused attempt was not charged): one more verified rotation elsewhere,
    // then the per-key limit.
    const other = await createOnVerifying();
    ok(await rotate(other.id, { secret: 'Rotated-secret-0004', verify: true }, key.token));
    assertLimited(
      await rotate(other.id, { secret: 'Rotated-secret-0005', verify: true }, key.token),
      'TEST_EMAIL_RATE_PER_KEY',
      PER_KEY,
    );
    // Test emails share the same counts.
    assertLimited(await send(t, other.id, key.token), 'TEST_EMAIL_RATE_PER_KEY', PER_KEY);
  });

  test('rotateSecret without verify is never limited, even on a connection and key at their limits', async () => {
    const key = await createKey(t, 'plain-rotator', 'OPERATOR');
    const { id } = await createOnVerifying();
    ok(await rotate(id, { secret: 'Rotated-secret-0101', verify: true }, key.token));
    ok(await rotate(id, { secret: 'Rotated-secret-0102', verify: true }, key.token));
    assertLimited(
      await rotate(id, { secret: 'Rotated-secret-0103', verify: true }, key.token),
      'TEST_EMAIL_RATE_PER_CONNECTION',
      PER_CONNECTION,
    );
    const attempts = verifying.authAttempts.length;
    for (let i = 0; i < 6; i += 1) {
      const rotated = ok(
        await rotate(id, { secret: `Plain-rotation-secret-${i}`, verify: i % 2 === 0 ? false : null }, key.token),
      ).rotateSecret;
      assert.equal(rotated.auth.password.isSet, true);
    }
    assert.equal(verifying.authAttempts.length, attempts, 'no verification, so no login');
  });

  test('a stale expectedVersion with verify is CONFLICT before any login, and is not charged', async () => {
    const key = await createKey(t, 'stale-rotator', 'OPERATOR');
    const { id, version } = await createOnVerifying();
    const attempts = verifying.authAttempts.length;
    for (let i = 0; i < 3; i += 1) {
      const res = await rotate(
        id,
        { secret: 'Rotated-secret-0201', verify: true, expectedVersion: version + 7 },
        key.token,
      );
      assert.equal(res.errors?.[0]?.extensions.code, 'CONFLICT', res.body);
      assert.equal(res.errors[0]!.extensions.currentVersion, version);
    }
    assert.equal(verifying.authAttempts.length, attempts, 'the stale request never reached the server');
    // Three refused attempts charged nothing: the connection still allows its two verified rotations.
    ok(await rotate(id, { secret: 'Rotated-secret-0202', verify: true, expectedVersion: version }, key.token));
    ok(await rotate(id, { secret: 'Rotated-secret-0203', verify: true }, key.token));
    assert.equal(verifying.authAttempts.length, attempts + 2);
  });
});

describe('two app instances on one PostgreSQL database', () => {
  const skip = process.env.DATABASE_URL
    ? false
    : 'needs DATABASE_URL: PGlite is an in-process database, so two app instances cannot share it';
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let one: TestApp;
  let two: TestApp;
  before(async () => {
    if (skip) return;
    database = await createTestDatabase();
    const keyRing = testKeyRing();
    one = await startTestApp({ env: env(), clock, databaseTarget: database.target, keyRing });
    two = await startTestApp({ env: env(), clock, databaseTarget: database.target, keyRing });
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
  });

  test('the per-connection and per-key limits hold across replicas', { skip }, async () => {
    const id = await createConnection(one);
    assertSent(await send(one, id));
    assertSent(await send(two, id));
    assertLimited(await send(one, id), 'TEST_EMAIL_RATE_PER_CONNECTION', PER_CONNECTION);
    assertLimited(await send(two, id), 'TEST_EMAIL_RATE_PER_CONNECTION', PER_CONNECTION);
    // The admin key used 2 of 3; a new connection allows one more, wherever it is sent from.
    const other = await createConnection(two);
    assertSent(await send(two, other));
    assertLimited(await send(one, other), 'TEST_EMAIL_RATE_PER_KEY', PER_KEY);
  });

  test('concurrent sends through both replicas: exactly the limit succeeds', { skip }, async () => {
    const id = await createConnection(one);
    const key = await createKey(one, 'concurrent', 'OPERATOR');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => send(i % 2 === 0 ? one : two, id, key.token)),
    );
    const codes = results.map((res) => res.errors?.[0]?.extensions.code ?? 'OK').sort();
    assert.deepEqual(codes, ['OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});
