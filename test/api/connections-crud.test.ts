/**
 * Every query and mutation of connections over HTTP: create (Basic, OAuth2), reads, paging and filters,
 * updates field by field with the version counter, the secret binding, rotation, the default rules,
 * delete, and expiring secrets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestApp } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import {
  CONNECTION,
  CONNECTION_BY_NAME,
  CONNECTIONS,
  CREATE_CONNECTION,
  DEFAULT_CONNECTION,
  DELETE_CONNECTION,
  EXPIRING_SECRETS,
  ROTATE_SECRET,
  SEND_TEST_EMAIL,
  SET_DEFAULT,
  UPDATE_CONNECTION,
} from './operations.js';
import {
  assertBadInput,
  assertCode,
  basicInput,
  CLIENT_ID,
  fetchConnection,
  oauth2Input,
  ok,
  startApiApp,
  TENANT_ID,
  TOKEN_URL,
} from './support.js';

const SINK_PASSWORD = 'sink-password-Original';
const DAY = 86_400_000;

let t: TestApp;
let sink: SmtpSink;
let acceptedPassword = SINK_PASSWORD;
before(async () => {
  sink = await startSmtpSink({
    tls: 'starttls',
    onAuth: (attempt) =>
      attempt.password === acceptedPassword ? true : { code: 535, message: '5.7.8 Authentication credentials invalid' },
  });
  t = await startApiApp({ sinkPorts: [sink.port] });
});
after(async () => {
  await t?.close();
  await sink?.close();
});

type Json = any;

async function create(input: Record<string, unknown>): Promise<Json> {
  return ok(await t.gql(CREATE_CONNECTION, { input })).createConnection;
}

async function update(id: string, input: Record<string, unknown>): Promise<Json> {
  return ok(await t.gql(UPDATE_CONNECTION, { id, input })).updateConnection;
}

async function defaultConnection(): Promise<Json> {
  return ok(await t.gql(DEFAULT_CONNECTION, {})).defaultConnection;
}

async function allConnections(): Promise<Json[]> {
  return ok(await t.gql(CONNECTIONS, { first: 200 })).connections.nodes;
}

function sinkInput(name: string, password = SINK_PASSWORD): Record<string, unknown> {
  return basicInput(
    {
      name,
      url: `localhost:${sink.port}`,
      tls: 'STARTTLS',
      caCertificate: sink.ca.certPem,
      fromAddress: 'sender@example.com',
    },
    password,
  );
}

describe('default connection rules (API.md)', () => {
  const ids: Record<string, string> = {};

  test('no connection: defaultConnection is null', async () => {
    assert.equal(await defaultConnection(), null);
  });

  test('exactly one connection: it is the default, and isDefault is true on it', async () => {
    const only = await create(basicInput({ name: 'Alpha' }));
    ids.alpha = only.id;
    assert.equal(only.isDefault, true);
    assert.equal((await defaultConnection()).id, only.id);
  });

  test('two connections, none marked nor named default: null, and isDefault false everywhere', async () => {
    ids.beta = (await create(basicInput({ name: 'Beta' }))).id;
    assert.equal(await defaultConnection(), null);
    assert.ok((await allConnections()).every((c) => c.isDefault === false));
    assert.equal((await fetchConnection(t, ids.alpha!)).isDefault, false);
  });

  test('one named "DEFAULT" (any case) is the default', async () => {
    const named = await create(basicInput({ name: 'DEFAULT' }));
    ids.named = named.id;
    assert.equal(named.isDefault, true);
    assert.equal((await defaultConnection()).id, named.id);
    const flags = (await allConnections()).filter((c) => c.isDefault).map((c) => c.id);
    assert.deepEqual(flags, [named.id]);
    assert.equal(ok(await t.gql(CONNECTION_BY_NAME, { name: 'default' })).connectionByName.id, named.id);
  });

  test('a marked connection beats the one named default; only it has isDefault', async () => {
    const marked = ok(await t.gql(SET_DEFAULT, { id: ids.beta })).setDefaultConnection;
    assert.equal(marked.isDefault, true);
    assert.equal((await defaultConnection()).id, ids.beta);
    const flags = (await allConnections()).filter((c) => c.isDefault).map((c) => c.id);
    assert.deepEqual(flags, [ids.beta]);
    assert.equal((await fetchConnection(t, ids.named!)).isDefault, false);
  });

  test('isDefault at create moves the mark: at most one marked per type', async () => {
    const gamma = await create(basicInput({ name: 'Gamma', isDefault: true }));
    ids.gamma = gamma.id;
    assert.equal(gamma.isDefault, true);
    assert.equal((await defaultConnection()).id, gamma.id);
    assert.equal((await fetchConnection(t, ids.beta!)).isDefault, false);
    const moved = ok(await t.gql(SET_DEFAULT, { id: ids.alpha })).setDefaultConnection;
    assert.equal(moved.isDefault, true);
    assert.deepEqual(
      (await allConnections()).filter((c) => c.isDefault).map((c) => c.id),
      [ids.alpha],
    );
  });

  test('deleting the marked default while others exist is CONFLICT; after marking another it works', async () => {
    const res = await t.gql(DELETE_CONNECTION, { id: ids.alpha });
    const error = assertCode(res, 'CONFLICT');
    assert.match(error.message, /mark another one default first/);
    assert.ok(await fetchConnection(t, ids.alpha!), 'still there');
    ok(await t.gql(SET_DEFAULT, { id: ids.gamma }));
    assert.equal(ok(await t.gql(DELETE_CONNECTION, { id: ids.alpha })).deleteConnection, ids.alpha);
    assert.equal(await fetchConnection(t, ids.alpha!), null);
  });

  test('deleting down to the rules: marked gone → named "Default" → the only one → none', async () => {
    // Gamma is marked: delete the others first, then Gamma as the last-but-one is still marked.
    ok(await t.gql(DELETE_CONNECTION, { id: ids.beta }));
    ok(await t.gql(DELETE_CONNECTION, { id: ids.named }));
    // Gamma alone: deleting the marked default with no others is allowed.
    ok(await t.gql(DELETE_CONNECTION, { id: ids.gamma }));
    assert.equal(await defaultConnection(), null);
    const a = await create(basicInput({ name: 'One' }));
    const b = await create(basicInput({ name: 'default' }));
    assert.equal((await defaultConnection()).id, b.id);
    ok(await t.gql(DELETE_CONNECTION, { id: b.id }));
    assert.equal((await defaultConnection()).id, a.id, 'the only one left');
    ok(await t.gql(DELETE_CONNECTION, { id: a.id }));
    assert.equal(ok(await t.gql(CONNECTIONS, { first: 0 })).connections.totalCount, 0);
  });
});

describe('create and read', () => {
  test('create Basic returns every field, version 1, a write-only password', async () => {
    const c = await create(
      basicInput({ name: 'Basic One', description: 'Monthly reports', fromDisplayName: 'Reports' }, 'short-pass'),
    );
    assert.match(c.id, /^[0-9a-f-]{36}$/);
    assert.equal(c.type, 'SMTP');
    assert.equal(c.name, 'Basic One');
    assert.equal(c.description, 'Monthly reports');
    assert.equal(c.version, 1);
    assert.equal(c.host, 'smtp.example.com');
    assert.equal(c.port, 587);
    assert.equal(c.url, 'smtp.example.com:587');
    assert.equal(c.tls, 'STARTTLS');
    assert.equal(c.caCertificate, null);
    assert.equal(c.fromAddress, 'reports@example.com');
    assert.equal(c.fromDisplayName, 'Reports');
    assert.equal(c.lastTest, null);
    assert.ok(!Number.isNaN(Date.parse(c.createdAt)) && !Number.isNaN(Date.parse(c.updatedAt)));
    assert.equal(c.auth.__typename, 'BasicAuth');
    assert.equal(c.auth.username, 'reports@example.com');
    assert.equal(c.auth.password.isSet, true);
    assert.equal(c.auth.password.hint, null, 'no hint for a secret under 16 characters');
    assert.ok(Date.parse(c.auth.password.updatedAt) > 0);
    assert.equal(c.auth.password.expiresAt, null);
    assert.ok(!JSON.stringify(c).includes('short-pass'));
  });

  test('create OAuth2: defaults for scope and clientAuthType, tenantId from the token URL, hint for a long secret', async () => {
    const expires = new Date(Date.now() + 90 * DAY).toISOString();
    const input = oauth2Input({ name: 'O365 Reports' }, 'Xq8~client-secret-value-Abcd');
    (input.auth as Json).oauth2ClientCredentials.secretExpiresAt = expires;
    const c = await create(input);
    assert.equal(c.auth.__typename, 'OAuth2ClientCredentials');
    assert.equal(c.auth.username, 'reports@contoso.com');
    assert.equal(c.auth.clientId, CLIENT_ID);
    assert.equal(c.auth.tokenUrl, TOKEN_URL);
    assert.equal(c.auth.tenantId, TENANT_ID);
    assert.equal(c.auth.scope, 'https://outlook.office365.com/.default');
    assert.equal(c.auth.clientAuthType, 'SEND_CLIENT_CREDENTIALS_IN_BODY');
    assert.equal(c.auth.clientSecret.isSet, true);
    assert.equal(c.auth.clientSecret.hint, '…Abcd');
    assert.equal(c.auth.clientSecret.expiresAt, expires);
    assert.equal(c.tls, 'STARTTLS');
  });

  test('connection(id): the row; unknown id → null; malformed id → null', async () => {
    const c = await create(basicInput({ name: 'Lookup' }));
    assert.equal((await fetchConnection(t, c.id)).name, 'Lookup');
    assert.equal(await fetchConnection(t, '3f2504e0-4f89-41d3-9a0c-0305e82c3301'), null);
    assert.equal(await fetchConnection(t, 'not-a-uuid'), null);
    assert.equal(await fetchConnection(t, "1' OR '1'='1"), null);
  });

  test('connectionByName matches case-insensitively and trims; unknown → null', async () => {
    const c = await create(basicInput({ name: 'Billing Relay' }));
    for (const name of ['Billing Relay', 'billing relay', 'BILLING RELAY', '  billing relay  ']) {
      assert.equal(ok(await t.gql(CONNECTION_BY_NAME, { name })).connectionByName?.id, c.id, name);
    }
    assert.equal(ok(await t.gql(CONNECTION_BY_NAME, { name: 'Billing', type: 'SMTP' })).connectionByName, null);
  });
});

describe('paging and filters', () => {
  const names = ['pg-echo', 'PG-Alpha', 'pg-delta', 'Pg-Charlie', 'pg-bravo'];
  before(async () => {
    for (const name of names) await create(basicInput({ name, url: `${name.toLowerCase()}.mail.test:587` }));
  });

  test('first/after walk every page in name order (case-insensitive) with totalCount and hasNextPage', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Json = ok(await t.gql(CONNECTIONS, { filter: { search: 'pg-' }, first: 2, after })).connections;
      pages += 1;
      assert.equal(page.totalCount, 5, 'totalCount counts the whole filtered set, not the page');
      seen.push(...page.nodes.map((n: Json) => n.name));
      if (!page.pageInfo.hasNextPage) {
        assert.equal(page.pageInfo.endCursor === null, page.nodes.length === 0);
        break;
      }
      assert.equal(page.nodes.length, 2);
      assert.equal(typeof page.pageInfo.endCursor, 'string');
      after = page.pageInfo.endCursor;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['PG-Alpha', 'pg-bravo', 'Pg-Charlie', 'pg-delta', 'pg-echo']);
  });

  test('the order is stable: the same query twice gives the same pages', async () => {
    const one = ok(await t.gql(CONNECTIONS, { first: 200 })).connections.nodes.map((n: Json) => n.id);
    const two = ok(await t.gql(CONNECTIONS, { first: 200 })).connections.nodes.map((n: Json) => n.id);
    assert.deepEqual(one, two);
    const names = ok(await t.gql(CONNECTIONS, { first: 200 })).connections.nodes.map((n: Json) => n.name.toLowerCase());
    assert.deepEqual(names, [...names].sort());
  });

  test('first: 0 gives only the count', async () => {
    const page = ok(await t.gql(CONNECTIONS, { filter: { search: 'pg-' }, first: 0 })).connections;
    assert.equal(page.totalCount, 5);
    assert.deepEqual(page.nodes, []);
    assert.equal(page.pageInfo.hasNextPage, true);
  });

  test('filter.search matches name, host and from address, ignoring case; % and _ are literal', async () => {
    const byHost = ok(await t.gql(CONNECTIONS, { filter: { search: 'CHARLIE.MAIL.TEST' } })).connections;
    assert.deepEqual(
      byHost.nodes.map((n: Json) => n.name),
      ['Pg-Charlie'],
    );
    const special = await create(basicInput({ name: 'Percent', fromAddress: 'hundred%@example.com' }));
    const byFrom = ok(await t.gql(CONNECTIONS, { filter: { search: 'd%@' } })).connections;
    assert.deepEqual(
      byFrom.nodes.map((n: Json) => n.id),
      [special.id],
    );
    assert.equal(ok(await t.gql(CONNECTIONS, { filter: { search: 'pg_' } })).connections.totalCount, 0);
    assert.equal(ok(await t.gql(CONNECTIONS, { filter: { search: 'no such thing' } })).connections.totalCount, 0);
  });

  test('filter.type SMTP returns SMTP connections; a blank search is no filter', async () => {
    const all = ok(await t.gql(CONNECTIONS, { first: 0 })).connections.totalCount;
    assert.equal(ok(await t.gql(CONNECTIONS, { filter: { type: 'SMTP' }, first: 0 })).connections.totalCount, all);
    assert.equal(ok(await t.gql(CONNECTIONS, { filter: { search: '   ' }, first: 0 })).connections.totalCount, all);
  });
});

describe('updateConnection', () => {
  let id: string;
  before(async () => {
    id = (await create(sinkInput('Updatable'))).id;
  });

  test('each field changes alone, the others stay; version +1 per change', async () => {
    const start = await fetchConnection(t, id);
    const steps: Array<[Record<string, unknown>, (c: Json) => void]> = [
      [{ name: 'Updated Name' }, (c) => assert.equal(c.name, 'Updated Name')],
      [{ description: 'Now described' }, (c) => assert.equal(c.description, 'Now described')],
      [{ fromAddress: 'other@example.com' }, (c) => assert.equal(c.fromAddress, 'other@example.com')],
      [
        { fromDisplayName: 'Reports, "Finance" Ünit' },
        (c) => assert.equal(c.fromDisplayName, 'Reports, "Finance" Ünit'),
      ],
      [{ username: 'new-user@example.com' }, (c) => assert.equal(c.auth.username, 'new-user@example.com')],
      [{ description: '' }, (c) => assert.equal(c.description, null, 'an empty string clears it')],
      [{ fromDisplayName: '' }, (c) => assert.equal(c.fromDisplayName, null)],
    ];
    let previous = start;
    for (const [input, check] of steps) {
      const c = await update(id, input);
      check(c);
      assert.equal(c.version, previous.version + 1, JSON.stringify(input));
      for (const key of ['url', 'tls', 'caCertificate'] as const) assert.equal(c[key], start[key]);
      assert.equal(c.auth.password.updatedAt, start.auth.password.updatedAt, 'the secret was not touched');
      assert.equal(c.createdAt, start.createdAt);
      previous = c;
    }
    await update(id, { username: 'reports@example.com' });
  });

  test('an empty input or the same values change nothing: version stays', async () => {
    const before = await fetchConnection(t, id);
    assert.equal((await update(id, {})).version, before.version);
    assert.equal((await update(id, { name: before.name, fromAddress: before.fromAddress })).version, before.version);
    assert.equal((await update(id, { name: null, description: null })).version, before.version, 'null means unchanged');
  });

  test('omitted secret keeps the stored one: SecretInfo.updatedAt unchanged and the old password still authenticates', async () => {
    const before = await fetchConnection(t, id);
    const c = await update(id, { name: 'Keeps Secret' });
    assert.equal(c.auth.password.updatedAt, before.auth.password.updatedAt);
    const sent = ok(await t.gql(SEND_TEST_EMAIL, { id, to: 'admin@example.com' })).sendTestEmail;
    assert.equal(sent.ok, true, JSON.stringify(sent));
    assert.equal(sink.authAttempts.at(-1)?.password, SINK_PASSWORD);
  });

  for (const [field, value] of [
    ['url', 'evil.example.net:587'],
    ['tls', 'NONE'],
    ['caCertificate', ''],
  ] as const) {
    test(`changing ${field} without secret → BAD_USER_INPUT path secret with the why; nothing written`, async () => {
      const before = await fetchConnection(t, id);
      const res = await t.gql(UPDATE_CONNECTION, { id, input: { [field]: value, name: 'Not Applied' } });
      assertBadInput(
        res,
        'secret',
        'secret is required when url, tls, caCertificate or tokenUrl change',
        'bound to where it is sent',
      );
      const after = await fetchConnection(t, id);
      assert.equal(after.version, before.version);
      assert.equal(after.name, before.name);
      assert.equal(after[field], before[field]);
    });
  }

  test('changing url/tls/caCertificate with a new secret works and re-seals the secret', async () => {
    const before = await fetchConnection(t, id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const c = await update(id, { tls: 'OPPORTUNISTIC', secret: SINK_PASSWORD });
    assert.equal(c.tls, 'OPPORTUNISTIC');
    assert.equal(c.version, before.version + 1);
    assert.ok(Date.parse(c.auth.password.updatedAt) > Date.parse(before.auth.password.updatedAt));
    const back = await update(id, { tls: 'STARTTLS', url: ` localhost:${sink.port} `, secret: SINK_PASSWORD });
    assert.equal(back.tls, 'STARTTLS');
    assert.equal(back.url, `localhost:${sink.port}`);
  });

  test('OAuth2 fields update; tokenUrl needs the secret again; they do not apply to Basic', async () => {
    const o = await create(oauth2Input({ name: 'OAuth2 Updatable' }));
    const newClient = '11111111-2222-4333-8444-555555555555';
    const c = await update(o.id, {
      clientId: newClient,
      scope: 'https://outlook.office365.com/.default',
      clientAuthType: 'BASIC_AUTH_HEADER',
    });
    assert.equal(c.auth.clientId, newClient);
    assert.equal(c.auth.clientAuthType, 'BASIC_AUTH_HEADER');
    assert.equal(c.version, o.version + 1);
    const otherTenant = '5e3c7f1a-8b2d-4c6e-9f0a-1b2c3d4e5f60';
    const newUrl = `https://login.microsoftonline.com/${otherTenant}/oauth2/v2.0/token`;
    assertBadInput(
      await t.gql(UPDATE_CONNECTION, { id: o.id, input: { tokenUrl: newUrl } }),
      'secret',
      'secret is required',
    );
    const moved = await update(o.id, { tokenUrl: newUrl, secret: 'a-brand-new-client-secret-9876' });
    assert.equal(moved.auth.tokenUrl, newUrl);
    assert.equal(moved.auth.tenantId, otherTenant);
    assert.equal(moved.auth.clientSecret.hint, '…9876');
    assertBadInput(
      await t.gql(UPDATE_CONNECTION, { id, input: { clientId: newClient } }),
      'clientId',
      'only to OAuth2',
    );
  });

  test('auth replaces the whole method, Basic → OAuth2 and back, secret included', async () => {
    const b = await create(basicInput({ name: 'Switcher' }, 'basic-pass-1234'));
    const expires = new Date(Date.now() + 30 * DAY).toISOString();
    const o = await update(b.id, {
      auth: {
        oauth2ClientCredentials: {
          username: 'mailbox@contoso.com',
          clientId: CLIENT_ID,
          clientSecret: 'switched-client-secret-WXYZ',
          tokenUrl: TOKEN_URL,
          secretExpiresAt: expires,
        },
      },
    });
    assert.equal(o.version, b.version + 1);
    assert.equal(o.auth.__typename, 'OAuth2ClientCredentials');
    assert.equal(o.auth.username, 'mailbox@contoso.com');
    assert.equal(o.auth.tenantId, TENANT_ID);
    assert.equal(o.auth.scope, 'https://outlook.office365.com/.default');
    assert.equal(o.auth.clientSecret.hint, '…WXYZ');
    assert.equal(o.auth.clientSecret.expiresAt, expires);
    const back = await update(o.id, { auth: { basic: { username: 'back@example.com', password: 'short' } } });
    assert.equal(back.auth.__typename, 'BasicAuth');
    assert.equal(back.auth.password.hint, null);
    assert.equal(back.auth.password.expiresAt, null);
    assert.equal(back.version, b.version + 2);
  });

  test('unknown id → NOT_FOUND; stale expectedVersion → CONFLICT with currentVersion, nothing written', async () => {
    assertCode(
      await t.gql(UPDATE_CONNECTION, { id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', input: { name: 'x' } }),
      'NOT_FOUND',
    );
    assertCode(await t.gql(UPDATE_CONNECTION, { id: 'nope', input: { name: 'x' } }), 'NOT_FOUND');
    const before = await fetchConnection(t, id);
    const res = await t.gql(UPDATE_CONNECTION, { id, input: { name: 'Stale', expectedVersion: before.version - 1 } });
    const error = assertCode(res, 'CONFLICT');
    assert.equal(error.extensions.currentVersion, before.version);
    assert.match(error.message, /reload it/);
    assert.equal((await fetchConnection(t, id)).name, before.name);
    const fresh = await update(id, { name: 'Fresh', expectedVersion: before.version });
    assert.equal(fresh.version, before.version + 1);
  });
});

describe('rotateSecret', () => {
  let id: string;
  before(async () => {
    id = (await create(sinkInput('Rotating', SINK_PASSWORD))).id;
  });

  test('replaces the secret: updatedAt and hint change, expiresAt set, version +1; the new one authenticates', async () => {
    const before = await fetchConnection(t, id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const expires = new Date(Date.now() + 5 * DAY).toISOString();
    const next = 'rotated-password-long-enough-R0t8';
    const c = ok(await t.gql(ROTATE_SECRET, { id, input: { secret: next, expiresAt: expires } })).rotateSecret;
    assert.equal(c.version, before.version + 1);
    assert.equal(c.auth.password.hint, '…R0t8');
    assert.notEqual(c.auth.password.hint, before.auth.password.hint);
    assert.ok(Date.parse(c.auth.password.updatedAt) > Date.parse(before.auth.password.updatedAt));
    assert.equal(c.auth.password.expiresAt, expires);
    acceptedPassword = next;
    const sent = ok(await t.gql(SEND_TEST_EMAIL, { id, to: 'admin@example.com', dryRun: true })).sendTestEmail;
    assert.equal(sent.ok, true, JSON.stringify(sent));
    assert.equal(sink.authAttempts.at(-1)?.password, next);
  });

  test('stale expectedVersion → CONFLICT with currentVersion; the secret is unchanged', async () => {
    const before = await fetchConnection(t, id);
    const error = assertCode(
      await t.gql(ROTATE_SECRET, { id, input: { secret: 'another-password-1', expectedVersion: before.version + 5 } }),
      'CONFLICT',
    );
    assert.equal(error.extensions.currentVersion, before.version);
    const after = await fetchConnection(t, id);
    assert.equal(after.auth.password.updatedAt, before.auth.password.updatedAt);
    assert.equal(after.version, before.version);
  });

  test('verify: a new secret the server refuses is BAD_USER_INPUT and the old one stays', async () => {
    const before = await fetchConnection(t, id);
    const res = await t.gql(ROTATE_SECRET, { id, input: { secret: 'wrong-new-password', verify: true } });
    assertBadInput(res, 'secret', 'did not work', 'the old secret is still stored');
    assert.ok(!res.body.includes('wrong-new-password'));
    const after = await fetchConnection(t, id);
    assert.equal(after.auth.password.updatedAt, before.auth.password.updatedAt);
    const good = ok(await t.gql(ROTATE_SECRET, { id, input: { secret: acceptedPassword, verify: true } })).rotateSecret;
    assert.equal(good.version, before.version + 1);
  });

  test('unknown id → NOT_FOUND', async () => {
    assertCode(
      await t.gql(ROTATE_SECRET, { id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', input: { secret: 'abcdefgh' } }),
      'NOT_FOUND',
    );
  });
});

describe('deleteConnection', () => {
  test('deletes and returns the id; then it is gone everywhere', async () => {
    const c = await create(basicInput({ name: 'Doomed' }));
    assert.equal(ok(await t.gql(DELETE_CONNECTION, { id: c.id, expectedVersion: c.version })).deleteConnection, c.id);
    assert.equal(await fetchConnection(t, c.id), null);
    assert.equal(ok(await t.gql(CONNECTION_BY_NAME, { name: 'Doomed' })).connectionByName, null);
    assertCode(await t.gql(DELETE_CONNECTION, { id: c.id }), 'NOT_FOUND');
  });

  test('unknown or malformed id → NOT_FOUND; stale expectedVersion → CONFLICT and nothing deleted', async () => {
    assertCode(await t.gql(DELETE_CONNECTION, { id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }), 'NOT_FOUND');
    assertCode(await t.gql(DELETE_CONNECTION, { id: 'garbage' }), 'NOT_FOUND');
    const c = await create(basicInput({ name: 'Versioned Delete' }));
    const error = assertCode(await t.gql(DELETE_CONNECTION, { id: c.id, expectedVersion: 7 }), 'CONFLICT');
    assert.equal(error.extensions.currentVersion, 1);
    assert.ok(await fetchConnection(t, c.id));
  });

  test('setDefaultConnection on an unknown id → NOT_FOUND', async () => {
    assertCode(await t.gql(SET_DEFAULT, { id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }), 'NOT_FOUND');
  });
});

describe('expiringSecrets', () => {
  test('within the window or already expired, soonest first; later ones only in a wider window', async () => {
    const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
    const make = async (name: string, days: number) => {
      const input = oauth2Input({ name });
      (input.auth as Json).oauth2ClientCredentials.secretExpiresAt = at(days);
      return (await create(input)).id as string;
    };
    const in10 = await make('exp-in-10', 10);
    const expired = await make('exp-expired', -2);
    const in60 = await make('exp-in-60', 60);
    const basic = (await create(basicInput({ name: 'exp-basic-5' }))).id as string;
    ok(await t.gql(ROTATE_SECRET, { id: basic, input: { secret: 'password-with-expiry', expiresAt: at(5) } }));
    await create(oauth2Input({ name: 'exp-never' }));

    const mine = (list: Json[]) => list.filter((c) => c.name.startsWith('exp-')).map((c) => c.id);
    const within30 = ok(await t.gql(EXPIRING_SECRETS, { withinDays: 30 })).expiringSecrets;
    assert.deepEqual(mine(within30), [expired, basic, in10]);
    const byDefault = ok(await t.gql(EXPIRING_SECRETS, {})).expiringSecrets;
    assert.deepEqual(mine(byDefault), [expired, basic, in10], 'withinDays defaults to 30');
    const within90 = ok(await t.gql(EXPIRING_SECRETS, { withinDays: 90 })).expiringSecrets;
    assert.deepEqual(mine(within90), [expired, basic, in10, in60]);
    const zero = ok(await t.gql(EXPIRING_SECRETS, { withinDays: 0 })).expiringSecrets;
    assert.deepEqual(mine(zero), [expired]);
    const expiredRow = within30.find((c: Json) => c.id === expired);
    assert.ok(Date.parse(expiredRow.auth.clientSecret.expiresAt) < Date.now());
  });
});

test('reads return the same shape as CONNECTION query', async () => {
  const c = await create(basicInput({ name: 'Shape' }));
  const read = ok(await t.gql(CONNECTION, { id: c.id })).connection;
  assert.deepEqual(read, c);
});

describe('explicit null for an argument or input field with a default means the default (API.md)', () => {
  const SIGNATURES = `query {
    connections(first: null) { totalCount pageInfo { hasNextPage } nodes { id } }
    defaultConnection(type: null) { id }
    byName: connectionByName(name: "Shape", type: null) { id }
    expiringSecrets(withinDays: null) { id }
  }`;

  test('connections(first: null) is a page of 50; defaultConnection/connectionByName(type: null) read SMTP; expiringSecrets(withinDays: null) is 30 days', async () => {
    // The rules above deleted every default; mark one so that the comparison means something.
    const defaultId = (await create(basicInput({ name: 'Marked for nulls', isDefault: true }))).id as string;
    assert.equal((await defaultConnection()).id, defaultId);
    let total = ok(await t.gql(CONNECTIONS, { first: 0 })).connections.totalCount as number;
    for (; total <= 50; total += 1) await create(basicInput({ name: `Filler ${total}` }));
    const literal = ok(await t.gql(SIGNATURES));
    assert.equal(literal.connections.nodes.length, 50, 'first: null pages by the default 50');
    assert.equal(literal.connections.pageInfo.hasNextPage, true);
    assert.equal(literal.connections.totalCount, total);
    const viaVariable = ok(await t.gql(CONNECTIONS, { first: null })).connections;
    assert.deepEqual(
      viaVariable.nodes.map((n: Json) => n.id),
      literal.connections.nodes.map((n: Json) => n.id),
    );
    assert.equal(literal.defaultConnection.id, defaultId);
    assert.equal(ok(await t.gql(DEFAULT_CONNECTION, { type: null })).defaultConnection.id, defaultId);
    const shape = ok(await t.gql(CONNECTION_BY_NAME, { name: 'Shape' })).connectionByName;
    assert.equal(literal.byName.id, shape.id);
    assert.deepEqual(
      literal.expiringSecrets.map((c: Json) => c.id),
      ok(await t.gql(EXPIRING_SECRETS, { withinDays: 30 })).expiringSecrets.map((c: Json) => c.id),
    );
    assert.ok(literal.expiringSecrets.length >= 3, 'the window is not empty, so the comparison means something');
  });

  test('sendTestEmail(dryRun: null) and testConnectionSettings(dryRun: null) send a message (dryRun false)', async () => {
    const c = await create(sinkInput('Null dry run', acceptedPassword));
    const delivered = sink.messages.length;
    const sent = ok(await t.gql(SEND_TEST_EMAIL, { id: c.id, to: 'admin@example.com', dryRun: null })).sendTestEmail;
    assert.equal(sent.ok, true, JSON.stringify(sent));
    assert.equal(sent.stage, 'DONE');
    assert.ok(sent.messageId, 'a message was sent');
    assert.equal(sink.messages.length, delivered + 1);
    const literal = ok(
      await t.gql(
        `mutation($id: ID!) { sendTestEmail(id: $id, to: "admin@example.com", dryRun: null) { ok messageId } }`,
        {
          id: c.id,
        },
      ),
    ).sendTestEmail;
    assert.equal(literal.ok, true);
    assert.ok(literal.messageId);
    assert.equal(sink.messages.length, delivered + 2);
    const tested = ok(
      await t.gql(
        `mutation($input: CreateConnectionInput!) {
          testConnectionSettings(input: $input, to: "admin@example.com", dryRun: null) { ok stage messageId }
        }`,
        { input: sinkInput('Null dry run unsaved', acceptedPassword) },
      ),
    ).testConnectionSettings;
    assert.equal(tested.ok, true, JSON.stringify(tested));
    assert.ok(tested.messageId);
    assert.equal(sink.messages.length, delivered + 3);
    // The control: dryRun: true sends nothing, so the counts above are not vacuous.
    ok(await t.gql(SEND_TEST_EMAIL, { id: c.id, to: 'admin@example.com', dryRun: true }));
    assert.equal(sink.messages.length, delivered + 3);
  });

  test('createConnection with scope, clientAuthType, isDefault and type null stores the defaults', async () => {
    const markedBefore = (await allConnections()).filter((c) => c.isDefault).map((c) => c.id);
    const input = oauth2Input({ name: 'Nulls OAuth2', type: null, isDefault: null });
    Object.assign((input.auth as Json).oauth2ClientCredentials, { scope: null, clientAuthType: null });
    const c = await create(input);
    assert.equal(c.type, 'SMTP');
    assert.equal(c.auth.scope, 'https://outlook.office365.com/.default');
    assert.equal(c.auth.clientAuthType, 'SEND_CLIENT_CREDENTIALS_IN_BODY');
    assert.equal(c.isDefault, false);
    const [row] = (await t.app.dataSource.query(
      'SELECT type, is_default AS "isDefault", scope, client_auth_type AS "clientAuthType" FROM connection WHERE id = $1',
      [c.id],
    )) as Json[];
    assert.deepEqual(
      { ...row },
      {
        type: 'SMTP',
        isDefault: false,
        scope: 'https://outlook.office365.com/.default',
        clientAuthType: 'SEND_CLIENT_CREDENTIALS_IN_BODY',
      },
    );
    const markedAfter = (await allConnections()).filter((c) => c.isDefault).map((c) => c.id);
    assert.deepEqual(markedAfter, markedBefore, 'isDefault: null does not move the mark');
    // Inline literals too.
    const inline = ok(
      await t.gql(`mutation {
        createConnection(input: {
          name: "Nulls inline", type: null, isDefault: null, url: "smtp.example.com:587", fromAddress: "a@example.com",
          auth: { oauth2ClientCredentials: {
            username: "a@example.com", clientId: "${CLIENT_ID}", clientSecret: "inline-secret-value-1234",
            tokenUrl: "${TOKEN_URL}", scope: null, clientAuthType: null } }
        }) { type ... on SmtpConnection { auth { ... on OAuth2ClientCredentials { scope clientAuthType } } } }
      }`),
    ).createConnection;
    assert.deepEqual(inline, {
      type: 'SMTP',
      auth: { scope: 'https://outlook.office365.com/.default', clientAuthType: 'SEND_CLIENT_CREDENTIALS_IN_BODY' },
    });
  });

  test('rotateSecret(input: { secret, verify: null }) does not verify', async () => {
    const c = await create(sinkInput('Null verify', acceptedPassword));
    const attempts = sink.authAttempts.length;
    // The sink refuses this password: a verification would be BAD_USER_INPUT.
    const rotated = ok(
      await t.gql(ROTATE_SECRET, { id: c.id, input: { secret: 'refused-by-the-sink-Nv01', verify: null } }),
    ).rotateSecret;
    assert.equal(rotated.version, c.version + 1);
    assert.equal(rotated.auth.password.hint, '…Nv01');
    assert.equal(sink.authAttempts.length, attempts, 'no login was attempted');
    // The control: verify: true with the same refused password does log in and is refused.
    const verified = await t.gql(ROTATE_SECRET, {
      id: c.id,
      input: { secret: 'refused-by-the-sink-Nv02', verify: true },
    });
    assertBadInput(verified, 'secret', 'did not work');
    assert.equal(sink.authAttempts.length, attempts + 1);
  });
});

test('schema.graphql declares every argument and input field with a default as nullable, as API.md does', () => {
  // Compiled to <outDir>/test/api, so the repository root is three levels up.
  const schema = readFileSync(path.resolve(__dirname, '../../../schema.graphql'), 'utf8');
  const lines = new Set(schema.split('\n').map((line) => line.trim()));
  for (const signature of [
    'connections(after: String, filter: ConnectionFilter, first: Int = 50): ConnectionList!',
    'connectionByName(name: String!, type: ConnectionType = SMTP): Connection',
    'defaultConnection(type: ConnectionType = SMTP): Connection',
    'expiringSecrets(withinDays: Int = 30): [Connection!]!',
    'connectionHistory(after: String, first: Int = 50, id: ID!): [AuditEvent!]!',
    'auditEvents(after: String, filter: AuditEventFilter, first: Int = 50): [AuditEvent!]!',
    'sendTestEmail(dryRun: Boolean = false, id: ID!, to: EmailAddress!): TestEmailResult!',
    'testConnectionSettings(dryRun: Boolean = false, input: CreateConnectionInput!, to: EmailAddress!): TestEmailResult!',
    'importConnection(dryRun: Boolean = false, form: ConnectionFormInput!): Connection!',
    'importConnections(dryRun: Boolean = false, forms: [ConnectionFormInput!]!): [Connection!]!',
  ]) {
    assert.ok(lines.has(signature), `schema.graphql lacks the line: ${signature}`);
  }
  const fieldsOf = (input: string): string[] => {
    const match = new RegExp(`\\ninput ${input} \\{\\n([\\s\\S]*?)\\n\\}`).exec(schema);
    assert.ok(match, `input ${input} is in schema.graphql`);
    return match[1]!.split('\n').map((line) => line.trim());
  };
  assert.ok(fieldsOf('CreateConnectionInput').includes('isDefault: Boolean = false'));
  assert.ok(fieldsOf('CreateConnectionInput').includes('type: ConnectionType = SMTP'));
  assert.ok(
    fieldsOf('OAuth2ClientCredentialsInput').includes('scope: String = "https://outlook.office365.com/.default"'),
  );
  assert.ok(
    fieldsOf('OAuth2ClientCredentialsInput').includes(
      'clientAuthType: ClientAuthType = SEND_CLIENT_CREDENTIALS_IN_BODY',
    ),
  );
  assert.ok(fieldsOf('RotateSecretInput').includes('verify: Boolean = false'));
  const nonNullWithDefault = schema.split('\n').filter((line) => /!\s*=/.test(line));
  assert.deepEqual(nonNullWithDefault, [], 'no argument or field is both non-null and defaulted');
});
