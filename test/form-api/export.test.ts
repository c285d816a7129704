import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestCa } from '../helpers/test-ca.js';
import { CONNECTION, CREATE_CONNECTION, UPDATE_CONNECTION } from '../api/operations.js';
import {
  CLIENT_ID,
  EXPORT_CONNECTION,
  EXPORT_CONNECTIONS,
  IMPORT_CONNECTION,
  TOKEN_URL,
  assertOk,
  errorOf,
} from './form-api-fixtures.js';

let t: TestApp;
let caPem: string;
before(async () => {
  t = await startTestApp();
  caPem = createTestCa('Round Trip CA').certPem;
});
after(async () => {
  await t.close();
});

// Upper-case tails cannot occur by chance in lower-case UUIDs or timestamps of the response.
const BASIC_PASSWORD = 'canary-basic-Password-7f3eQZJK';
const CLIENT_SECRET = 'canary.client~Secret-91bdXWVU';

type Settings = Record<string, unknown>;

/** Every settings field of a connection; identity, timestamps and the secret's updatedAt left out. */
function settingsOf(c: Record<string, any>): Settings {
  const secretKey = c.auth.__typename === 'BasicAuth' ? 'password' : 'clientSecret';
  const { updatedAt: _updated, ...secret } = c.auth[secretKey];
  return {
    type: c.type,
    description: c.description,
    host: c.host,
    port: c.port,
    url: c.url,
    tls: c.tls,
    caCertificate: c.caCertificate,
    fromAddress: c.fromAddress,
    fromDisplayName: c.fromDisplayName,
    auth: { ...c.auth, [secretKey]: secret },
  };
}

async function create(input: Record<string, unknown>): Promise<Record<string, any>> {
  return assertOk(await t.gql(CREATE_CONNECTION, { input })).createConnection;
}

async function exportForm(id: string): Promise<Record<string, any>> {
  const res = await t.gql(EXPORT_CONNECTION, { id });
  assert.ok(!res.body.includes(BASIC_PASSWORD) && !res.body.includes(CLIENT_SECRET), res.body);
  return assertOk(res).exportConnection;
}

/** Export, then import the form under a new name with the password supplied; the settings must be equal. */
async function roundTrip(original: Record<string, any>, password: string): Promise<Record<string, any>> {
  const form = await exportForm(original.id);
  const imported = assertOk(
    await t.gql(IMPORT_CONNECTION, { form: { ...form, name: `${original.name} copy`, password } }),
  ).importConnection;
  assert.notEqual(imported.id, original.id);
  assert.equal(imported.name, `${original.name} copy`);
  assert.deepEqual(settingsOf(imported), settingsOf(original));
  return form;
}

describe('round trip: exportConnection then importConnection gives an equal connection', () => {
  it('Basic, documented keys only', async () => {
    const original = await create({
      name: 'RT Basic',
      description: 'Line one\nLine two',
      url: 'smtp.acme.com:587',
      fromAddress: 'reports@acme.com',
      fromDisplayName: 'Reports, "Finance" Ünit',
      auth: { basic: { username: 'reports@acme.com', password: BASIC_PASSWORD } },
    });
    const form = await roundTrip(original, BASIC_PASSWORD);
    assert.deepEqual(form, {
      type: 'SMTP',
      name: 'RT Basic',
      description: 'Line one\nLine two',
      url: 'smtp.acme.com:587',
      userName: 'reports@acme.com',
      configuration: '{"UseSsl":true,"FromDisplayName":"Reports, \\"Finance\\" Ünit","FromAddress":"reports@acme.com"}',
    });
  });

  it('Basic with what only the extension keys can say: NONE, a private CA, an IPv6 host', async () => {
    const none = await create({
      name: 'RT None',
      url: '[2606:4700:4700::1111]:25',
      tls: 'NONE',
      fromAddress: 'reports@acme.com',
      auth: { basic: { username: 'relay', password: BASIC_PASSWORD } },
    });
    const noneForm = await roundTrip(none, BASIC_PASSWORD);
    assert.equal(JSON.parse(noneForm.configuration).TlsMode, 'NONE');
    const withCa = await create({
      name: 'RT CA',
      url: 'smtp.acme.com:2525',
      tls: 'IMPLICIT_TLS',
      caCertificate: caPem,
      fromAddress: 'reports@acme.com',
      auth: { basic: { username: 'relay', password: BASIC_PASSWORD } },
    });
    const caForm = await roundTrip(withCa, BASIC_PASSWORD);
    assert.equal(JSON.parse(caForm.configuration).CaCertificate, withCa.caCertificate);
  });

  it('OAuth2, with a header-style ClientAuthType', async () => {
    const original = await create({
      name: 'RT OAuth2',
      url: 'smtp.office365.com:587',
      fromAddress: 'reports@acme.com',
      fromDisplayName: 'ACME Reporting',
      auth: {
        oauth2ClientCredentials: {
          username: 'reports@acme.com',
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          tokenUrl: TOKEN_URL,
          clientAuthType: 'BASIC_AUTH_HEADER',
        },
      },
    });
    const form = await roundTrip(original, CLIENT_SECRET);
    assert.deepEqual(JSON.parse(form.configuration), {
      UseSsl: true,
      FromDisplayName: 'ACME Reporting',
      FromAddress: 'reports@acme.com',
      GrantType: 'ClientCredentials',
      AuthType: 'OAuth2',
      ClientID: CLIENT_ID,
      Scope: 'https://outlook.office365.com/.default',
      TokenUrl: TOKEN_URL,
      ClientAuthType: 'SendClientCredentialsInHeader',
    });
  });
});

