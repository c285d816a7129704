import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { CONNECTION } from '../api/operations.js';
import {
  CLIENT_ID,
  DOCUMENTED_BASIC_CONFIGURATION,
  DOCUMENTED_OAUTH2_CONFIGURATION,
  IMPORT_CONNECTION,
  OAUTH2_CONFIG,
  TENANT_ID,
  TOKEN_URL,
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
let seq = 0;
before(async () => {
  t = await startTestApp();
});
after(async () => {
  await t.close();
});

/** Every test imports under its own name, so they share one app. */
function named(form: FormVars): FormVars {
  seq += 1;
  return { ...form, name: `${form.name} ${seq}` };
}

async function importForm(form: FormVars, dryRun?: boolean) {
  return t.gql(IMPORT_CONNECTION, { form, ...(dryRun === undefined ? {} : { dryRun }) });
}

async function total(): Promise<number> {
  return assertOk(await t.gql(TOTAL_COUNT)).connections.totalCount;
}

describe('the documented forms', () => {
  it('accepts Method 1 (Basic) verbatim and stores the exact mapping', async () => {
    const form = named(basicForm({ configuration: DOCUMENTED_BASIC_CONFIGURATION }));
    const c = assertOk(await importForm(form)).importConnection;
    assert.equal(c.type, 'SMTP');
    assert.equal(c.name, form.name);
    assert.equal(c.description, 'Reports mailbox');
    assert.equal(c.host, 'smtp.outlook.com');
    assert.equal(c.port, 587);
    assert.equal(c.url, 'smtp.outlook.com:587');
    assert.equal(c.tls, 'STARTTLS');
    assert.equal(c.caCertificate, null);
    assert.equal(c.fromAddress, 'reports@acme.com');
    assert.equal(c.fromDisplayName, 'ACME Reporting');
    assert.equal(c.version, 1);
    assert.deepEqual(
      { ...c.auth, password: { ...c.auth.password, updatedAt: null } },
      {
        __typename: 'BasicAuth',
        username: 'reports@acme.com',
        password: { isSet: true, hint: '…aple', updatedAt: null, expiresAt: null },
      },
    );
    // Stored, not just echoed.
    const stored = assertOk(await t.gql(CONNECTION, { id: c.id })).connection;
    assert.deepEqual(stored, c);
  });

  it('accepts Method 2 (OAuth2) with the placeholders replaced by GUIDs, with the exact mapping', async () => {
    const configuration = DOCUMENTED_OAUTH2_CONFIGURATION.replace('YOUR_CLIENT_ID', CLIENT_ID).replace(
      'YOUR_TENANT_ID',
      TENANT_ID,
    );
    const form = named(oauth2Form({ configuration }));
    const c = assertOk(await importForm(form)).importConnection;
    assert.equal(c.tls, 'STARTTLS');
    assert.equal(c.fromAddress, 'reports@acme.com');
    assert.equal(c.fromDisplayName, 'ACME Reporting');
    assert.equal(c.auth.__typename, 'OAuth2ClientCredentials');
    assert.equal(c.auth.username, 'reports@yourcompany.com');
    assert.equal(c.auth.clientId, CLIENT_ID);
    assert.equal(c.auth.tenantId, TENANT_ID);
    assert.equal(c.auth.tokenUrl, TOKEN_URL);
    assert.equal(c.auth.scope, 'https://outlook.office365.com/.default');
    assert.equal(c.auth.clientAuthType, 'SEND_CLIENT_CREDENTIALS_IN_BODY');
    assert.equal(c.auth.clientSecret.isSet, true);
    const stored = assertOk(await t.gql(CONNECTION, { id: c.id })).connection;
    assert.deepEqual(stored, c);
  });

  it('refuses Method 2 as printed, on both configuration.ClientID and configuration.TokenUrl, storing nothing', async () => {
    const before = await total();
    const res = await importForm(named(oauth2Form({ configuration: DOCUMENTED_OAUTH2_CONFIGURATION })));
    assert.deepEqual(pathsOf(res), ['configuration.ClientID', 'configuration.TokenUrl']);
    assertFieldError(res, 'configuration.ClientID', 'YOUR_CLIENT_ID', 'replace');
    assertFieldError(res, 'configuration.TokenUrl', 'YOUR_TENANT_ID', 'replace');
    assert.equal(await total(), before);
  });
});

describe('mapping', () => {
  it('UseSsl true on :587 → STARTTLS, on :465 → IMPLICIT_TLS; false → OPPORTUNISTIC', async () => {
    const cases: [string, boolean | string, string][] = [
      ['smtp.acme.com:587', true, 'STARTTLS'],
      ['smtp.acme.com:465', true, 'IMPLICIT_TLS'],
      ['smtp.acme.com:25', false, 'OPPORTUNISTIC'],
      ['smtp.acme.com:465', 'False', 'OPPORTUNISTIC'],
      ['smtp.acme.com:2525', 'TRUE', 'STARTTLS'],
    ];
    for (const [url, useSsl, tls] of cases) {
      const c = assertOk(
        await importForm(named(withConfiguration({ UseSsl: useSsl, FromAddress: 'r@acme.com' }, { url }))),
      ).importConnection;
      assert.equal(c.tls, tls, `${url} UseSsl ${String(useSsl)}`);
    }
  });

  it('keys match in any case; Scope defaults; a header-style ClientAuthType maps to BASIC_AUTH_HEADER', async () => {
    const res = await importForm(
      named(
        oauth2Form({
          url: 'smtp.office365.com:465',
          configuration: JSON.stringify({
            usessl: 'true',
            FROMADDRESS: 'reports@acme.com',
            authtype: 'oauth2',
            clientid: CLIENT_ID,
            tokenURL: TOKEN_URL,
            ClientAuthType: 'BasicAuthHeader',
          }),
        }),
      ),
    );
    const c = assertOk(res).importConnection;
    assert.equal(c.tls, 'IMPLICIT_TLS');
    assert.equal(c.auth.scope, 'https://outlook.office365.com/.default');
    assert.equal(c.auth.clientAuthType, 'BASIC_AUTH_HEADER');
  });
});

describe('refusals, each BAD_USER_INPUT on the form path', () => {
  it('an unknown key, suggesting the closest known key', async () => {
    const res = await importForm(named(withConfiguration({ UseSSl2: true, FromAddress: 'r@acme.com' })));
    assert.deepEqual(pathsOf(res), ['configuration.UseSSl2']);
    assertFieldError(res, 'configuration.UseSSl2', 'Unknown key "UseSSl2"', 'did you mean "UseSsl"?');
  });

  it('a key given twice in different cases', async () => {
    const res = await importForm(
      named(withConfiguration('{ "UseSsl": true, "FromAddress": "r@acme.com", "useSSL": false }')),
    );
    assert.deepEqual(pathsOf(res), ['configuration.UseSsl']);
    assertFieldError(res, 'configuration.UseSsl', 'given twice', 'line 1, column 3', 'keep only one');
  });

  it('wrong value types', async () => {
    const cases: [FormVars, string, string][] = [
      [withConfiguration({ UseSsl: 1, FromAddress: 'r@acme.com' }), 'configuration.UseSsl', 'true or false'],
      [
        withConfiguration({ UseSsl: true, FromAddress: ['r@acme.com'] }),
        'configuration.FromAddress',
        'text in double quotes',
      ],
      [
        withConfiguration({ FromAddress: 'r@acme.com', FromDisplayName: 42 }),
        'configuration.FromDisplayName',
        'not a number',
      ],
      [oauth2With({ ...OAUTH2_CONFIG, Scope: true }), 'configuration.Scope', 'text in double quotes'],
    ];
    for (const [form, path, fragment] of cases) {
      const res = await importForm(named(form));
      assert.deepEqual(pathsOf(res), [path], res.body);
      assertFieldError(res, path, fragment);
    }
  });

  it('a GrantType other than ClientCredentials', async () => {
    const res = await importForm(named(oauth2With({ ...OAUTH2_CONFIG, GrantType: 'AuthorizationCode' })));
    assert.deepEqual(pathsOf(res), ['configuration.GrantType']);
    assertFieldError(res, 'configuration.GrantType', 'must be "ClientCredentials"');
  });

  it('an AuthType other than OAuth2 or Basic', async () => {
    const res = await importForm(named(withConfiguration({ FromAddress: 'r@acme.com', AuthType: 'NTLM' })));
    assert.deepEqual(pathsOf(res), ['configuration.AuthType']);
    assertFieldError(res, 'configuration.AuthType', '"OAuth2"', '"Basic"');
  });

  it('OAuth2 keys without AuthType', async () => {
    const { AuthType: _omitted, ...withoutAuthType } = OAUTH2_CONFIG;
    const res = await importForm(named(oauth2With(withoutAuthType)));
    assert.deepEqual(pathsOf(res), ['configuration.AuthType']);
    assertFieldError(res, 'configuration.AuthType', 'add "AuthType": "OAuth2"', 'ClientID', 'TokenUrl');
  });

  it('an OAuth2 form without User name or Password', async () => {
    const res = await importForm(named(oauth2Form({ userName: null, password: '' })));
    assert.deepEqual(pathsOf(res), ['password', 'userName']);
    assertFieldError(res, 'userName', 'OAuth2', 'mailbox');
    assertFieldError(res, 'password', 'OAuth2', 'client secret');
  });

  it('malformed JSON, with line, column and what to fix', async () => {
    const cases: [string, string[]][] = [
      [
        '{ "UseSsl" : true,\n  "FromAddress" : "r@acme.com", }',
        ['line 2, column 31', 'trailing comma', 'remove this comma'],
      ],
      ['{ "UseSsl : true, "FromAddress" : "r@acme.com" }', ['line 1, column', 'closing quote is missing after UseSsl']],
      [
        '{ \u201CUseSsl\u201D : true, \u201CFromAddress\u201D : \u201Cr@acme.com\u201D }',
        ['line 1, column 3', 'curly quote'],
      ],
    ];
    for (const [configuration, fragments] of cases) {
      const res = await importForm(named(withConfiguration(configuration)));
      assert.deepEqual(pathsOf(res), ['configuration'], res.body);
      assertFieldError(res, 'configuration', 'not valid JSON', ...fragments);
    }
  });

  it('errors the service finds are moved onto the form: url and TokenUrl, reported together', async () => {
    const res = await importForm(
      named(
        oauth2With(
          { ...OAUTH2_CONFIG, TokenUrl: `https://login.example.com/${TENANT_ID}/oauth2/v2.0/token` },
          { url: 'smtp.office365.com' },
        ),
      ),
    );
    assert.deepEqual(pathsOf(res), ['configuration.TokenUrl', 'url'], res.body);
    assertFieldError(res, 'url', 'port is required');
    // The message names the form key, not the service field.
    const tokenUrl = assertFieldError(
      res,
      'configuration.TokenUrl',
      'TokenUrl: the host login.example.com is not an allowed token host',
    );
    assert.ok(!tokenUrl.message.startsWith('tokenUrl'), tokenUrl.message);
  });

  it('a FromAddress that is not a plain address', async () => {
    const res = await importForm(named(withConfiguration({ UseSsl: true, FromAddress: 'ACME <reports@acme.com>' })));
    assert.deepEqual(pathsOf(res), ['configuration.FromAddress']);
    assertFieldError(res, 'configuration.FromAddress', 'plain email address');
  });

  it("createConnection's class-validator rules apply to imports too", async () => {
    const cases: [FormVars, string, string][] = [
      [basicForm({ name: `bell\u0007 ${++seq}` }), 'name', 'control characters'],
      [basicForm({ name: `${'n'.repeat(101)}` }), 'name', 'at most 100'],
      [
        withConfiguration(
          { FromAddress: 'r@acme.com', FromDisplayName: 'ACME\r\nBcc: x@evil.test' },
          { name: `crlf ${++seq}` },
        ),
        'configuration.FromDisplayName',
        'line breaks',
      ],
      [basicForm({ name: `long user ${++seq}`, userName: `${'u'.repeat(321)}` }), 'userName', 'at most 320'],
      [basicForm({ name: `nl password ${++seq}`, password: 'pass\nword' }), 'password', 'line breaks'],
      [
        oauth2With({ ...OAUTH2_CONFIG, ClientID: 'c'.repeat(201) }, { name: `long id ${++seq}` }),
        'configuration.ClientID',
        'at most 200',
      ],
      [basicForm({ name: `long url ${++seq}`, url: `${'a'.repeat(300)}.com:587` }), 'url', 'at most 300'],
      [basicForm({ name: `masked ${++seq}`, password: '********' }), 'password', 'mask'],
    ];
    for (const [form, path, fragment] of cases) {
      const res = await importForm(form);
      const { fields } = errorOf(res, 'BAD_USER_INPUT');
      assert.ok(
        fields.some((f) => f.path === path),
        `${path}: ${res.body}`,
      );
      assertFieldError(res, path, fragment);
      assert.ok(
        fields.every((f) => !f.path.startsWith('auth') && !f.path.startsWith('input')),
        res.body,
      );
    }
  });

  it('never echoes the password in an error', async () => {
    const secret = 'canary-Secret-77c1e0QzJk';
    const res = await importForm(named(withConfiguration('{ "FromAddress": "r@acme.com", }', { password: secret })));
    errorOf(res, 'BAD_USER_INPUT');
    assert.ok(!res.body.includes(secret));
    assert.ok(!t.logs.some((line) => line.includes(secret)));
  });
});

describe('dryRun', () => {
  it('validates, returns the connection that would be created, and stores nothing', async () => {
    const before = await total();
    const form = named(oauth2Form());
    const c = assertOk(await importForm(form, true)).importConnection;
    assert.match(c.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(c.version, 1);
    assert.equal(c.name, form.name);
    assert.equal(c.auth.clientId, CLIENT_ID);
    assert.equal(typeof c.isDefault, 'boolean');
    assert.equal(await total(), before);
    assert.equal(assertOk(await t.gql(CONNECTION, { id: c.id })).connection, null);
    // The same form imports for real afterwards: the dry run left no row and no name behind.
    const real = assertOk(await importForm(form)).importConnection;
    assert.notEqual(real.id, c.id);
    assert.equal(await total(), before + 1);
  });

  it('dryRun: null counts as false (the argument is `Boolean = false`)', async () => {
    const before = await total();
    assertOk(await importForm(named(basicForm()), null as unknown as boolean));
    assert.equal(await total(), before + 1);
  });

  it('refuses what a real import refuses, including a name clash with the store', async () => {
    const res = await importForm(named(oauth2Form({ configuration: DOCUMENTED_OAUTH2_CONFIGURATION })), true);
    assert.deepEqual(pathsOf(res), ['configuration.ClientID', 'configuration.TokenUrl']);
    const existing = assertOk(await importForm(named(basicForm({ name: 'Clash' })))).importConnection;
    const clash = await importForm(basicForm({ name: existing.name.toUpperCase() }), true);
    const error = errorOf(clash, 'CONFLICT');
    assert.ok(error.message.includes(`named "${existing.name}"`), error.message);
  });
});

describe('names', () => {
  it('a name that clashes case-insensitively is CONFLICT naming the existing connection', async () => {
    const existing = assertOk(await importForm(named(basicForm({ name: 'Billing' })))).importConnection;
    const before = await total();
    const res = await importForm(oauth2Form({ name: `  ${existing.name.toLowerCase()} ` }));
    const error = errorOf(res, 'CONFLICT');
    assert.ok(error.message.includes(`"${existing.name}"`) && error.message.includes(existing.id), error.message);
    assert.deepEqual(
      error.fields.map((f) => f.path),
      ['name'],
    );
    assert.equal(error.extensions.existingId, existing.id);
    assert.equal(await total(), before);
  });
});
