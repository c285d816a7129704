/**
 * Drift checks: the migrations create exactly what the entities describe (a generated migration would be
 * empty), and the committed schema.graphql is what the code prints.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSchema, printSortedSchema } from '../../src/schema.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t?.close();
});

test('migrations and entities agree: the schema builder has nothing to change', async () => {
  const sql = await t.app.dataSource.driver.createSchemaBuilder().log();
  const up = sql.upQueries.map((q) => q.query);
  assert.deepEqual(up, [], `entities and migrations disagree; a generated migration would run:\n${up.join(';\n')}`);
});

test('the committed schema.graphql is current (regenerate with npm run schema)', async () => {
  // Compiled to <outDir>/test/api, so the repository root is three levels up.
  const committed = readFileSync(path.resolve(__dirname, '../../../schema.graphql'), 'utf8');
  const printed = printSortedSchema(await createSchema());
  assert.equal(printed, committed);
});
