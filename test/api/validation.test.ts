/**
 * Every input field fed garbage over HTTP: exact BAD_USER_INPUT with the field path relative to the
 * argument, a message that says how to fix it, nothing written, and no secret echoed back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type GraphQLResponse, type TestApp } from '../helpers/test-app.js';
import {
  CONNECTIONS,
  CREATE_CONNECTION,
  EXPIRING_SECRETS,
  ROTATE_SECRET,
  SEND_TEST_EMAIL,
  TEST_CONNECTION_SETTINGS,
  UPDATE_CONNECTION,
} from './operations.js';
import {
  assertBadInput,
  assertCode,
  assertNoSecret,
  basicInput,
  fetchConnection,
  oauth2Input,
  ok,
  TOKEN_URL,
  startApiApp,
  totalCount,
} from './support.js';

const CANARY = 'VALIDATION-CANARY-5b1e9c0d';
const LONG_PASSWORD = 'stored-password-with-hint-Q9xZ';

let t: TestApp;
let basicId: string;
let oauthId: string;
before(async () => {
  t = await startApiApp();
  basicId = ok(await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'Existing Basic' }, LONG_PASSWORD) }))
    .createConnection.id;
  oauthId = ok(await t.gql(CREATE_CONNECTION, { input: oauth2Input({ name: 'Existing OAuth2' }) })).createConnection.id;
});
after(async () => {
  await t?.close();
});

interface Case {
  name: string;
  /** Sends the garbage; a canary secret rides along wherever the operation carries one. */
  send: () => Promise<GraphQLResponse>;
  path: string;
  fragments: Array<string | RegExp>;
  /** A value that must not appear anywhere in the response (defaults to the canary). */
  secret?: string;
}

const create =
  (overrides: Record<string, unknown>, password = CANARY) =>
  () =>
    t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'New one', ...overrides }, password) });
const createOAuth2 = (member: Record<string, unknown>) => () =>
  t.gql(CREATE_CONNECTION, {
    input: {
      ...oauth2Input({ name: 'New OAuth2' }),
      auth: {
        oauth2ClientCredentials: {
          username: 'reports@contoso.com',
          clientId: '0b7d8a4e-3c1f-4a55-9e2d-6f1b2c3d4e5f',
          clientSecret: CANARY,
          tokenUrl: TOKEN_URL,
          ...member,
        },
      },
    },
  });
const update =
  (input: Record<string, unknown>, id = () => basicId) =>
  () =>
    t.gql(UPDATE_CONNECTION, { id: id(), input });
const settings =
  (overrides: Record<string, unknown>, to = 'admin@example.com') =>
  () =>
    t.gql(TEST_CONNECTION_SETTINGS, { input: basicInput({ name: 'Unsaved', ...overrides }, CANARY), to });

const PORT_EXAMPLE = 'e.g. smtp.example.com:587';

