/**
 * The audit trail over HTTP: one event per mutation with actor, action, connection id and a diff in which
 * secrets (and the CA PEM) appear only as "changed"; failed mutations leave none (same transaction);
 * connectionHistory and auditEvents page and filter; only admins read auditEvents.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestCa } from '../helpers/test-ca.js';
import {
  CREATE_CONNECTION,
  DELETE_CONNECTION,
  ROTATE_SECRET,
  SEND_TEST_EMAIL,
  SET_DEFAULT,
  TEST_CONNECTION_SETTINGS,
  UPDATE_CONNECTION,
} from '../api/operations.js';
import { IMPORT_CONNECTION, IMPORT_CONNECTIONS, basicForm } from '../form-api/form-api-fixtures.js';
import { CREATE_API_KEY, REVOKE_API_KEY } from '../auth/operations.js';
import { as, assertNoCanary, createKey, errorCode, fakeSmtp, ok, steppingClock } from './support.js';

const EVENT_FIELDS = 'id at actor action connectionId changes';
const HISTORY = `query History($id: ID!, $first: Int, $after: String) {
  connectionHistory(id: $id, first: $first, after: $after) { ${EVENT_FIELDS} }
}`;
const AUDIT_EVENTS = `query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {
  auditEvents(first: $first, after: $after, filter: $filter) { ${EVENT_FIELDS} }
}`;

const CANARY = 'Canary-Audit-Secret-7f3e9a1b';
const CANARY_2 = 'Canary-Rotated-Secret-2c4d6e8f';
const CANARY_3 = 'Canary-Updated-Secret-9a8b7c6d';
const CANARY_IMPORT = 'Canary-Import-Secret-5e4d3c2b';

interface AuditEvent {
  id: string;
  at: string;
  actor: string;
  action: string;
  connectionId: string | null;
  changes: Record<string, any> | null;
}

let t: TestApp;
const time = steppingClock();
const bodies: string[] = [];
let ops: { id: string; token: string; actor: string };
let viewer: { id: string; token: string; actor: string };
const ADMIN = 'apiKey:bootstrap';

async function gql(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await t.gql(query, variables, headers);
  bodies.push(res.body);
  return res;
}

async function eventCount(): Promise<number> {
  const [row] = (await t.app.dataSource.query('SELECT count(*)::int AS n FROM audit_event')) as [{ n: number }];
  return row.n;
}

/** Runs a mutation that must succeed and write exactly one event; returns that event. */
async function oneEvent(run: () => Promise<unknown>): Promise<AuditEvent> {
  const before = await eventCount();
  await run();
  assert.equal(await eventCount(), before + 1, 'exactly one audit event');
  const [latest] = ok(await gql(AUDIT_EVENTS, { first: 1 })).auditEvents as AuditEvent[];
  return latest!;
}

/** Runs a mutation that must fail with `code` and write no event. */
async function noEvent(code: string, run: () => Promise<{ body: string; errors?: any }>): Promise<void> {
  const before = await eventCount();
  const res = await run();
  assert.equal(errorCode(res as any), code, res.body);
  assert.equal(await eventCount(), before, `a failed mutation (${code}) must not write an audit event`);
}

const basic = (name: string, password: string, extra: Record<string, unknown> = {}) => ({
  name,
  url: 'smtp.example.com:587',
  fromAddress: 'reports@example.com',
  auth: { basic: { username: 'reports@example.com', password } },
  ...extra,
});

before(async () => {
  const { smtp } = fakeSmtp();
  t = await startTestApp({ clock: time.clock, smtp });
  ops = await createKey(t, 'ops', 'OPERATOR');
  viewer = await createKey(t, 'auditor', 'VIEWER');
});
after(async () => {
  await t?.close();
});

let mainId: string;

