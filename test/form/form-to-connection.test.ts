import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionType, type NewConnection } from '../../src/connections/connection.model.js';
import { TlsMode } from '../../src/mail/tls-mode.js';
import { ClientAuthType } from '../../src/oauth2/client-auth-type.js';
import { formToNewConnection, portOfUrl } from '../../src/connections/form/form-to-connection.js';
import { toFormErrors } from '../../src/connections/form/form-paths.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  DOCUMENTED_BASIC_CONFIGURATION,
  DOCUMENTED_OAUTH2_CONFIGURATION,
  TENANT_ID,
  accept,
  assertError,
  assertOnlyPaths,
  basicForm,
  oauth2Form,
  refuse,
  withConfiguration,
} from './form-fixtures.js';

const FROM = { FromAddress: 'reports@acme.com' };
const OAUTH2 = {
  ...FROM,
  AuthType: 'OAuth2',
  GrantType: 'ClientCredentials',
  ClientID: CLIENT_ID,
  TokenUrl: `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`,
};

function oauth2With(config: Record<string, unknown>) {
  return oauth2Form({ configuration: JSON.stringify(config) });
}

describe('the documented forms', () => {
  it('accepts Method 1 (Basic) verbatim, with the exact mapping', () => {
    const sut = accept(
      basicForm({ description: '  Reports mailbox  ', name: ' Default ', url: ' smtp.outlook.com:587 ' }),
    );
    const expected: NewConnection = {
      type: ConnectionType.SMTP,
      name: 'Default',
      description: 'Reports mailbox',
      url: 'smtp.outlook.com:587',
      tls: TlsMode.STARTTLS,
      caCertificate: null,
      fromAddress: 'reports@acme.com',
      fromDisplayName: 'ACME Reporting',
      auth: { kind: 'basic', username: 'reports@acme.com', password: 'correct horse battery staple' },
      isDefault: false,
    };
    assert.deepEqual(sut, expected);
  });

  it('accepts Method 2 (OAuth2) with its placeholders replaced by a client id and a tenant GUID', () => {
    const sut = accept(oauth2Form());
    const expected: NewConnection = {
      type: ConnectionType.SMTP,
      name: 'Default',
      description: null,
      url: 'smtp.office365.com:587',
      tls: TlsMode.STARTTLS,
      caCertificate: null,
      fromAddress: 'reports@acme.com',
      fromDisplayName: 'ACME Reporting',
      auth: {
        kind: 'oauth2ClientCredentials',
        username: 'reports@yourcompany.com',
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        tokenUrl: `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`,
        scope: 'https://outlook.office365.com/.default',
        clientAuthType: ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY,
        secretExpiresAt: null,
      },
      isDefault: false,
    };
    assert.deepEqual(sut, expected);
  });

  it('refuses Method 2 as printed, on both ClientID and TokenUrl, saying what to put there', () => {
    const errors = refuse(oauth2Form({ configuration: DOCUMENTED_OAUTH2_CONFIGURATION }));
    assertOnlyPaths(errors, ['configuration.ClientID', 'configuration.TokenUrl']);
    assertError(errors, 'configuration.ClientID', 'YOUR_CLIENT_ID', 'replace', 'Application (client) ID');
    assertError(errors, 'configuration.TokenUrl', 'YOUR_TENANT_ID', 'replace', 'Directory (tenant) ID');
  });

  it('finds placeholders in any case, anywhere in the value', () => {
    const errors = refuse(
      oauth2With({
        ...OAUTH2,
        ClientID: 'id-your_client_id',
        TokenUrl: 'https://login.microsoftonline.com/Your_Tenant_Id/oauth2/v2.0/token',
      }),
    );
    assertError(errors, 'configuration.ClientID', 'YOUR_CLIENT_ID');
    assertError(errors, 'configuration.TokenUrl', 'YOUR_TENANT_ID');
  });

  it('keeps the fixture configurations as documented (standard JSON, documented keys)', () => {
    assert.deepEqual(Object.keys(JSON.parse(DOCUMENTED_BASIC_CONFIGURATION)), [
      'UseSsl',
      'FromDisplayName',
      'FromAddress',
    ]);
    assert.equal(Object.keys(JSON.parse(DOCUMENTED_OAUTH2_CONFIGURATION)).length, 9);
  });
});

