/**
 * The optimistic-concurrency guard under real concurrent requests (truly concurrent on PostgreSQL; the
 * embedded PGlite serialises them, which must give the same answers).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type GraphQLResponse, type TestApp } from '../helpers/test-app.js';
import { CREATE_CONNECTION, ROTATE_SECRET, UPDATE_CONNECTION } from './operations.js';
import { basicInput, fetchConnection, ok, startApiApp } from './support.js';

const ROUNDS = 5;

let t: TestApp;
let id: string;
before(async () => {
  t = await startApiApp();
  id = ok(await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'Contended' }) })).createConnection.id;
});
after(async () => {
  await t?.close();
});

function split(results: GraphQLResponse[]): { wins: GraphQLResponse[]; conflicts: GraphQLResponse[] } {
  const wins = results.filter((r) => r.errors === undefined);
  const conflicts = results.filter((r) => r.errors?.[0]?.extensions.code === 'CONFLICT');
  assert.equal(wins.length + conflicts.length, results.length, results.map((r) => r.body).join('\n'));
  return { wins, conflicts };
}

test('two concurrent updates with the same expectedVersion: exactly one wins, the other is CONFLICT with currentVersion', async () => {
  for (let round = 0; round < ROUNDS; round += 1) {
    const { version } = await fetchConnection(t, id);
    const names = [`Left ${round}`, `Right ${round}`];
    const results = await Promise.all(
      names.map((name) => t.gql(UPDATE_CONNECTION, { id, input: { name, expectedVersion: version } })),
    );
    const { wins, conflicts } = split(results);
    assert.equal(wins.length, 1, `round ${round}: ${results.map((r) => r.body).join('\n')}`);
    assert.equal(conflicts.length, 1);
    assert.equal(conflicts[0]!.errors![0]!.extensions.currentVersion, version + 1);
    assert.match(conflicts[0]!.errors![0]!.message, /reload it and apply your change again/);
    const winner = (wins[0]!.data as { updateConnection: { version: number; name: string } }).updateConnection;
    assert.equal(winner.version, version + 1);
    const stored = await fetchConnection(t, id);
    assert.equal(stored.version, version + 1);
    assert.equal(stored.name, winner.name, 'the loser wrote nothing');
  }
});

test('rotateSecret racing updateConnection on the same expectedVersion: one wins', async () => {
  for (let round = 0; round < ROUNDS; round += 1) {
    const { version } = await fetchConnection(t, id);
    const results = await Promise.all([
      t.gql(ROTATE_SECRET, { id, input: { secret: `raced-secret-${round}`, expectedVersion: version } }),
      t.gql(UPDATE_CONNECTION, { id, input: { description: `raced ${round}`, expectedVersion: version } }),
    ]);
    const { wins, conflicts } = split(results);
    assert.equal(wins.length, 1, results.map((r) => r.body).join('\n'));
    assert.equal(conflicts[0]!.errors![0]!.extensions.currentVersion, version + 1);
    assert.equal((await fetchConnection(t, id)).version, version + 1);
  }
});

test('without expectedVersion both concurrent updates succeed and the version ends +2', async () => {
  for (let round = 0; round < ROUNDS; round += 1) {
    const { version } = await fetchConnection(t, id);
    const results = await Promise.all([
      t.gql(UPDATE_CONNECTION, { id, input: { description: `free ${round}` } }),
      t.gql(UPDATE_CONNECTION, { id, input: { fromDisplayName: `Free ${round}` } }),
    ]);
    for (const r of results) ok(r);
    const stored = await fetchConnection(t, id);
    assert.equal(stored.version, version + 2);
    assert.equal(stored.description, `free ${round}`, 'neither write is lost');
    assert.equal(stored.fromDisplayName, `Free ${round}`);
  }
});

test('ten concurrent writers on one expectedVersion: exactly one wins', async () => {
  const { version } = await fetchConnection(t, id);
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      t.gql(UPDATE_CONNECTION, { id, input: { name: `Many ${i}`, expectedVersion: version } }),
    ),
  );
  const { wins, conflicts } = split(results);
  assert.equal(wins.length, 1);
  assert.equal(conflicts.length, 9);
  assert.equal((await fetchConnection(t, id)).version, version + 1);
});

/** No response may be a server error: the unique indexes stop the loser of a race as a CONFLICT. */
function assertNoServerError(results: GraphQLResponse[]): void {
  for (const r of results) {
    assert.notEqual(r.errors?.[0]?.extensions.code, 'INTERNAL_SERVER_ERROR', r.body);
    if (r.errors) assert.equal(r.errors[0]!.extensions.code, 'CONFLICT', r.body);
  }
}

test('two concurrent creates with names differing only in case: exactly one wins, the other is CONFLICT on name', async () => {
  for (let round = 0; round < ROUNDS; round += 1) {
    const names = [`Relay ${round}`, `relay ${round}`];
    const results = await Promise.all(names.map((name) => t.gql(CREATE_CONNECTION, { input: basicInput({ name }) })));
    assertNoServerError(results);
    const { wins, conflicts } = split(results);
    assert.equal(wins.length, 1, `round ${round}: ${results.map((r) => r.body).join('\n')}`);
    assert.equal(conflicts.length, 1);
    const error = conflicts[0]!.errors![0]!;
    assert.match(error.message, /choose another name/);
    assert.deepEqual(
      error.extensions.fields?.map((f) => f.path),
      ['name'],
    );
    const [{ n }] = (await t.app.dataSource.query(
      `SELECT count(*)::int AS n FROM connection WHERE type = 'SMTP' AND lower(name) = $1`,
      [`relay ${round}`],
    )) as [{ n: number }];
    assert.equal(n, 1, 'exactly one row with that name');
  }
});

test('two concurrent creates with isDefault: true: each succeeds or is CONFLICT, and at most one connection is marked', async () => {
  let wins = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const results = await Promise.all(
      ['A', 'B'].map((side) =>
        t.gql(CREATE_CONNECTION, { input: basicInput({ name: `Default race ${round} ${side}`, isDefault: true }) }),
      ),
    );
    assertNoServerError(results);
    const outcome = split(results);
    assert.ok(
      outcome.wins.length >= 1,
      `round ${round}: at least one create wins: ${results.map((r) => r.body).join('\n')}`,
    );
    wins += outcome.wins.length;
    for (const conflict of outcome.conflicts) {
      assert.match(conflict.errors![0]!.message, /marked default at the same moment: reload and try again/);
    }
    const marked = (await t.app.dataSource.query(
      `SELECT id FROM connection WHERE type = 'SMTP' AND is_default`,
    )) as Array<{ id: string }>;
    assert.equal(marked.length, 1, `round ${round}: exactly one marked default, got ${marked.length}`);
    const winnerIds = outcome.wins.map((r) => (r.data as { createConnection: { id: string } }).createConnection.id);
    assert.ok(winnerIds.includes(marked[0]!.id), 'the marked one is a connection this round created');
    const [{ n }] = (await t.app.dataSource.query(`SELECT count(*)::int AS n FROM connection WHERE name LIKE $1`, [
      `Default race ${round} %`,
    ])) as [{ n: number }];
    assert.equal(n, outcome.wins.length, 'a refused create stored nothing');
  }
  assert.ok(wins >= ROUNDS);
});