test('every mutation writes exactly one event: actor, action, connection id and a diff with secrets only "changed"', async () => {
  // createConnection (admin)
  const created = await oneEvent(async () => {
    const res = await gql(CREATE_CONNECTION, {
      input: basic('Audited', CANARY, { description: 'first', fromDisplayName: 'Reports' }),
    });
    mainId = ok(res).createConnection.id;
  });
  assert.equal(created.actor, ADMIN);
  assert.equal(created.action, 'connection.create');
  assert.equal(created.connectionId, mainId);
  assert.deepEqual(created.changes!.name, { from: null, to: 'Audited' });
  assert.deepEqual(created.changes!.host, { from: null, to: 'smtp.example.com' });
  assert.deepEqual(created.changes!.port, { from: null, to: 587 });
  assert.deepEqual(created.changes!.description, { from: null, to: 'first' });
  assert.equal(created.changes!.secret, 'changed');
  assert.equal(created.changes!.caCertificate, undefined, 'no CA given: no caCertificate entry');
  assert.ok(Date.parse(created.at) > Date.parse('2031-03-01T08:00:00Z'), 'at comes from the app clock');

  // updateConnection: a plain field
  const updated = await oneEvent(async () => {
    ok(await gql(UPDATE_CONNECTION, { id: mainId, input: { description: 'second' } }));
  });
  assert.deepEqual(
    { actor: updated.actor, action: updated.action, connectionId: updated.connectionId, changes: updated.changes },
    {
      actor: ADMIN,
      action: 'connection.update',
      connectionId: mainId,
      changes: { description: { from: 'first', to: 'second' } },
    },
  );

  // updateConnection: caCertificate and secret together are shown only as "changed"
  const ca = createTestCa('Audit CA');
  const withCa = await oneEvent(async () => {
    ok(await gql(UPDATE_CONNECTION, { id: mainId, input: { caCertificate: ca.certPem, secret: CANARY_3 } }));
  });
  assert.deepEqual(withCa.changes, { caCertificate: 'changed', secret: 'changed' });
  assert.ok(!JSON.stringify(withCa).includes('BEGIN CERTIFICATE'), 'the PEM is not copied into the trail');

  // rotateSecret (operator)
  const rotated = await oneEvent(async () => {
    ok(await gql(ROTATE_SECRET, { id: mainId, input: { secret: CANARY_2 } }, as(ops.token)));
  });
  assert.deepEqual(
    { actor: rotated.actor, action: rotated.action, connectionId: rotated.connectionId, changes: rotated.changes },
    { actor: ops.actor, action: 'connection.rotateSecret', connectionId: mainId, changes: { secret: 'changed' } },
  );

  // sendTestEmail (operator)
  const sent = await oneEvent(async () => {
    const res = ok(await gql(SEND_TEST_EMAIL, { id: mainId, to: 'admin@example.com' }, as(ops.token)));
    assert.equal(res.sendTestEmail.ok, true);
  });
  assert.equal(sent.actor, ops.actor);
  assert.equal(sent.action, 'connection.sendTestEmail');
  assert.equal(sent.connectionId, mainId);
  assert.deepEqual(
    { to: sent.changes!.to, dryRun: sent.changes!.dryRun, ok: sent.changes!.ok, stage: sent.changes!.stage },
    { to: 'admin@example.com', dryRun: false, ok: true, stage: 'DONE' },
  );

  // testConnectionSettings (operator): no connection, no secret in the event
  const tested = await oneEvent(async () => {
    ok(
      await gql(
        TEST_CONNECTION_SETTINGS,
        { input: basic('Unsaved', CANARY), to: 'admin@example.com', dryRun: true },
        as(ops.token),
      ),
    );
  });
  assert.equal(tested.actor, ops.actor);
  assert.equal(tested.action, 'connection.testSettings');
  assert.equal(tested.connectionId, null);
  assert.equal(tested.changes!.url, 'smtp.example.com:587');
  assert.equal(tested.changes!.dryRun, true);

  // importConnection (admin)
  let importedId = '';
  const imported = await oneEvent(async () => {
    const res = await gql(IMPORT_CONNECTION, { form: basicForm({ name: 'Imported', password: CANARY_IMPORT }) });
    importedId = ok(res).importConnection.id;
  });
  assert.equal(imported.action, 'connection.import');
  assert.equal(imported.connectionId, importedId);
  assert.equal(imported.changes!.secret, 'changed');
  assert.deepEqual(imported.changes!.name, { from: null, to: 'Imported' });

  // setDefaultConnection
  const defaulted = await oneEvent(async () => {
    ok(await gql(SET_DEFAULT, { id: importedId }));
  });
  assert.deepEqual(
    { action: defaulted.action, connectionId: defaulted.connectionId, changes: defaulted.changes },
    { action: 'connection.setDefault', connectionId: importedId, changes: { isDefault: { from: false, to: true } } },
  );

  // createApiKey / revokeApiKey
  let keyId = '';
  const keyCreated = await oneEvent(async () => {
    keyId = ok(await gql(CREATE_API_KEY, { name: 'temp-key', role: 'VIEWER' })).createApiKey.apiKey.id;
  });
  assert.deepEqual(
    { actor: keyCreated.actor, action: keyCreated.action, connectionId: keyCreated.connectionId },
    { actor: ADMIN, action: 'apiKey.create', connectionId: null },
  );
  assert.deepEqual(keyCreated.changes, { id: keyId, name: 'temp-key', role: 'VIEWER', expiresAt: null });
  const revoked = await oneEvent(async () => {
    ok(await gql(REVOKE_API_KEY, { id: keyId }));
  });
  assert.deepEqual(
    { action: revoked.action, changes: revoked.changes },
    {
      action: 'apiKey.revoke',
      changes: { id: keyId, name: 'temp-key' },
    },
  );
  // Revoking again changes nothing and records nothing.
  const before = await eventCount();
  ok(await gql(REVOKE_API_KEY, { id: keyId }));
  assert.equal(await eventCount(), before, 'a repeated revoke is not a change');

  // deleteConnection: every setting "to: null", the secret still only "changed"
  const scratchId = ok(await gql(CREATE_CONNECTION, { input: basic('Scratch', CANARY) })).createConnection.id;
  const deleted = await oneEvent(async () => {
    ok(await gql(DELETE_CONNECTION, { id: scratchId }));
  });
  assert.equal(deleted.action, 'connection.delete');
  assert.equal(deleted.connectionId, scratchId);
  assert.deepEqual(deleted.changes!.name, { from: 'Scratch', to: null });
  assert.equal(deleted.changes!.secret, 'changed');
});