describe('form fields', () => {
  it('accepts the type in any case and with spaces', () => {
    assert.equal(accept(basicForm({ type: ' smtp ' })).type, ConnectionType.SMTP);
  });

  it('refuses a type other than SMTP', () => {
    assertError(refuse(basicForm({ type: 'IMAP' })), 'type', 'must be "SMTP"');
    assertError(refuse(basicForm({ type: '  ' })), 'type', 'required');
  });

  it('refuses an empty name and an empty URL', () => {
    const errors = refuse(basicForm({ name: '  ', url: '' }));
    assertOnlyPaths(errors, ['name', 'url']);
    assertError(errors, 'url', 'hostname:port');
  });

  it('turns an empty description into null', () => {
    assert.equal(accept(basicForm({ description: '   ' })).description, null);
  });

  it('refuses a Basic form without a user name or a password: there is no unauthenticated mode', () => {
    const errors = refuse(basicForm({ userName: null, password: '' }));
    assertOnlyPaths(errors, ['userName', 'password']);
    assertError(errors, 'userName', 'User name is required', 'no unauthenticated mode');
    assertError(errors, 'password', 'Password is required', 'no unauthenticated mode');
  });

  it('refuses an OAuth2 form without a user name (the mailbox) or a password (the client secret)', () => {
    const errors = refuse(oauth2Form({ userName: '  ', password: null }));
    assertOnlyPaths(errors, ['userName', 'password']);
    assertError(errors, 'userName', 'OAuth2', 'mailbox');
    assertError(errors, 'password', 'OAuth2', 'client secret');
  });

  it('keeps the password exactly as typed', () => {
    const sut = accept(basicForm({ password: ' p w ' }));
    assert.deepEqual(sut.auth, { kind: 'basic', username: 'reports@acme.com', password: ' p w ' });
  });

  it('never puts the password into a message', () => {
    const secret = 'Sup3r-S3cret-Value!';
    const errors = refuse(basicForm({ password: secret, type: 'x', configuration: '{ "UseSsl": 3, ' }));
    assert.ok(!JSON.stringify(errors).includes(secret));
  });

  it('collects every error at once, in form order', () => {
    const errors = refuse({
      type: 'POP3',
      name: '',
      description: null,
      url: '',
      userName: null,
      password: null,
      configuration: JSON.stringify({ UseSsl: 1, FromAddress: 7, ClientID: 'x' }),
    });
    assert.deepEqual(
      errors.map((e) => e.path),
      [
        'type',
        'name',
        'url',
        'userName',
        'password',
        'configuration.UseSsl',
        'configuration.FromAddress',
        'configuration.AuthType',
      ],
    );
  });
});

describe('UseSsl → tls', () => {
  const tlsOf = (url: string, useSsl: unknown): TlsMode | null =>
    accept(basicForm({ url, configuration: JSON.stringify({ UseSsl: useSsl, ...FROM }) })).tls;

  it('maps true to IMPLICIT_TLS on port 465, else STARTTLS', () => {
    assert.equal(tlsOf('smtp.acme.com:465', true), TlsMode.IMPLICIT_TLS);
    assert.equal(tlsOf('smtp.acme.com:587', true), TlsMode.STARTTLS);
    assert.equal(tlsOf('smtp.acme.com:25', true), TlsMode.STARTTLS);
    assert.equal(tlsOf('[2001:db8::25]:465', true), TlsMode.IMPLICIT_TLS);
  });

  it('maps false to OPPORTUNISTIC', () => {
    assert.equal(tlsOf('smtp.acme.com:25', false), TlsMode.OPPORTUNISTIC);
    assert.equal(tlsOf('smtp.acme.com:465', false), TlsMode.OPPORTUNISTIC);
  });

  it('leaves tls null (the service default) when UseSsl is absent or null', () => {
    assert.equal(accept(withConfiguration(FROM)).tls, null);
    assert.equal(tlsOf('smtp.acme.com:465', null), null);
  });

  it('counts the strings "true"/"false" in any case, with spaces, as booleans', () => {
    assert.equal(tlsOf('smtp.acme.com:587', 'true'), TlsMode.STARTTLS);
    assert.equal(tlsOf('smtp.acme.com:465', ' TRUE '), TlsMode.IMPLICIT_TLS);
    assert.equal(tlsOf('smtp.acme.com:587', 'False'), TlsMode.OPPORTUNISTIC);
  });

  it('refuses other values for UseSsl', () => {
    for (const bad of [1, 'yes', [], {}]) {
      assertError(refuse(withConfiguration({ UseSsl: bad, ...FROM })), 'configuration.UseSsl', 'true or false');
    }
  });

  it('reads the port of host:port, [v6]:port and scheme://host:port', () => {
    assert.equal(portOfUrl('smtp.acme.com:465'), 465);
    assert.equal(portOfUrl('[::1]:2525'), 2525);
    assert.equal(portOfUrl('smtps://smtp.acme.com:465'), 465);
    assert.equal(portOfUrl('smtp.acme.com'), null);
    assert.equal(portOfUrl('::1'), null);
  });
});