const createCases: Case[] = [
  {
    name: 'url without a port',
    send: create({ url: 'smtp.example.com' }),
    path: 'url',
    fragments: ['port is required', '587'],
  },
  {
    name: 'url with a scheme',
    send: create({ url: 'smtp://smtp.example.com:587' }),
    path: 'url',
    fragments: ['drop the scheme "smtp://"'],
  },
  { name: 'url unbracketed IPv6', send: create({ url: '::1:25' }), path: 'url', fragments: ['[::1]:25', 'brackets'] },
  {
    name: 'url port out of range',
    send: create({ url: 'smtp.example.com:70000' }),
    path: 'url',
    fragments: ['1 to 65535'],
  },
  { name: 'url port zero', send: create({ url: 'smtp.example.com:0' }), path: 'url', fragments: ['1 to 65535'] },
  {
    name: 'url port not a number',
    send: create({ url: 'smtp.example.com:smtp' }),
    path: 'url',
    fragments: ['must be a number'],
  },
  {
    name: 'url with spaces inside',
    send: create({ url: 'smtp.exa mple.com:587' }),
    path: 'url',
    fragments: ['remove the spaces'],
  },
  { name: 'url empty', send: create({ url: '' }), path: 'url', fragments: ['hostname:port', PORT_EXAMPLE] },
  {
    name: 'url with a path',
    send: create({ url: 'smtp.example.com:587/submit' }),
    path: 'url',
    fragments: ['without a path'],
  },
  {
    name: 'url bracketed IPv6 without port',
    send: create({ url: '[::1]' }),
    path: 'url',
    fragments: ['port is required', '[::1]:587'],
  },
  {
    name: 'url bad hostname',
    send: create({ url: 'smtp_ex!ample.com:587' }),
    path: 'url',
    fragments: ['not a valid hostname'],
  },
  { name: 'name empty', send: create({ name: '' }), path: 'name', fragments: ['name must not be empty'] },
  { name: 'name only spaces', send: create({ name: '   ' }), path: 'name', fragments: ['name must not be empty'] },
  {
    name: 'name 101 chars',
    send: create({ name: 'n'.repeat(101) }),
    path: 'name',
    fragments: ['at most 100 characters'],
  },
  { name: 'name with a tab', send: create({ name: 'Re\tports' }), path: 'name', fragments: ['control characters'] },
  { name: 'name with NUL', send: create({ name: 'Re\u0000ports' }), path: 'name', fragments: ['control characters'] },
  {
    name: 'name with a line break',
    send: create({ name: 'Re\nports' }),
    path: 'name',
    fragments: ['control characters'],
  },
  {
    name: 'description 2001 chars',
    send: create({ description: 'd'.repeat(2001) }),
    path: 'description',
    fragments: ['at most 2000'],
  },
  {
    name: 'description with NUL',
    send: create({ description: 'a\u0000b' }),
    path: 'description',
    fragments: ['control characters'],
  },
  {
    name: 'fromAddress not an address',
    send: create({ fromAddress: 'reports at example' }),
    path: 'fromAddress',
    fragments: ['email address', 'e.g. reports@example.com'],
  },
  {
    name: 'fromAddress with CR/LF',
    send: create({ fromAddress: 'reports@example.com\r\nBcc: victim@example.com' }),
    path: 'fromAddress',
    fragments: ['email address'],
  },
  {
    name: 'fromAddress not a string',
    send: create({ fromAddress: 42 }),
    path: 'fromAddress',
    fragments: ['not string'],
    secret: '42',
  },
  {
    name: 'fromDisplayName with a header injection',
    send: create({ fromDisplayName: 'ACME\r\nBcc: victim@example.com' }),
    path: 'fromDisplayName',
    fragments: ['line breaks'],
  },
  {
    name: 'fromDisplayName with NUL',
    send: create({ fromDisplayName: 'ACME\u0000' }),
    path: 'fromDisplayName',
    fragments: ['NUL'],
  },
  {
    name: 'fromDisplayName 201 chars',
    send: create({ fromDisplayName: 'f'.repeat(201) }),
    path: 'fromDisplayName',
    fragments: ['at most 200 characters'],
  },
  {
    name: 'caCertificate not a PEM',
    send: create({ caCertificate: 'not a certificate' }),
    path: 'caCertificate',
    fragments: ['-----BEGIN CERTIFICATE-----'],
  },
  {
    name: 'caCertificate an unreadable PEM',
    send: create({ caCertificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }),
    path: 'caCertificate',
    fragments: ['not a readable PEM'],
  },
  { name: 'tls not a TlsMode', send: create({ tls: 'SSL' }), path: 'tls', fragments: ['TlsMode'] },
  { name: 'type not a ConnectionType', send: create({ type: 'IMAP' }), path: 'type', fragments: ['ConnectionType'] },
  { name: 'isDefault not a Boolean', send: create({ isDefault: 'yes' }), path: 'isDefault', fragments: ['Boolean'] },
  {
    name: 'auth with both members',
    send: create({
      auth: {
        basic: { username: 'u', password: CANARY },
        oauth2ClientCredentials: {
          username: 'u@contoso.com',
          clientId: 'c',
          clientSecret: CANARY,
          tokenUrl: TOKEN_URL,
        },
      },
    }),
    path: 'auth',
    fragments: ['exactly one of basic or oauth2ClientCredentials'],
  },
  {
    name: 'auth with neither member',
    send: create({ auth: {} }),
    path: 'auth',
    fragments: ['exactly one of basic or oauth2ClientCredentials'],
  },
  {
    name: 'auth with a null member',
    send: create({ auth: { basic: null } }),
    path: 'auth.basic',
    fragments: ['exactly one of basic or oauth2ClientCredentials', 'not null'],
  },
  {
    name: 'auth.basic.username empty',
    send: create({ auth: { basic: { username: '', password: CANARY } } }),
    path: 'auth.basic.username',
    fragments: ['username must not be empty'],
  },
  {
    name: 'auth.basic.password empty',
    send: create({}, ''),
    path: 'auth.basic.password',
    fragments: ['password must not be empty'],
  },
  {
    name: 'auth.basic.password "***"',
    send: create({}, '***'),
    path: 'auth.basic.password',
    fragments: ['looks like a mask', 'enter the real secret'],
  },
  {
    name: 'auth.basic.password "••••"',
    send: create({}, '••••'),
    path: 'auth.basic.password',
    fragments: ['looks like a mask'],
  },
  {
    name: 'auth.basic.password a hint "…x9Qa"',
    send: create({}, '…x9Qa'),
    path: 'auth.basic.password',
    fragments: ['looks like a mask'],
  },
  {
    name: 'auth.basic.password with a line break',
    send: create({}, `${CANARY}\r\n`),
    path: 'auth.basic.password',
    fragments: ['line breaks'],
  },
  {
    name: 'auth.basic.password 1025 chars',
    send: create({}, `${CANARY}${'x'.repeat(1025)}`),
    path: 'auth.basic.password',
    fragments: ['at most 1024'],
  },
  {
    name: 'auth.basic.password a number',
    send: () =>
      t.gql(CREATE_CONNECTION, {
        input: basicInput({ name: 'Numeric', auth: { basic: { username: 'u', password: 123456789 } } }),
      }),
    path: 'auth.basic.password',
    fragments: ['String'],
    secret: '123456789',
  },
  {
    name: 'auth.basic.password an object',
    send: () =>
      t.gql(CREATE_CONNECTION, {
        input: basicInput({ name: 'Object', auth: { basic: { username: 'u', password: { value: CANARY } } } }),
      }),
    path: 'auth.basic.password',
    fragments: ['String'],
  },
  {
    // graphql-js prints the whole offending object before "; reason": the parser must not split inside it.
    name: 'unknown field next to a password holding "; "',
    send: () =>
      t.gql(CREATE_CONNECTION, {
        input: basicInput({
          name: 'Semicolon',
          auth: { basic: { username: 'u', password: `head; ${CANARY}`, colour: 'red' } },
        }),
      }),
    path: 'auth.basic',
    fragments: ['Field "colour" is not defined by type "BasicAuthInput"'],
  },
  {
    name: 'tokenUrl http://',
    send: createOAuth2({ tokenUrl: TOKEN_URL.replace('https:', 'http:') }),
    path: 'auth.oauth2ClientCredentials.tokenUrl',
    fragments: ['https'],
  },
  {
    name: 'tokenUrl unparseable',
    send: createOAuth2({ tokenUrl: 'login microsoftonline com' }),
    path: 'auth.oauth2ClientCredentials.tokenUrl',
    fragments: ['https URL', 'e.g. https://login.microsoftonline.com/'],
  },
  {
    name: 'tokenUrl of a host not allowed',
    send: createOAuth2({ tokenUrl: 'https://tokens.attacker.example/oauth2/token' }),
    path: 'auth.oauth2ClientCredentials.tokenUrl',
    fragments: ['OAUTH2_ALLOWED_TOKEN_HOSTS'],
  },
  {
    name: 'clientId empty',
    send: createOAuth2({ clientId: '' }),
    path: 'auth.oauth2ClientCredentials.clientId',
    fragments: ['clientId must not be empty'],
  },
  {
    name: 'clientSecret "***"',
    send: createOAuth2({ clientSecret: '***' }),
    path: 'auth.oauth2ClientCredentials.clientSecret',
    fragments: ['looks like a mask'],
  },
  {
    name: 'scope empty',
    send: createOAuth2({ scope: '' }),
    path: 'auth.oauth2ClientCredentials.scope',
    fragments: ['scope must not be empty'],
  },
  {
    name: 'clientAuthType unknown',
    send: createOAuth2({ clientAuthType: 'MTLS' }),
    path: 'auth.oauth2ClientCredentials.clientAuthType',
    fragments: ['ClientAuthType'],
  },
  {
    name: 'secretExpiresAt not a date',
    send: createOAuth2({ secretExpiresAt: 'next tuesday' }),
    path: 'auth.oauth2ClientCredentials.secretExpiresAt',
    fragments: ['DateTime'],
  },
];