test('a failed mutation writes no event: validation, CONFLICT, NOT_FOUND, FORBIDDEN, a failed batch, a dry run', async () => {
  const taken = ok(await gql(CREATE_CONNECTION, { input: basic('Taken', 'another-password-1') })).createConnection;
  await noEvent('BAD_USER_INPUT', () =>
    gql(CREATE_CONNECTION, { input: basic('Bad url', CANARY, { url: 'no port' }) }),
  );
  await noEvent('CONFLICT', () => gql(CREATE_CONNECTION, { input: basic('taken', CANARY) }));
  await noEvent('CONFLICT', () =>
    gql(UPDATE_CONNECTION, { id: taken.id, input: { description: 'stale', expectedVersion: taken.version + 5 } }),
  );
  await noEvent('CONFLICT', () => gql(UPDATE_CONNECTION, { id: taken.id, input: { name: 'AUDITED' } }));
  await noEvent('BAD_USER_INPUT', () =>
    gql(UPDATE_CONNECTION, { id: taken.id, input: { url: 'smtp.example.org:587' } }),
  );
  await noEvent('CONFLICT', () => gql(ROTATE_SECRET, { id: taken.id, input: { secret: CANARY, expectedVersion: 99 } }));
  await noEvent('NOT_FOUND', () => gql(DELETE_CONNECTION, { id: '00000000-0000-4000-8000-000000000000' }));
  await noEvent('FORBIDDEN', () => gql(CREATE_CONNECTION, { input: basic('By viewer', CANARY) }, as(viewer.token)));
  await noEvent('FORBIDDEN', () => gql(ROTATE_SECRET, { id: taken.id, input: { secret: CANARY } }, as(viewer.token)));
  await noEvent('CONFLICT', () => gql(CREATE_API_KEY, { name: 'OPS', role: 'ADMIN' }));
  await noEvent('NOT_FOUND', () => gql(REVOKE_API_KEY, { id: '00000000-0000-4000-8000-000000000000' }));
  // A default with others of its type: CONFLICT inside the transaction, after the row was locked.
  const defaultId = ok(await gql(`{ defaultConnection { id } }`)).defaultConnection.id;
  await noEvent('CONFLICT', () => gql(DELETE_CONNECTION, { id: defaultId }));

  // The batch writes its first connection and that connection's event, then fails on the second: both roll back.
  await noEvent('CONFLICT', () =>
    gql(IMPORT_CONNECTIONS, {
      forms: [basicForm({ name: 'Batch one', password: CANARY }), basicForm({ name: 'Taken', password: CANARY })],
    }),
  );
  const after = ok(await gql(`query { connectionByName(name: "Batch one") { id } }`));
  assert.equal(after.connectionByName, null, 'the batch stored nothing');
  // A dry run does the inserts in a transaction that is rolled back: its events go with it.
  const before = await eventCount();
  ok(await gql(IMPORT_CONNECTION, { form: basicForm({ name: 'Dry run', password: CANARY }), dryRun: true }));
  assert.equal(await eventCount(), before, 'a dry-run import records nothing');
});