describe('TlsMode extension key', () => {
  it('accepts every mode, in any case', () => {
    for (const mode of Object.values(TlsMode)) {
      assert.equal(accept(withConfiguration({ ...FROM, TlsMode: mode.toLowerCase() })).tls, mode);
    }
    assert.equal(
      accept(withConfiguration({ ...FROM, tlsmode: 'implicit-tls', UseSsl: true })).tls,
      TlsMode.IMPLICIT_TLS,
    );
  });

  it('refuses a mode that contradicts UseSsl', () => {
    assertError(
      refuse(withConfiguration({ ...FROM, UseSsl: true, TlsMode: 'NONE' })),
      'configuration.TlsMode',
      'contradicts',
    );
    assertError(
      refuse(withConfiguration({ ...FROM, UseSsl: false, TlsMode: 'STARTTLS' })),
      'configuration.TlsMode',
      'contradicts',
    );
  });

  it('refuses an unknown mode, listing the modes', () => {
    assertError(
      refuse(withConfiguration({ ...FROM, TlsMode: 'SSL' })),
      'configuration.TlsMode',
      'IMPLICIT_TLS',
      'OPPORTUNISTIC',
    );
  });
});

describe('keys', () => {
  it('match case-insensitively', () => {
    const sut = accept(
      oauth2Form({
        configuration: JSON.stringify({
          usessl: true,
          FROMDISPLAYNAME: 'ACME',
          fromAddress: 'reports@acme.com',
          granttype: 'clientcredentials',
          authtype: 'oauth2',
          ClientId: CLIENT_ID,
          SCOPE: 'https://outlook.office365.com/.default',
          tokenurl: OAUTH2.TokenUrl,
          clientauthtype: 'sendclientcredentialsinbody',
        }),
      }),
    );
    assert.equal(sut.tls, TlsMode.STARTTLS);
    assert.equal(sut.fromDisplayName, 'ACME');
    assert.equal(sut.auth.kind, 'oauth2ClientCredentials');
    if (sut.auth.kind === 'oauth2ClientCredentials') assert.equal(sut.auth.clientId, CLIENT_ID);
  });

  it('refuse an unknown key, suggesting the closest known key', () => {
    const errors = refuse(withConfiguration({ UseSSl2: true, ...FROM }));
    assertOnlyPaths(errors, ['configuration.UseSSl2']);
    assert.equal(errors[0].message, 'Unknown key "UseSSl2" — did you mean "UseSsl"?');
    assertError(
      refuse(withConfiguration({ ...FROM, FromDisplayNme: 'x' })),
      'configuration.FromDisplayNme',
      'did you mean "FromDisplayName"',
    );
    assertError(refuse(oauth2With({ ...OAUTH2, TokenUri: 'x' })), 'configuration.TokenUri', 'did you mean "TokenUrl"');
    assertError(
      refuse(withConfiguration({ ...FROM, EnableSsl: true })),
      'configuration.EnableSsl',
      'did you mean "UseSsl"',
    );
  });

  it('refuse an unknown key far from every known key, listing the known keys', () => {
    assertError(
      refuse(withConfiguration({ ...FROM, Colour: 'blue' })),
      'configuration.Colour',
      'known keys are',
      '"UseSsl"',
      '"ClientAuthType"',
      '"TlsMode"',
    );
  });

  it('refuse secrets and form fields typed into Configuration, pointing at the right field', () => {
    assertError(refuse(oauth2With({ ...OAUTH2, ClientSecret: 'abc' })), 'configuration.ClientSecret', 'Password field');
    assertError(refuse(withConfiguration({ ...FROM, Password: 'abc' })), 'configuration.Password', 'Password field');
    assertError(refuse(withConfiguration({ ...FROM, UserName: 'abc' })), 'configuration.UserName', 'User name field');
    assertError(refuse(withConfiguration({ ...FROM, Port: 587 })), 'configuration.Port', 'URL field');
    assertError(refuse(oauth2With({ ...OAUTH2, TenantId: TENANT_ID })), 'configuration.TenantId', 'TokenUrl');
  });

  it('refuse a key given twice in different cases', () => {
    const errors = refuse(withConfiguration('{ "UseSsl": true, "FromAddress": "reports@acme.com", "useSSL": false }'));
    assertOnlyPaths(errors, ['configuration.UseSsl']);
    assertError(
      errors,
      'configuration.UseSsl',
      'given twice',
      'line 1, column 3',
      'line 1, column 54',
      'keep only one',
    );
  });

  it('refuse a key given twice in the same case (JSON.parse would keep the last silently)', () => {
    const errors = refuse(withConfiguration('{ "FromAddress": "a@acme.com",\n  "FromAddress": "b@acme.com" }'));
    assertError(errors, 'configuration.FromAddress', 'given twice', 'line 2, column 3');
  });
});

