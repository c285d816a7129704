/**
 * Save-time checks of OAuth2 settings over GraphQL: BAD_USER_INPUT with the exact field path and a message that
 * says how to fix it, on createConnection (auth.oauth2ClientCredentials.*) and on updateConnection's top-level
 * fields (tokenUrl, scope, clientId, username). Nothing is written when a check fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  TEST_TENANT_ID,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import {
  assertNoLeak,
  badInput,
  fieldMessage,
  oauth2Input,
  ok,
  SMTP_SCOPE,
  startRecordedApp,
  type RecordedApp,
} from './harness.js';
import { CREATE, GET, UPDATE } from './operations.js';

const P = 'auth.oauth2ClientCredentials';
const MS = 'https://login.microsoftonline.com';
const GRAPH = 'https://graph.microsoft.com/.default';
const DELEGATED = 'https://outlook.office365.com/SMTP.Send';

describe('OAuth2 settings validated at save time', () => {
  let endpoint: TokenEndpoint;
  let sink: SmtpSink;
  let app: RecordedApp;
  let names = 0;

  const input = (auth: Record<string, unknown>): Record<string, unknown> => {
    names += 1;
    return oauth2Input(`Validation ${names}`, sink, {
      clientId: TEST_CLIENT_ID,
      clientSecret: TEST_CLIENT_SECRET,
      tokenUrl: `${MS}/${TEST_TENANT_ID}/oauth2/v2.0/token`,
      ...auth,
    });
  };
  const createWith = (auth: Record<string, unknown>) => app.gql(CREATE, { input: input(auth) });

  before(async () => {
    endpoint = await startTokenEndpoint();
    sink = await startSmtpSink({ tls: 'starttls', authMethods: ['XOAUTH2'] });
    app = await startRecordedApp({
      env: { OAUTH2_ALLOWED_TOKEN_HOSTS: `${endpoint.host},login.microsoftonline.com` },
      caPems: [endpoint.caPem],
    });
  });
  after(async () => {
    await app.t.close();
    await sink.close();
    await endpoint.close();
  });

  test('a valid Microsoft connection saves (no network at save time) and shows the tenant', async () => {
    const created = ok(await createWith({})).createConnection;
    assert.equal(created.auth.tenantId, TEST_TENANT_ID);
    assert.equal(created.auth.scope, SMTP_SCOPE);
    assert.equal(endpoint.tokenRequests, 0);
  });

  const tenantCases: Array<[string, string, RegExp]> = [
    ['YOUR_TENANT_ID placeholder', `${MS}/YOUR_TENANT_ID/oauth2/v2.0/token`, /Directory \(tenant\) ID/],
    ['TENANT placeholder', `${MS}/TENANT/oauth2/v2.0/token`, /Directory \(tenant\) ID/],
    ['{tenant} placeholder', `${MS}/{tenant}/oauth2/v2.0/token`, /Directory \(tenant\) ID/],
    ['common', `${MS}/common/oauth2/v2.0/token`, /specific tenant/],
    ['organizations', `${MS}/organizations/oauth2/v2.0/token`, /specific tenant/],
    ['consumers', `${MS}/consumers/oauth2/v2.0/token`, /specific tenant/],
    ['missing tenant segment', `${MS}/oauth2/v2.0/token`, /tenant segment is missing/],
  ];
  for (const [label, tokenUrl, expected] of tenantCases) {
    test(`tokenUrl with ${label} → BAD_USER_INPUT at ${P}.tokenUrl`, async () => {
      const response = await createWith({ tokenUrl });
      const message = fieldMessage(response, `${P}.tokenUrl`);
      assert.match(message, expected);
      assert.match(message, /^tokenUrl/);
      assert.equal(response.data, undefined);
    });
  }

  test('YOUR_TENANT_ID: the message asks for the Directory (tenant) ID and calls it a placeholder', async () => {
    const message = fieldMessage(
      await createWith({ tokenUrl: `${MS}/YOUR_TENANT_ID/oauth2/v2.0/token` }),
      `${P}.tokenUrl`,
    );
    assert.match(message, /"YOUR_TENANT_ID" is a placeholder/);
  });

  test('common: the message says client credentials need a specific tenant', async () => {
    const message = fieldMessage(await createWith({ tokenUrl: `${MS}/common/oauth2/v2.0/token` }), `${P}.tokenUrl`);
    assert.match(message, /client credentials need a specific tenant/);
  });

  test('a token host not in the allowed list → names OAUTH2_ALLOWED_TOKEN_HOSTS', async () => {
    const message = fieldMessage(
      await createWith({ tokenUrl: `https://login.example.org/${TEST_TENANT_ID}/oauth2/v2.0/token` }),
      `${P}.tokenUrl`,
    );
    assert.match(message, /OAUTH2_ALLOWED_TOKEN_HOSTS/);
    assert.match(message, /login\.example\.org/);
  });

  test('the same endpoint on another port is not allowed when the list names host:port', async () => {
    const [host, port] = endpoint.host.split(':');
    const message = fieldMessage(
      await createWith({ tokenUrl: `https://${host}:${Number(port) + 1}/token` }),
      `${P}.tokenUrl`,
    );
    assert.match(message, /OAUTH2_ALLOWED_TOKEN_HOSTS/);
  });

  test('Microsoft Graph scope → names https://outlook.office365.com/.default', async () => {
    const message = fieldMessage(await createWith({ scope: GRAPH }), `${P}.scope`);
    assert.ok(message.includes(SMTP_SCOPE), message);
    assert.match(message, /Graph/);
  });

  test('delegated scope SMTP.Send → says client credentials take /.default', async () => {
    const message = fieldMessage(await createWith({ scope: DELEGATED }), `${P}.scope`);
    assert.match(message, /client credentials only take "<resource>\/\.default"/);
  });

  test('clientId not a GUID for a Microsoft token URL → asks for the Application (client) ID', async () => {
    const message = fieldMessage(await createWith({ clientId: 'postroom-smtp-app' }), `${P}.clientId`);
    assert.match(message, /GUID/);
    assert.match(message, /Application \(client\) ID/);
  });

  test('username not an email address → asks for the mailbox address', async () => {
    const message = fieldMessage(await createWith({ username: 'sender' }), `${P}.username`);
    assert.match(message, /email address of the mailbox/);
  });

  test('several mistakes at once → one entry per field, nothing stored', async () => {
    const response = await createWith({
      tokenUrl: `${MS}/common/oauth2/v2.0/token`,
      scope: GRAPH,
      clientId: 'nope',
      username: 'x',
    });
    const paths = badInput(response)
      .fields.map((f) => f.path)
      .sort();
    assert.deepEqual(paths, [`${P}.clientId`, `${P}.scope`, `${P}.tokenUrl`, `${P}.username`]);
  });

  describe('updateConnection top-level fields', () => {
    let id: string;
    let version: number;
    before(async () => {
      const created = ok(await createWith({})).createConnection;
      id = created.id;
      version = created.version;
    });

    const updateCases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      [
        'tokenUrl YOUR_TENANT_ID',
        { tokenUrl: `${MS}/YOUR_TENANT_ID/oauth2/v2.0/token`, secret: TEST_CLIENT_SECRET },
        'tokenUrl',
        /Directory \(tenant\) ID/,
      ],
      [
        'tokenUrl common',
        { tokenUrl: `${MS}/common/oauth2/v2.0/token`, secret: TEST_CLIENT_SECRET },
        'tokenUrl',
        /specific tenant/,
      ],
      [
        'tokenUrl missing tenant',
        { tokenUrl: `${MS}/oauth2/v2.0/token`, secret: TEST_CLIENT_SECRET },
        'tokenUrl',
        /tenant segment is missing/,
      ],
      [
        'tokenUrl on a host not allowed',
        { tokenUrl: `https://login.example.org/${TEST_TENANT_ID}/oauth2/v2.0/token`, secret: TEST_CLIENT_SECRET },
        'tokenUrl',
        /OAUTH2_ALLOWED_TOKEN_HOSTS/,
      ],
      ['scope Graph', { scope: GRAPH }, 'scope', /https:\/\/outlook\.office365\.com\/\.default/],
      ['scope SMTP.Send', { scope: DELEGATED }, 'scope', /\/\.default/],
      ['clientId not a GUID', { clientId: 'postroom-smtp-app' }, 'clientId', /GUID/],
      ['username not an email', { username: 'sender' }, 'username', /email address/],
    ];
    for (const [label, fields, path, expected] of updateCases) {
      test(`${label} → BAD_USER_INPUT at path "${path}", nothing written`, async () => {
        const response = await app.gql(UPDATE, { id, input: fields });
        assert.match(fieldMessage(response, path), expected);
        const current = ok(await app.gql(GET, { id })).connection;
        assert.equal(current.version, version, 'the version did not move');
        assert.equal(current.auth.tokenUrl, `${MS}/${TEST_TENANT_ID}/oauth2/v2.0/token`);
        assert.equal(current.auth.scope, SMTP_SCOPE);
      });
    }

    test('a valid update of the same fields is accepted', async () => {
      const updated = ok(
        await app.gql(UPDATE, {
          id,
          input: {
            tokenUrl: `${MS}/contoso.onmicrosoft.com/oauth2/v2.0/token`,
            secret: TEST_CLIENT_SECRET,
            clientId: TEST_CLIENT_ID,
          },
        }),
      ).updateConnection;
      assert.equal(updated.auth.tenantId, 'contoso.onmicrosoft.com');
      assert.equal(updated.version, version + 1);
    });
  });

  test('canary: the client secret appears in no response body or log line', () => {
    assertNoLeak(app.bodies, [TEST_CLIENT_SECRET], 'response bodies');
    assertNoLeak(app.t.logs, [TEST_CLIENT_SECRET], 'log lines', { mayBeEmpty: true });
  });
});