test('connectionHistory pages newest first with first/after; bad cursors and sizes are BAD_USER_INPUT', async () => {
  const id = ok(await gql(CREATE_CONNECTION, { input: basic('Paged', 'paged-password-1') })).createConnection.id;
  for (let i = 1; i <= 4; i += 1) ok(await gql(UPDATE_CONNECTION, { id, input: { description: `v${i}` } }));
  const all = ok(await gql(HISTORY, { id, first: 50 })).connectionHistory as AuditEvent[];
  assert.deepEqual(
    all.map((e) => [e.action, e.changes?.description?.to ?? null]),
    [
      ['connection.update', 'v4'],
      ['connection.update', 'v3'],
      ['connection.update', 'v2'],
      ['connection.update', 'v1'],
      ['connection.create', null],
    ],
  );
  assert.ok(
    all.every((e) => e.connectionId === id),
    'only this connection',
  );
  const paged: AuditEvent[] = [];
  let cursor: string | null = null;
  const sizes: number[] = [];
  for (let page = 0; page < 5; page += 1) {
    const rows = ok(await gql(HISTORY, { id, first: 2, after: cursor })).connectionHistory as AuditEvent[];
    sizes.push(rows.length);
    if (rows.length === 0) break;
    paged.push(...rows);
    cursor = rows.at(-1)!.id;
  }
  assert.deepEqual(sizes, [2, 2, 1, 0]);
  assert.deepEqual(
    paged.map((e) => e.id),
    all.map((e) => e.id),
  );

  const badAfter = await gql(HISTORY, { id, first: 2, after: 'not-an-event' });
  assert.equal(errorCode(badAfter), 'BAD_USER_INPUT');
  assert.deepEqual(
    badAfter.errors![0]!.extensions.fields!.map((f) => f.path),
    ['after'],
  );
  const tooMany = await gql(HISTORY, { id, first: 201 });
  assert.deepEqual(
    tooMany.errors![0]!.extensions.fields!.map((f) => f.path),
    ['first'],
  );
  const negative = await gql(HISTORY, { id, first: -1 });
  assert.equal(errorCode(negative), 'BAD_USER_INPUT');
  // Unknown and malformed ids have no history (like connection(id) returns null), never a server error.
  assert.deepEqual(ok(await gql(HISTORY, { id: '00000000-0000-4000-8000-000000000000' })).connectionHistory, []);
  assert.deepEqual(ok(await gql(HISTORY, { id: 'not-a-uuid' })).connectionHistory, []);
});

