import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { CONNECTION_BY_NAME, CREATE_CONNECTION, DEFAULT_CONNECTION } from '../api/operations.js';
import { IMPORT_CONNECTION, IMPORT_CONNECTIONS, assertOk, basicForm, oauth2Form } from './form-api-fixtures.js';

// Each test needs an empty store. In-memory PGlite is one instance per process (typeorm-pglite), so
// the apps run one after the other, never side by side.
async function withApp(work: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startTestApp();
  try {
    await work(t);
  } finally {
    await t.close();
  }
}

describe('a form named Default becomes the default (API.md rules)', () => {
  it('is the default over an unmarked connection, and the batch answer shows the final defaults', () =>
    withApp(async (t) => {
      // Alone, "Other" is the default (the only connection of its type).
      const other = assertOk(await t.gql(IMPORT_CONNECTION, { form: basicForm({ name: 'Other' }) })).importConnection;
      assert.equal(other.isDefault, true);
      const dry = assertOk(
        await t.gql(IMPORT_CONNECTION, { form: oauth2Form({ name: 'Default' }), dryRun: true }),
      ).importConnection;
      assert.equal(dry.isDefault, true);
      assert.equal(assertOk(await t.gql(DEFAULT_CONNECTION)).defaultConnection.id, other.id);
      // "Default" comes after "Another" in the same batch; both answers reflect the state after the batch.
      const views = assertOk(
        await t.gql(IMPORT_CONNECTIONS, { forms: [basicForm({ name: 'Another' }), oauth2Form({ name: 'Default' })] }),
      ).importConnections;
      assert.deepEqual(
        views.map((v: { name: string; isDefault: boolean }) => [v.name, v.isDefault]),
        [
          ['Another', false],
          ['Default', true],
        ],
      );
      assert.equal(assertOk(await t.gql(DEFAULT_CONNECTION)).defaultConnection.id, views[1].id);
      assert.equal(assertOk(await t.gql(CONNECTION_BY_NAME, { name: 'Other' })).connectionByName.isDefault, false);
    }));

  it('in a batch into an empty store, an earlier form is not shown as default once "Default" follows', () =>
    withApp(async (t) => {
      // Inserted alone, "First" is momentarily the only connection (so the default); the answer is the end state.
      const forms = [basicForm({ name: 'First' }), basicForm({ name: 'Second' }), oauth2Form({ name: 'DEFAULT' })];
      for (const dryRun of [true, false]) {
        const views = assertOk(await t.gql(IMPORT_CONNECTIONS, { forms, dryRun })).importConnections;
        assert.deepEqual(
          views.map((v: { isDefault: boolean }) => v.isDefault),
          [false, false, true],
          `dryRun ${dryRun}`,
        );
      }
      const solo = await t.gql(IMPORT_CONNECTIONS, { forms: [basicForm({ name: 'Solo' })], dryRun: true });
      assert.equal(assertOk(solo).importConnections[0].isDefault, false);
    }));

  it('is not the default while another connection is marked default', () =>
    withApp(async (t) => {
      const marked = assertOk(
        await t.gql(CREATE_CONNECTION, {
          input: {
            name: 'Marked',
            url: 'smtp.acme.com:587',
            fromAddress: 'r@acme.com',
            auth: { basic: { username: 'u', password: 'a long enough password' } },
            isDefault: true,
          },
        }),
      ).createConnection;
      const imported = assertOk(
        await t.gql(IMPORT_CONNECTION, { form: basicForm({ name: 'default' }) }),
      ).importConnection;
      assert.equal(imported.isDefault, false);
      assert.equal(assertOk(await t.gql(DEFAULT_CONNECTION)).defaultConnection.id, marked.id);
    }));
});