describe('value types', () => {
  it('refuse a non-text value for a text key', () => {
    assertError(
      refuse(withConfiguration({ FromAddress: { a: 1 } })),
      'configuration.FromAddress',
      'text in double quotes',
      'not an object',
    );
    assertError(
      refuse(withConfiguration({ ...FROM, FromDisplayName: 42 })),
      'configuration.FromDisplayName',
      'not a number',
    );
    assertError(refuse(oauth2With({ ...OAUTH2, ClientID: ['x'] })), 'configuration.ClientID', 'not a list');
    assertError(refuse(oauth2With({ ...OAUTH2, Scope: true })), 'configuration.Scope', 'text in double quotes');
  });

  it('refuse a FromAddress that is not a plain address', () => {
    assertError(
      refuse(withConfiguration({ FromAddress: 'ACME <reports@acme.com>' })),
      'configuration.FromAddress',
      'plain email address',
    );
  });

  it('refuse a TokenUrl that is not an absolute URL', () => {
    assertError(
      refuse(oauth2With({ ...OAUTH2, TokenUrl: 'login.microsoftonline.com/x' })),
      'configuration.TokenUrl',
      'full address',
    );
  });

  it('take null and "" for an optional key as absent', () => {
    const sut = accept(oauth2With({ ...OAUTH2, FromDisplayName: '', Scope: null, ClientAuthType: null, UseSsl: null }));
    assert.equal(sut.fromDisplayName, null);
    assert.equal(sut.tls, null);
    assert.equal(
      sut.auth.kind === 'oauth2ClientCredentials' && sut.auth.scope,
      'https://outlook.office365.com/.default',
    );
  });
});