test('auditEvents filters by action, actor, connectionId and since; the filters combine', async () => {
  const byAction = ok(await gql(AUDIT_EVENTS, { filter: { action: 'connection.rotateSecret' } }))
    .auditEvents as AuditEvent[];
  assert.equal(byAction.length, 1);
  assert.equal(byAction[0]!.connectionId, mainId);

  const byActor = ok(await gql(AUDIT_EVENTS, { first: 200, filter: { actor: ops.actor } })).auditEvents as AuditEvent[];
  assert.deepEqual(byActor.map((e) => e.action).sort(), [
    'connection.rotateSecret',
    'connection.sendTestEmail',
    'connection.testSettings',
  ]);

  const byConnection = ok(await gql(AUDIT_EVENTS, { first: 200, filter: { connectionId: mainId } }))
    .auditEvents as AuditEvent[];
  const history = ok(await gql(HISTORY, { id: mainId, first: 200 })).connectionHistory as AuditEvent[];
  assert.deepEqual(
    byConnection.map((e) => e.id),
    history.map((e) => e.id),
  );
  assert.deepEqual(byConnection.map((e) => e.action).reverse(), [
    'connection.create',
    'connection.update',
    'connection.update',
    'connection.rotateSecret',
    'connection.sendTestEmail',
  ]);

  const everything = ok(await gql(AUDIT_EVENTS, { first: 200 })).auditEvents as AuditEvent[];
  const pivot = everything[3]!;
  const since = ok(await gql(AUDIT_EVENTS, { first: 200, filter: { since: pivot.at } })).auditEvents as AuditEvent[];
  assert.deepEqual(
    since.map((e) => e.id),
    everything.slice(0, 4).map((e) => e.id),
    'since includes the event at that instant and everything newer',
  );

  const combined = ok(
    await gql(AUDIT_EVENTS, {
      first: 200,
      filter: { actor: ops.actor, action: 'connection.sendTestEmail', connectionId: mainId },
    }),
  ).auditEvents as AuditEvent[];
  assert.equal(combined.length, 1);
  const none = ok(await gql(AUDIT_EVENTS, { filter: { actor: 'apiKey:nobody' } })).auditEvents;
  assert.deepEqual(none, []);
  assert.deepEqual(ok(await gql(AUDIT_EVENTS, { filter: { connectionId: 'not-a-uuid' } })).auditEvents, []);

  // Paging over everything with after = the last id of the previous page.
  const first = ok(await gql(AUDIT_EVENTS, { first: 5 })).auditEvents as AuditEvent[];
  const second = ok(await gql(AUDIT_EVENTS, { first: 5, after: first.at(-1)!.id })).auditEvents as AuditEvent[];
  assert.deepEqual(
    [...first, ...second].map((e) => e.id),
    everything.slice(0, 10).map((e) => e.id),
  );
});

test('viewers read connectionHistory but not auditEvents (FORBIDDEN); operators neither read auditEvents', async () => {
  const history = ok(await gql(HISTORY, { id: mainId }, as(viewer.token))).connectionHistory as AuditEvent[];
  assert.ok(history.length >= 5);
  const denied = await gql(AUDIT_EVENTS, {}, as(viewer.token));
  assert.equal(errorCode(denied), 'FORBIDDEN');
  assert.match(denied.errors![0]!.message, /Query\.auditEvents needs the ADMIN role/);
  assert.equal(denied.data, undefined);
  assert.equal(errorCode(await gql(AUDIT_EVENTS, {}, as(ops.token))), 'FORBIDDEN');
  assert.equal(errorCode(await gql(HISTORY, { id: mainId }, { authorization: '' })), 'UNAUTHENTICATED');
});

test('auditEvents(after: junk) is BAD_USER_INPUT at after; connectionHistory of a malformed id is []', async () => {
  for (const after of ['junk', 'not-a-uuid', Buffer.from(JSON.stringify(['a', 'not-a-uuid'])).toString('base64url')]) {
    const res = await gql(AUDIT_EVENTS, { first: 5, after });
    assert.equal(errorCode(res), 'BAD_USER_INPUT', res.body);
    assert.deepEqual(
      res.errors![0]!.extensions.fields!.map((f) => f.path),
      ['after'],
    );
    assert.match(res.errors![0]!.message, /after must be the id of an event from a previous page/);
  }
  // An unknown (well-formed) event id is refused the same way.
  const unknown = await gql(AUDIT_EVENTS, { after: '00000000-0000-4000-8000-000000000000' });
  assert.equal(errorCode(unknown), 'BAD_USER_INPUT', unknown.body);
  assert.deepEqual(ok(await gql(HISTORY, { id: 'x' })).connectionHistory, []);
  assert.deepEqual(ok(await gql(`{ connectionHistory(id: "x") { id } }`)).connectionHistory, []);
});