describe('export', () => {
  it('never contains the password, the client secret or any secret info', async () => {
    const c = await create({
      name: 'Canary',
      url: 'smtp.office365.com:587',
      fromAddress: 'reports@acme.com',
      auth: {
        oauth2ClientCredentials: {
          username: 'reports@acme.com',
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          tokenUrl: TOKEN_URL,
          secretExpiresAt: '2031-02-03T04:05:06.000Z',
        },
      },
    });
    const stored = assertOk(await t.gql(CONNECTION, { id: c.id })).connection;
    const hint = stored.auth.clientSecret.hint as string;
    assert.equal(hint, '…XWVU');
    for (const res of [await t.gql(EXPORT_CONNECTION, { id: c.id }), await t.gql(EXPORT_CONNECTIONS)]) {
      assert.equal(res.errors, undefined, res.body);
      for (const forbidden of [CLIENT_SECRET, BASIC_PASSWORD, 'XWVU', 'QZJK', '2031-02-03', 'isSet', 'hint']) {
        assert.ok(!res.body.includes(forbidden), `export contains ${forbidden}: ${res.body}`);
      }
    }
    const form = assertOk(await t.gql(EXPORT_CONNECTION, { id: c.id })).exportConnection;
    const keys = Object.keys(JSON.parse(form.configuration));
    assert.deepEqual(keys, [
      'UseSsl',
      'FromAddress',
      'GrantType',
      'AuthType',
      'ClientID',
      'Scope',
      'TokenUrl',
      'ClientAuthType',
    ]);
    assert.ok(!t.logs.some((line) => line.includes(CLIENT_SECRET) || line.includes(BASIC_PASSWORD)));
  });

  it('exportConnection of an unknown id is NOT_FOUND', async () => {
    for (const id of ['7d1f0c2e-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await t.gql(EXPORT_CONNECTION, { id });
      const error = errorOf(res, 'NOT_FOUND');
      assert.ok(error.message.includes(id), error.message);
    }
  });

  it('exportConnections honours the filter and sorts by name', async () => {
    await create({
      name: 'Filter Zulu',
      description: 'needle',
      url: 'smtp.acme.com:587',
      fromAddress: 'reports@acme.com',
      auth: { basic: { username: 'u', password: BASIC_PASSWORD } },
    });
    await create({
      name: 'Filter alpha',
      url: 'needle.acme.com:587',
      fromAddress: 'reports@acme.com',
      auth: { basic: { username: 'u', password: BASIC_PASSWORD } },
    });
    const found = assertOk(await t.gql(EXPORT_CONNECTIONS, { filter: { search: 'NEEDLE' } })).exportConnections;
    assert.deepEqual(
      found.map((f: { name: string }) => f.name),
      ['Filter alpha', 'Filter Zulu'],
    );
    const all = assertOk(await t.gql(EXPORT_CONNECTIONS, { filter: { type: 'SMTP' } })).exportConnections;
    const unfiltered = assertOk(await t.gql(EXPORT_CONNECTIONS)).exportConnections;
    assert.deepEqual(all, unfiltered);
    assert.ok(all.length >= 8, `${all.length}`);
    assert.deepEqual(
      assertOk(await t.gql(EXPORT_CONNECTIONS, { filter: { search: 'no such thing' } })).exportConnections,
      [],
    );
  });

  it('reflects updates: an exported form shows the current settings', async () => {
    const c = await create({
      name: 'Updated',
      url: 'smtp.acme.com:587',
      fromAddress: 'reports@acme.com',
      auth: { basic: { username: 'u', password: BASIC_PASSWORD } },
    });
    assertOk(
      await t.gql(UPDATE_CONNECTION, {
        id: c.id,
        input: { fromDisplayName: 'New Name', description: 'now described' },
      }),
    );
    const form = await exportForm(c.id);
    assert.equal(form.description, 'now described');
    assert.equal(JSON.parse(form.configuration).FromDisplayName, 'New Name');
  });
});
