import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { CONNECTION_BY_NAME } from '../api/operations.js';
import {
  DOCUMENTED_OAUTH2_CONFIGURATION,
  IMPORT_CONNECTION,
  IMPORT_CONNECTIONS,
  OAUTH2_CONFIG,
  TENANT_ID,
  TOTAL_COUNT,
  assertFieldError,
  assertOk,
  basicForm,
  errorOf,
  oauth2Form,
  oauth2With,
  pathsOf,
  withConfiguration,
  type FormVars,
} from './form-api-fixtures.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t.close();
});

async function total(): Promise<number> {
  return assertOk(await t.gql(TOTAL_COUNT)).connections.totalCount;
}

/** 50 valid forms, Basic and OAuth2 alternating, named `${prefix} 0` … `${prefix} 49`. */
function fiftyForms(prefix: string): FormVars[] {
  return Array.from({ length: 50 }, (_, i) =>
    i % 2 === 0 ? basicForm({ name: `${prefix} ${i}` }) : oauth2Form({ name: `${prefix} ${i}` }),
  );
}

const DISALLOWED_TOKEN_URL = `https://login.example.com/${TENANT_ID}/oauth2/v2.0/token`;

describe('importConnections: all or nothing', () => {
  it('stores none of 50 forms when the one at index 17 is bad, and reports forms[17].configuration.TokenUrl', async () => {
    const before = await total();
    const forms = fiftyForms('Batch A');
    forms[17] = oauth2With({ ...OAUTH2_CONFIG, TokenUrl: DISALLOWED_TOKEN_URL }, { name: 'Batch A 17' });
    const res = await t.gql(IMPORT_CONNECTIONS, { forms });
    assert.deepEqual(pathsOf(res), ['forms[17].configuration.TokenUrl'], res.body);
    assertFieldError(res, 'forms[17].configuration.TokenUrl', 'not an allowed token host');
    assert.equal(await total(), before);
    assert.equal(assertOk(await t.gql(CONNECTION_BY_NAME, { name: 'Batch A 0' })).connectionByName, null);
  });

  it('reports every bad form at once, each under its index', async () => {
    const forms = fiftyForms('Batch B');
    forms[3] = withConfiguration({ UseSSl2: true, FromAddress: 'r@acme.com' }, { name: 'Batch B 3' });
    forms[17] = oauth2Form({ name: 'Batch B 17', configuration: DOCUMENTED_OAUTH2_CONFIGURATION });
    forms[42] = basicForm({ name: 'Batch B 42', userName: null, url: 'smtp.acme.com' });
    const before = await total();
    const res = await t.gql(IMPORT_CONNECTIONS, { forms });
    assert.deepEqual(pathsOf(res), [
      'forms[17].configuration.ClientID',
      'forms[17].configuration.TokenUrl',
      'forms[3].configuration.UseSSl2',
      'forms[42].userName',
    ]);
    assertFieldError(res, 'forms[3].configuration.UseSSl2', 'did you mean "UseSsl"?');
    assertFieldError(res, 'forms[17].configuration.TokenUrl', 'YOUR_TENANT_ID');
    assert.equal(await total(), before);
  });

  it('applies the form rules per item with the index: forms[5].name', async () => {
    const forms = fiftyForms('Batch C');
    forms[5] = basicForm({ name: `Batch C 5\u0000` });
    const res = await t.gql(IMPORT_CONNECTIONS, { forms });
    assertFieldError(res, 'forms[5].name', 'control characters');
    assert.ok(
      pathsOf(res).every((p) => p.startsWith('forms[5].')),
      res.body,
    );
  });

  it('stores all 50 in one go when all are good', async () => {
    const before = await total();
    const res = await t.gql(IMPORT_CONNECTIONS, { forms: fiftyForms('Batch D') });
    const views = assertOk(res).importConnections;
    assert.equal(views.length, 50);
    assert.deepEqual(
      views.map((v: { name: string }) => v.name),
      fiftyForms('Batch D').map((f) => f.name),
    );
    assert.equal(views[1].auth.__typename, 'OAuth2ClientCredentials');
    assert.equal(await total(), before + 50);
  });

  it('a name clash with a stored connection is CONFLICT on forms[i].name naming it; nothing stored', async () => {
    const existing = assertOk(
      await t.gql(IMPORT_CONNECTION, { form: basicForm({ name: 'Payroll' }) }),
    ).importConnection;
    const before = await total();
    const forms = fiftyForms('Batch E');
    forms[17] = oauth2Form({ name: 'PAYROLL' });
    const res = await t.gql(IMPORT_CONNECTIONS, { forms });
    const error = errorOf(res, 'CONFLICT');
    assert.deepEqual(
      error.fields.map((f) => f.path),
      ['forms[17].name'],
    );
    assert.ok(error.message.startsWith('forms[17]: '), error.message);
    assert.ok(error.message.includes('"Payroll"') && error.message.includes(existing.id), error.message);
    assert.equal(await total(), before);
  });

  it('two forms of the batch named "Default" and "default" are CONFLICT on the second one', async () => {
    const before = await total();
    const forms = [basicForm({ name: 'Batch F' }), basicForm({ name: 'Default' }), oauth2Form({ name: ' default ' })];
    const res = await t.gql(IMPORT_CONNECTIONS, { forms });
    const error = errorOf(res, 'CONFLICT');
    assert.deepEqual(
      error.fields.map((f) => f.path),
      ['forms[2].name'],
    );
    assert.ok(error.message.includes('forms[1]'), error.message);
    assert.equal(await total(), before);
  });

  it('dryRun validates the whole batch, returns what would be created, and stores nothing', async () => {
    const before = await total();
    const views = assertOk(
      await t.gql(IMPORT_CONNECTIONS, { forms: fiftyForms('Batch G'), dryRun: true }),
    ).importConnections;
    assert.equal(views.length, 50);
    assert.equal(new Set(views.map((v: { id: string }) => v.id)).size, 50);
    assert.ok(views.every((v: { version: number }) => v.version === 1));
    assert.equal(await total(), before);
    assert.equal(assertOk(await t.gql(CONNECTION_BY_NAME, { name: 'Batch G 0' })).connectionByName, null);

    const bad = fiftyForms('Batch G');
    bad[17] = oauth2With({ ...OAUTH2_CONFIG, TokenUrl: DISALLOWED_TOKEN_URL }, { name: 'Batch G 17' });
    assert.deepEqual(pathsOf(await t.gql(IMPORT_CONNECTIONS, { forms: bad, dryRun: true })), [
      'forms[17].configuration.TokenUrl',
    ]);
    const dup = [basicForm({ name: 'Batch H' }), basicForm({ name: 'batch h' })];
    assert.deepEqual(
      errorOf(await t.gql(IMPORT_CONNECTIONS, { forms: dup, dryRun: true }), 'CONFLICT').fields.map((f) => f.path),
      ['forms[1].name'],
    );
    assert.equal(await total(), before);
  });
});