const updateCases: Case[] = [
  { name: 'update name empty', send: update({ name: '' }), path: 'name', fragments: ['name must not be empty'] },
  { name: 'update name 101 chars', send: update({ name: 'n'.repeat(101) }), path: 'name', fragments: ['at most 100'] },
  {
    name: 'update name with control chars',
    send: update({ name: 'a\u0007b' }),
    path: 'name',
    fragments: ['control characters'],
  },
  {
    name: 'update url without port',
    send: update({ url: 'smtp.example.com', secret: CANARY }),
    path: 'url',
    fragments: ['port is required'],
  },
  {
    name: 'update url with scheme',
    send: update({ url: 'smtps://smtp.example.com:465', secret: CANARY }),
    path: 'url',
    fragments: ['drop the scheme'],
  },
  {
    name: 'update fromAddress invalid',
    send: update({ fromAddress: 'nobody' }),
    path: 'fromAddress',
    fragments: ['email address'],
  },
  {
    name: 'update fromDisplayName injection',
    send: update({ fromDisplayName: 'ACME\r\nBcc: victim@example.com' }),
    path: 'fromDisplayName',
    fragments: ['line breaks'],
  },
  {
    name: 'update fromDisplayName 201 chars',
    send: update({ fromDisplayName: 'f'.repeat(201) }),
    path: 'fromDisplayName',
    fragments: ['at most 200'],
  },
  {
    name: 'update caCertificate garbage',
    send: update({ caCertificate: 'garbage', secret: CANARY }),
    path: 'caCertificate',
    fragments: ['PEM'],
  },
  {
    name: 'update url without secret',
    send: update({ url: 'evil.example.net:587' }),
    path: 'secret',
    fragments: ['secret is required when url', 'enter the password or client secret again'],
  },
  {
    name: 'update tls without secret',
    send: update({ tls: 'NONE' }),
    path: 'secret',
    fragments: ['secret is required'],
  },
  { name: 'update secret "***"', send: update({ secret: '***' }), path: 'secret', fragments: ['looks like a mask'] },
  {
    name: 'update secret = stored hint',
    send: update({ secret: '…x9Qa'.replace('x9Qa', LONG_PASSWORD.slice(-4)) }),
    path: 'secret',
    fragments: ['looks like a mask'],
  },
  {
    name: 'update secret = stored hint without ellipsis',
    send: update({ secret: LONG_PASSWORD.slice(-4) }),
    path: 'secret',
    fragments: ['looks like a mask'],
  },
  {
    name: 'update secret empty',
    send: update({ secret: '' }),
    path: 'secret',
    fragments: ['secret must not be empty'],
  },
  {
    name: 'update secret a number',
    send: update({ secret: 987654321 }),
    path: 'secret',
    fragments: ['String'],
    secret: '987654321',
  },
  {
    name: 'update tokenUrl on Basic',
    send: update({ tokenUrl: TOKEN_URL, secret: CANARY }),
    path: 'tokenUrl',
    fragments: ['only to OAuth2'],
  },
  {
    name: 'update tokenUrl http://',
    send: update({ tokenUrl: 'http://login.microsoftonline.com/x/oauth2/v2.0/token', secret: CANARY }, () => oauthId),
    path: 'tokenUrl',
    fragments: ['https'],
  },
  {
    name: 'update tokenUrl unparseable',
    send: update({ tokenUrl: '::::', secret: CANARY }, () => oauthId),
    path: 'tokenUrl',
    fragments: ['https URL'],
  },
  {
    name: 'update tokenUrl without secret',
    send: update({ tokenUrl: TOKEN_URL.replace('/oauth2/', '/oauth2/').replace('v2.0', 'v2.0/') }, () => oauthId),
    path: 'secret',
    fragments: ['secret is required'],
  },
  {
    name: 'update username empty',
    send: update({ username: '' }),
    path: 'username',
    fragments: ['username must not be empty'],
  },
  {
    name: 'update expectedVersion 0',
    send: update({ name: 'x', expectedVersion: 0 }),
    path: 'expectedVersion',
    fragments: ['1 or more'],
  },
  {
    name: 'update auth both',
    send: update({
      auth: {
        basic: { username: 'u', password: CANARY },
        oauth2ClientCredentials: { username: 'u', clientId: 'c', clientSecret: CANARY, tokenUrl: TOKEN_URL },
      },
    }),
    path: 'auth',
    fragments: ['exactly one of basic or oauth2ClientCredentials'],
  },
  {
    name: 'update auth and a loose secret',
    send: update({ auth: { basic: { username: 'u', password: CANARY } }, secret: CANARY }),
    path: 'secret',
    fragments: ['inside auth'],
  },
];