describe('auth method', () => {
  it('is Basic without AuthType and with "AuthType": "Basic" in any case', () => {
    assert.equal(accept(withConfiguration(FROM)).auth.kind, 'basic');
    assert.equal(accept(withConfiguration({ ...FROM, AuthType: 'basic' })).auth.kind, 'basic');
  });

  it('refuses an AuthType other than OAuth2 or Basic', () => {
    assertError(
      refuse(withConfiguration({ ...FROM, AuthType: 'NTLM' })),
      'configuration.AuthType',
      '"OAuth2"',
      '"Basic"',
    );
  });

  it('refuses OAuth2 keys without AuthType, asking for "AuthType": "OAuth2"', () => {
    const { AuthType: _omit, ...noAuthType } = OAUTH2;
    const errors = refuse(oauth2With(noAuthType));
    assertOnlyPaths(errors, ['configuration.AuthType']);
    assertError(errors, 'configuration.AuthType', 'add "AuthType": "OAuth2"', 'GrantType', 'ClientID', 'TokenUrl');
  });

  it('refuses OAuth2 keys with "AuthType": "Basic", on each key', () => {
    const errors = refuse(withConfiguration({ ...FROM, AuthType: 'Basic', ClientID: CLIENT_ID, Scope: 's' }));
    assertOnlyPaths(errors, ['configuration.ClientID', 'configuration.Scope']);
    assertError(errors, 'configuration.ClientID', 'applies only to "AuthType": "OAuth2"');
  });

  it('refuses a GrantType other than ClientCredentials', () => {
    for (const grant of ['AuthorizationCode', 'Password', 'client-credential']) {
      assertError(
        refuse(oauth2With({ ...OAUTH2, GrantType: grant })),
        'configuration.GrantType',
        'must be "ClientCredentials"',
      );
    }
  });

  it('accepts the RFC 6749 spelling client_credentials, and a missing GrantType (the only grant there is)', () => {
    assert.equal(
      accept(oauth2With({ ...OAUTH2, GrantType: 'client_credentials' })).auth.kind,
      'oauth2ClientCredentials',
    );
    const { GrantType: _omit, ...noGrant } = OAUTH2;
    assert.equal(accept(oauth2With(noGrant)).auth.kind, 'oauth2ClientCredentials');
  });

  it('refuses OAuth2 without ClientID or TokenUrl, missing or empty', () => {
    const { ClientID: _c, TokenUrl: _t, ...bare } = OAUTH2;
    const errors = refuse(oauth2With(bare));
    assertOnlyPaths(errors, ['configuration.ClientID', 'configuration.TokenUrl']);
    assertError(errors, 'configuration.ClientID', 'needs "ClientID"', 'Application (client) ID');
    assertError(errors, 'configuration.TokenUrl', 'needs "TokenUrl"');
    assertError(refuse(oauth2With({ ...OAUTH2, ClientID: '  ' })), 'configuration.ClientID', 'ClientID is empty');
  });

  it('defaults Scope to https://outlook.office365.com/.default and ClientAuthType to the body', () => {
    const { auth } = accept(oauth2With(OAUTH2));
    assert.equal(auth.kind, 'oauth2ClientCredentials');
    if (auth.kind !== 'oauth2ClientCredentials') return;
    assert.equal(auth.scope, 'https://outlook.office365.com/.default');
    assert.equal(auth.clientAuthType, ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY);
    assert.equal(auth.secretExpiresAt, null);
    assert.equal(auth.username, 'reports@yourcompany.com');
    assert.equal(auth.clientSecret, CLIENT_SECRET);
  });

  it('keeps a given Scope', () => {
    const { auth } = accept(oauth2With({ ...OAUTH2, Scope: 'https://example.com/.default' }));
    assert.equal(auth.kind === 'oauth2ClientCredentials' && auth.scope, 'https://example.com/.default');
  });
});

describe('ClientAuthType spellings', () => {
  const clientAuthTypeOf = (value: string): ClientAuthType | null => {
    const { auth } = accept(oauth2With({ ...OAUTH2, ClientAuthType: value }));
    return auth.kind === 'oauth2ClientCredentials' ? auth.clientAuthType : null;
  };

  it('maps header-style spellings, in any case, to BASIC_AUTH_HEADER', () => {
    for (const s of [
      'SendClientCredentialsInHeader',
      'BasicAuthHeader',
      'BasicAuth',
      'Header',
      'header',
      'BASIC_AUTH_HEADER',
      'basic-auth',
      'AuthorizationHeader',
      'client_secret_basic',
    ]) {
      assert.equal(clientAuthTypeOf(s), ClientAuthType.BASIC_AUTH_HEADER, s);
    }
  });

  it('maps body-style spellings to SEND_CLIENT_CREDENTIALS_IN_BODY', () => {
    for (const s of [
      'SendClientCredentialsInBody',
      'sendclientcredentialsinbody',
      'Body',
      'SEND_CLIENT_CREDENTIALS_IN_BODY',
      'client_secret_post',
    ]) {
      assert.equal(clientAuthTypeOf(s), ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY, s);
    }
  });

  it('refuses anything else, naming the accepted spellings', () => {
    const errors = refuse(oauth2With({ ...OAUTH2, ClientAuthType: 'InQuery' }));
    assertError(
      errors,
      'configuration.ClientAuthType',
      '"SendClientCredentialsInBody"',
      '"SendClientCredentialsInHeader"',
      '"BasicAuthHeader"',
      '"BasicAuth"',
      '"Header"',
    );
  });
});