test('moving the default mark records connection.setDefault for the previous default too (from true to false), and its version goes up', async () => {
  const historyOf = async (id: string) => ok(await gql(HISTORY, { id, first: 50 })).connectionHistory as AuditEvent[];
  const versionOf = async (id: string) =>
    ok(await gql(`query($id: ID!) { connection(id: $id) { version isDefault } }`, { id })).connection as {
      version: number;
      isDefault: boolean;
    };
  const markedIds = async () =>
    (
      (await t.app.dataSource.query(`SELECT id FROM connection WHERE type = 'SMTP' AND is_default`)) as Array<{
        id: string;
      }>
    ).map((r) => r.id);

  // Whatever is marked now (the imported connection, from the first test) is unmarked by createConnection.
  const [previous] = await markedIds();
  assert.ok(previous, 'a marked default exists before the create');
  const previousVersion = (await versionOf(previous)).version;

  // createConnection with isDefault: two events, one per connection that changed.
  let before = await eventCount();
  const first = ok(
    await gql(CREATE_CONNECTION, { input: basic('Default one', 'default-one-password', { isDefault: true }) }),
  ).createConnection as { id: string; version: number };
  assert.equal(await eventCount(), before + 2, 'the create, and the unmarking of the previous default');
  const unmarked = (await historyOf(previous))[0]!;
  assert.deepEqual(
    { actor: unmarked.actor, action: unmarked.action, changes: unmarked.changes },
    { actor: ADMIN, action: 'connection.setDefault', changes: { isDefault: { from: true, to: false } } },
  );
  assert.deepEqual(await versionOf(previous), { version: previousVersion + 1, isDefault: false });
  assert.deepEqual(await markedIds(), [first.id]);

  // setDefaultConnection on another: its own event and the previous default's.
  const second = ok(await gql(CREATE_CONNECTION, { input: basic('Default two', 'default-two-password') }))
    .createConnection as { id: string; version: number };
  before = await eventCount();
  ok(await gql(SET_DEFAULT, { id: second.id }));
  assert.equal(await eventCount(), before + 2, 'the new default and the previous one');
  const latest = ok(await gql(AUDIT_EVENTS, { first: 2 })).auditEvents as AuditEvent[];
  const summary = (id: string) =>
    latest.filter((e) => e.connectionId === id).map((e) => ({ actor: e.actor, action: e.action, changes: e.changes }));
  assert.deepEqual(summary(first.id), [
    { actor: ADMIN, action: 'connection.setDefault', changes: { isDefault: { from: true, to: false } } },
  ]);
  assert.deepEqual(summary(second.id), [
    { actor: ADMIN, action: 'connection.setDefault', changes: { isDefault: { from: false, to: true } } },
  ]);
  assert.deepEqual(await versionOf(first.id), { version: first.version + 1, isDefault: false });
  assert.deepEqual(await versionOf(second.id), { version: second.version + 1, isDefault: true });
  assert.deepEqual(await markedIds(), [second.id]);

  // Marking the default again changes nothing and records nothing.
  before = await eventCount();
  ok(await gql(SET_DEFAULT, { id: second.id }));
  assert.equal(await eventCount(), before, 'no previous default to unmark, no change to the current one');
  assert.equal((await versionOf(second.id)).version, second.version + 1);
});

test('no secret in the trail: the canaries appear in no response, no stored event and no log line', async () => {
  const events = (await t.app.dataSource.query('SELECT * FROM audit_event')) as unknown[];
  const stored = events.map((e) => JSON.stringify(e));
  const everything = ok(await gql(AUDIT_EVENTS, { first: 200 })).auditEvents as AuditEvent[];
  assert.equal(everything.length, events.length);
  for (const canary of [CANARY, CANARY_2, CANARY_3, CANARY_IMPORT]) {
    assertNoCanary(bodies, canary, 'responses');
    assertNoCanary(stored, canary, 'audit_event rows');
    assertNoCanary(t.logs, canary, 'logs');
  }
});