const otherCases: Case[] = [
  {
    name: 'rotateSecret empty',
    send: () => t.gql(ROTATE_SECRET, { id: basicId, input: { secret: '' } }),
    path: 'secret',
    fragments: ['secret must not be empty'],
  },
  {
    name: 'rotateSecret "***"',
    send: () => t.gql(ROTATE_SECRET, { id: basicId, input: { secret: '***' } }),
    path: 'secret',
    fragments: ['looks like a mask'],
  },
  {
    name: 'rotateSecret the stored hint',
    send: () => t.gql(ROTATE_SECRET, { id: basicId, input: { secret: `…${LONG_PASSWORD.slice(-4)}` } }),
    path: 'secret',
    fragments: ['looks like a mask'],
  },
  {
    name: 'rotateSecret with a line break',
    send: () => t.gql(ROTATE_SECRET, { id: basicId, input: { secret: `${CANARY}\n` } }),
    path: 'secret',
    fragments: ['line breaks'],
  },
  {
    name: 'rotateSecret a number',
    send: () => t.gql(ROTATE_SECRET, { id: basicId, input: { secret: 55555555 } }),
    path: 'secret',
    fragments: ['String'],
    secret: '55555555',
  },
  {
    name: 'rotateSecret expiresAt garbage',
    send: () => t.gql(ROTATE_SECRET, { id: basicId, input: { secret: CANARY, expiresAt: 'soon' } }),
    path: 'expiresAt',
    fragments: ['DateTime'],
  },
  {
    name: 'rotateSecret expectedVersion 0',
    send: () => t.gql(ROTATE_SECRET, { id: basicId, input: { secret: CANARY, expectedVersion: 0 } }),
    path: 'expectedVersion',
    fragments: ['1 or more'],
  },
  {
    name: 'sendTestEmail to invalid',
    send: () => t.gql(SEND_TEST_EMAIL, { id: basicId, to: 'not an address' }),
    path: 'to',
    fragments: ['email address'],
  },
  {
    name: 'sendTestEmail to with CR/LF',
    send: () => t.gql(SEND_TEST_EMAIL, { id: basicId, to: 'a@example.com\r\nBcc: b@example.com' }),
    path: 'to',
    fragments: ['email address'],
  },
  {
    name: 'sendTestEmail dryRun not Boolean',
    send: () => t.gql(SEND_TEST_EMAIL, { id: basicId, to: 'a@example.com', dryRun: 'no' }),
    path: 'dryRun',
    fragments: ['Boolean'],
  },
  {
    name: 'testConnectionSettings url',
    send: settings({ url: 'smtp.example.com' }),
    path: 'url',
    fragments: ['port is required'],
  },
  {
    name: 'testConnectionSettings fromDisplayName',
    send: settings({ fromDisplayName: 'A\r\nBcc: v@example.com' }),
    path: 'fromDisplayName',
    fragments: ['line breaks'],
  },
  { name: 'testConnectionSettings to', send: settings({}, 'nobody'), path: 'to', fragments: ['email address'] },
  {
    name: 'testConnectionSettings mask password',
    send: () => t.gql(TEST_CONNECTION_SETTINGS, { input: basicInput({}, '****'), to: 'a@example.com' }),
    path: 'auth.basic.password',
    fragments: ['looks like a mask'],
  },
  {
    name: 'connections first -1',
    send: () => t.gql(CONNECTIONS, { first: -1 }),
    path: 'first',
    fragments: ['from 0 to 200'],
  },
  {
    name: 'connections first 201',
    send: () => t.gql(CONNECTIONS, { first: 201 }),
    path: 'first',
    fragments: ['from 0 to 200'],
  },
  {
    name: 'connections first not an Int',
    send: () => t.gql(CONNECTIONS, { first: 'ten' }),
    path: 'first',
    fragments: ['Int'],
  },
  {
    name: 'connections after garbage',
    send: () => t.gql(CONNECTIONS, { after: 'not-a-cursor' }),
    path: 'after',
    fragments: ['pageInfo.endCursor'],
  },
  {
    // A cursor of the right shape whose id is not a uuid must not reach the uuid comparison in SQL.
    name: 'connections after: a hand-made cursor whose id is not a uuid',
    send: () => t.gql(CONNECTIONS, { after: handMadeCursor(['a', 'not-a-uuid']) }),
    path: 'after',
    fragments: ['pageInfo.endCursor'],
  },
  {
    name: 'connections after: a hand-made cursor with an existing name and a numeric id',
    send: () => t.gql(CONNECTIONS, { after: handMadeCursor(['Existing Basic', '1']) }),
    path: 'after',
    fragments: ['pageInfo.endCursor'],
  },
  {
    name: 'connections after: a hand-made cursor with a non-string id',
    send: () => t.gql(CONNECTIONS, { after: handMadeCursor(['a', 5]) }),
    path: 'after',
    fragments: ['pageInfo.endCursor'],
  },
  {
    name: 'connections filter.search 201 chars',
    send: () => t.gql(CONNECTIONS, { filter: { search: 's'.repeat(201) } }),
    path: 'search',
    fragments: ['filter.search must be at most 200'],
  },
  {
    name: 'connections filter.type unknown',
    send: () => t.gql(CONNECTIONS, { filter: { type: 'POP3' } }),
    path: 'type',
    fragments: ['ConnectionType'],
  },
  {
    name: 'expiringSecrets withinDays -1',
    send: () => t.gql(EXPIRING_SECRETS, { withinDays: -1 }),
    path: 'withinDays',
    fragments: ['from 0 to 3650'],
  },
  {
    name: 'expiringSecrets withinDays 3651',
    send: () => t.gql(EXPIRING_SECRETS, { withinDays: 3651 }),
    path: 'withinDays',
    fragments: ['from 0 to 3650'],
  },
];

function handMadeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function snapshot(): Promise<string> {
  const list = ok(await t.gql(CONNECTIONS, { first: 200 })).connections;
  return JSON.stringify(list);
}

describe('garbage in, exact BAD_USER_INPUT out, nothing written', () => {
  for (const c of [...createCases, ...updateCases, ...otherCases]) {
    test(c.name, async () => {
      const before = await snapshot();
      const res = await c.send();
      assertBadInput(res, c.path, ...c.fragments);
      assertNoSecret(res.body, c.secret ?? CANARY, 'the response');
      assert.equal(await snapshot(), before, 'nothing may be written');
    });
  }
});

describe('inputs that must behave', () => {
  test('a required field left out is reported on the field itself', async () => {
    const input = basicInput({ name: 'Missing from' });
    delete (input as Record<string, unknown>).fromAddress;
    const res = await t.gql(CREATE_CONNECTION, { input });
    assertBadInput(res, 'fromAddress', 'fromAddress is required');
  });

  test('url is trimmed; tls defaults to STARTTLS on 587 and IMPLICIT_TLS on 465', async () => {
    const a = ok(
      await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'Trimmed', url: ' smtp.example.com:587 ' }) }),
    ).createConnection;
    assert.equal(a.url, 'smtp.example.com:587');
    assert.equal(a.host, 'smtp.example.com');
    assert.equal(a.port, 587);
    assert.equal(a.tls, 'STARTTLS');
    const b = ok(
      await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'Office', url: 'smtp.office365.com:587' }) }),
    ).createConnection;
    assert.equal(b.tls, 'STARTTLS');
    const c = ok(
      await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'Implicit', url: 'smtp.example.com:465' }) }),
    ).createConnection;
    assert.equal(c.tls, 'IMPLICIT_TLS');
    const d = ok(
      await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'Relay', url: 'SMTP.Example.COM:25' }) }),
    ).createConnection;
    assert.equal(d.tls, 'STARTTLS');
    assert.equal(d.url, 'smtp.example.com:25', 'host names are stored in lower case');
    const e = ok(
      await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'IPv6', url: '[::1]:2525' }) }),
    ).createConnection;
    assert.equal(e.url, '[::1]:2525');
    assert.equal(e.host, '::1');
  });

  test('commas, quotes and non-ASCII in fromDisplayName are accepted and stored unchanged', async () => {
    const name = 'Reports, "Finance" Ünit';
    const c = ok(
      await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'Display', fromDisplayName: name }) }),
    ).createConnection;
    assert.equal(c.fromDisplayName, name);
    assert.equal(
      ok(await t.gql(UPDATE_CONNECTION, { id: c.id, input: { fromDisplayName: 'f'.repeat(200) } })).updateConnection
        .fromDisplayName,
      'f'.repeat(200),
    );
  });

  test('name 100 characters is accepted', async () => {
    const c = ok(await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'N'.repeat(100) }) })).createConnection;
    assert.equal(c.name, 'N'.repeat(100));
  });

  test('a name that differs only in case is CONFLICT, not BAD_USER_INPUT, and nothing is written', async () => {
    const count = await totalCount(t);
    const res = await t.gql(CREATE_CONNECTION, { input: basicInput({ name: 'existing basic' }, CANARY) });
    const error = assertCode(res, 'CONFLICT');
    assert.match(error.message, /already exists/);
    assert.match(error.message, /choose another name/);
    assertNoSecret(res.body, CANARY, 'the response');
    assert.equal(await totalCount(t), count);
    const renamed = await t.gql(UPDATE_CONNECTION, { id: oauthId, input: { name: 'EXISTING BASIC' } });
    assertCode(renamed, 'CONFLICT');
    assert.equal((await fetchConnection(t, oauthId)).name, 'Existing OAuth2');
  });

  test('the oneOf error is also clear when auth is written inline in the query', async () => {
    const res = await t.gql(`mutation {
      createConnection(input: { name: "Inline", url: "smtp.example.com:587", fromAddress: "a@example.com",
        auth: { basic: { username: "u", password: "${CANARY}" }, oauth2ClientCredentials: { username: "u", clientId: "c", clientSecret: "${CANARY}", tokenUrl: "${TOKEN_URL}" } } }) { id }
    }`);
    const error = assertCode(res, 'BAD_USER_INPUT');
    assert.match(error.message, /exactly one/i);
    assertNoSecret(res.body, CANARY, 'the response');
  });

  test('an inline literal of the wrong type for a password is not echoed', async () => {
    const res = await t.gql(`mutation {
      createConnection(input: { name: "Inline", url: "smtp.example.com:587", fromAddress: "a@example.com",
        auth: { basic: { username: "u", password: 424242424242 } } }) { id }
    }`);
    assertCode(res, 'BAD_USER_INPUT');
    assert.ok(!res.body.includes('424242424242'), res.body);
  });
});