describe('configuration as a whole', () => {
  it('refuses an absent or empty configuration, naming the keys needed, with the documented example', () => {
    for (const configuration of [null, '', '  \n ']) {
      const errors = refuse(basicForm({ configuration }));
      assertOnlyPaths(errors, ['configuration']);
      assertError(errors, 'configuration', 'required', '"FromAddress"', DOCUMENTED_BASIC_CONFIGURATION);
    }
  });

  it('refuses a configuration without FromAddress, asking to add it', () => {
    const errors = refuse(withConfiguration({ UseSsl: true, FromDisplayName: 'ACME' }));
    assertOnlyPaths(errors, ['configuration.FromAddress']);
    assertError(errors, 'configuration.FromAddress', 'add it', '"FromAddress"');
    assertError(refuse(withConfiguration({})), 'configuration.FromAddress', '"FromAddress"');
  });

  it('refuses JSON that is not an object', () => {
    for (const text of ['[1, 2]', '"UseSsl"', '42', 'true', 'null']) {
      assertError(refuse(withConfiguration(text)), 'configuration', 'must be a JSON object');
    }
  });

  it('refuses a trailing comma, with line and column of the comma', () => {
    const errors = refuse(withConfiguration('{\n  "UseSsl": true,\n  "FromAddress": "reports@acme.com",\n}'));
    assertOnlyPaths(errors, ['configuration']);
    assertError(errors, 'configuration', 'line 3, column 36', 'trailing comma', 'remove');
  });

  it('refuses a missing closing quote on a value, pointing where it belongs', () => {
    const errors = refuse(
      withConfiguration('{ "UseSsl" : true, "FromDisplayName" : "ACME Reporting, "FromAddress" : "reports@acme.com" }'),
    );
    assertError(errors, 'configuration', 'line 1, column 55', 'closing quote is missing after ACME Reporting');
  });

  it('refuses a missing closing quote on a key', () => {
    const errors = refuse(withConfiguration('{ "UseSsl : true, "FromAddress" : "reports@acme.com" }'));
    assertError(errors, 'configuration', 'line 1, column 10', 'closing quote is missing after UseSsl');
  });

  it('refuses a missing quote at the end of the text', () => {
    const errors = refuse(withConfiguration('{ "UseSsl" : true, "FromAddress" : "reports@acme.com }'));
    assertError(errors, 'configuration', 'line 1, column 36', 'no closing quote', 'add the missing "');
  });

  it('refuses smart quotes pasted from a document, asking for straight quotes', () => {
    const smart = DOCUMENTED_BASIC_CONFIGURATION.replace(/"/g, (_q, offset: number) =>
      offset % 2 === 0 ? '\u201C' : '\u201D',
    );
    assertError(
      refuse(withConfiguration(smart)),
      'configuration',
      'line 1, column 3',
      'replace curly quotes with straight " quotes',
    );
    assertError(
      refuse(withConfiguration('{ \u2018UseSsl\u2019 : true }')),
      'configuration',
      'line 1, column 3',
      'replace curly quotes with straight " quotes',
    );
    // one curly quote among straight ones
    assertError(
      refuse(withConfiguration('{ "UseSsl\u201D : true, "FromAddress" : "reports@acme.com" }')),
      'configuration',
      'line 1, column 10',
      'replace curly quotes with straight " quotes',
    );
  });

  it('refuses single quotes, asking for double quotes', () => {
    assertError(refuse(withConfiguration("{ 'UseSsl' : true }")), 'configuration', 'line 1, column 3', 'double quotes');
  });

  it('refuses a missing comma, True/False, unquoted keys and comments, each with line and column', () => {
    assertError(
      refuse(withConfiguration('{ "UseSsl" : true "FromAddress" : "a@b.c" }')),
      'configuration',
      'line 1, column 19',
      'comma is missing',
    );
    assertError(refuse(withConfiguration('{ "UseSsl" : True }')), 'configuration', 'line 1, column 14', 'lower case');
    assertError(
      refuse(withConfiguration('{ UseSsl : true }')),
      'configuration',
      'line 1, column 3',
      'double quotes, "UseSsl"',
    );
    assertError(
      refuse(withConfiguration('{ "UseSsl" : true } // Basic')),
      'configuration',
      'line 1, column 21',
      'comments',
    );
    assertError(refuse(withConfiguration('{ "UseSsl" : true ')), 'configuration', 'line 1, column 1', 'never closed');
  });

  it('forgives invisible spaces pasted from web pages between tokens', () => {
    const sut = accept(
      withConfiguration('\uFEFF{\u00A0"UseSsl" :\u00A0true, "FromAddress" : "reports@acme.com"\u200B }'),
    );
    assert.equal(sut.fromAddress, 'reports@acme.com');
  });

  it('accepts a multi-line, indented configuration', () => {
    const sut = accept(withConfiguration('{\r\n\t"UseSsl" : false,\r\n\t"FromAddress" : "reports@acme.com"\r\n}\r\n'));
    assert.equal(sut.tls, TlsMode.OPPORTUNISTIC);
  });

  it('refuses an oversized configuration without parsing it', () => {
    assertError(
      refuse(withConfiguration(`{ "FromAddress": "${'a'.repeat(70_000)}@b.c" }`)),
      'configuration',
      'longer than',
    );
  });

  it('reports every wrong key at once', () => {
    const errors = refuse(
      oauth2With({
        ...OAUTH2,
        UseSsl: 2,
        GrantType: 'Password',
        ClientAuthType: 'x',
        ClientID: 'YOUR_CLIENT_ID',
        Extra: 1,
      }),
    );
    assertOnlyPaths(errors, [
      'configuration.UseSsl',
      'configuration.GrantType',
      'configuration.ClientAuthType',
      'configuration.ClientID',
      'configuration.Extra',
    ]);
  });

  it('returns a result, never throws, on arbitrary text', () => {
    const samples = [
      '{',
      '}',
      '{"a":',
      '{"a":1,,}',
      '{"a" 1}',
      '[',
      '{"\\x": 1}',
      '{"a": -}',
      '{"a": 01}',
      '{"a": "\u0001"}',
      '{{}}',
      '[{]}',
    ];
    for (const s of samples) {
      const result = formToNewConnection(withConfiguration(s));
      assert.equal(result.ok, false, s);
      if (!result.ok) assertError(result.errors, 'configuration', 'line 1, column');
    }
  });
});

describe('toFormErrors', () => {
  it('moves service paths onto the form fields the admin typed', () => {
    const moved = toFormErrors([
      { path: 'auth.oauth2ClientCredentials.tokenUrl', message: 'tokenUrl: must use https://' },
      { path: 'auth.oauth2ClientCredentials.clientId', message: 'm' },
      { path: 'auth.oauth2ClientCredentials.scope', message: 'm' },
      { path: 'auth.oauth2ClientCredentials.username', message: 'm' },
      { path: 'auth.oauth2ClientCredentials.clientSecret', message: 'm' },
      { path: 'auth.basic.password', message: 'm' },
      { path: 'input.fromAddress', message: 'm' },
      { path: 'caCertificate', message: 'm' },
      { path: 'url', message: 'm' },
      { path: 'somethingElse', message: 'm' },
    ]);
    assert.deepEqual(
      moved.map((e) => e.path),
      [
        'configuration.TokenUrl',
        'configuration.ClientID',
        'configuration.Scope',
        'userName',
        'password',
        'password',
        'configuration.FromAddress',
        'configuration.CaCertificate',
        'url',
        'somethingElse',
      ],
    );
    assert.equal(moved[0].message, 'tokenUrl: must use https://');
  });
});
