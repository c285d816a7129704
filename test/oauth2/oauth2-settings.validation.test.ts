import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateOAuth2Settings, type OAuth2SettingsToValidate } from '../../src/oauth2/oauth2-settings.validation.js';
import {
  DEFAULT_ALLOWED_TOKEN_HOSTS,
  isMicrosoftTokenUrl,
  msalAuthorityFromTokenUrl,
  tenantIdFromTokenUrl,
} from '../../src/oauth2/token-url.js';

const TENANT = '8f7e6d5c-4b3a-4921-8877-665544332211';
const valid: OAuth2SettingsToValidate = {
  tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
  clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  scope: 'https://outlook.office365.com/.default',
  username: 'sender@contoso.com',
};

const ms = (tenant: string): string => `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`;

// [name, change, expected path, message fragment]
const cases: Array<[string, Partial<OAuth2SettingsToValidate>, string, string]> = [
  ['YOUR_TENANT_ID placeholder', { tokenUrl: ms('YOUR_TENANT_ID') }, 'tokenUrl', 'Directory (tenant) ID'],
  ['TENANT placeholder', { tokenUrl: ms('TENANT') }, 'tokenUrl', 'Directory (tenant) ID'],
  ['tenant_id placeholder (lower case)', { tokenUrl: ms('tenant_id') }, 'tokenUrl', 'placeholder'],
  ['{tenant} placeholder', { tokenUrl: ms('{tenant}') }, 'tokenUrl', 'Directory (tenant) ID'],
  ['<tenant-id> placeholder', { tokenUrl: ms('<tenant-id>') }, 'tokenUrl', 'Directory (tenant) ID'],
  ['common tenant', { tokenUrl: ms('common') }, 'tokenUrl', 'client credentials need a specific tenant'],
  ['organizations tenant', { tokenUrl: ms('organizations') }, 'tokenUrl', 'specific tenant'],
  ['consumers tenant', { tokenUrl: ms('Consumers') }, 'tokenUrl', 'specific tenant'],
  [
    'missing tenant',
    { tokenUrl: 'https://login.microsoftonline.com/oauth2/v2.0/token' },
    'tokenUrl',
    'tenant segment is missing',
  ],
  ['tenant neither GUID nor domain', { tokenUrl: ms('contoso') }, 'tokenUrl', 'verified domain'],
  [
    'v1 endpoint',
    { tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/token` },
    'tokenUrl',
    'oauth2/v2.0/token',
  ],
  [
    'authorize endpoint',
    { tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize` },
    'tokenUrl',
    'not a token endpoint',
  ],
  ['http', { tokenUrl: `http://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token` }, 'tokenUrl', 'https://'],
  ['unparseable', { tokenUrl: 'login.microsoftonline.com/x' }, 'tokenUrl', 'not a valid URL'],
  ['empty', { tokenUrl: '' }, 'tokenUrl', 'required'],
  ['host not allowed', { tokenUrl: 'https://auth.example.com/oauth/token' }, 'tokenUrl', 'OAUTH2_ALLOWED_TOKEN_HOSTS'],
  ['Graph scope', { scope: 'https://graph.microsoft.com/.default' }, 'scope', 'https://outlook.office365.com/.default'],
  [
    'delegated SMTP.Send',
    { scope: 'https://outlook.office365.com/SMTP.Send' },
    'scope',
    'client credentials only take "<resource>/.default"',
  ],
  ['outlook.office.com delegated', { scope: 'https://outlook.office.com/SMTP.Send' }, 'scope', '/.default'],
  ['bare SMTP.Send', { scope: 'SMTP.Send' }, 'scope', '/.default'],
  ['two scopes', { scope: 'https://outlook.office365.com/.default api://x/.default' }, 'scope', 'exactly one'],
  ['empty scope', { scope: '  ' }, 'scope', 'https://outlook.office365.com/.default'],
  ['clientId placeholder', { clientId: 'YOUR_CLIENT_ID' }, 'clientId', 'replace the placeholder'],
  ['clientId {client-id}', { clientId: '{client-id}' }, 'clientId', 'replace the placeholder'],
  ['clientId not a GUID', { clientId: 'my-mail-app' }, 'clientId', 'Application (client) ID'],
  ['clientId empty', { clientId: '' }, 'clientId', 'required'],
  ['username not an email', { username: 'sender' }, 'username', 'email address of the mailbox'],
  ['clientSecret is a Secret ID', { clientSecret: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }, 'clientSecret', 'Value'],
];

describe('validateOAuth2Settings', () => {
  test('valid Microsoft settings pass', () => {
    assert.deepEqual(validateOAuth2Settings({ ...valid, clientSecret: 'Xy9~Q8s.value' }), []);
  });

  test('a verified domain and the sovereign clouds pass', () => {
    assert.deepEqual(validateOAuth2Settings({ ...valid, tokenUrl: ms('contoso.onmicrosoft.com') }), []);
    assert.deepEqual(
      validateOAuth2Settings({ ...valid, tokenUrl: `https://login.microsoftonline.us/${TENANT}/oauth2/v2.0/token` }),
      [],
    );
    assert.deepEqual(
      validateOAuth2Settings({
        ...valid,
        tokenUrl: `https://login.partner.microsoftonline.cn/${TENANT}/oauth2/v2.0/token`,
      }),
      [],
    );
  });

  for (const [name, change, path, fragment] of cases) {
    test(`${name} → ${path}`, () => {
      const errors = validateOAuth2Settings({ ...valid, ...change });
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0]!.path, path);
      assert.ok(errors[0]!.message.includes(fragment), errors[0]!.message);
      assert.ok(errors[0]!.message.startsWith(`${path}:`), 'the message names the field');
    });
  }

  test('the secret is never echoed in a message', () => {
    const secret = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const errors = validateOAuth2Settings({ ...valid, clientSecret: secret });
    assert.ok(!JSON.stringify(errors).includes(secret));
  });

  test('a generic provider on an allowed host: any clientId, non-Microsoft scopes', () => {
    const settings = {
      ...valid,
      tokenUrl: 'https://auth.example.com/oauth/token',
      clientId: 'postroom',
      scope: 'mail.send',
    };
    assert.deepEqual(validateOAuth2Settings(settings, { allowedTokenHosts: ['auth.example.com'] }), []);
  });

  test('allowedTokenHosts replaces the default list; host:port entries work', () => {
    const local = 'https://127.0.0.1:8443/' + TENANT + '/oauth2/v2.0/token';
    assert.deepEqual(
      validateOAuth2Settings({ ...valid, tokenUrl: local }, { allowedTokenHosts: ['127.0.0.1:8443'] }),
      [],
    );
    const errors = validateOAuth2Settings(valid, { allowedTokenHosts: ['127.0.0.1'] });
    assert.equal(errors[0]?.path, 'tokenUrl');
  });

  test('tenant rules apply to the Microsoft path shape on any host', () => {
    const errors = validateOAuth2Settings(
      { ...valid, tokenUrl: 'https://127.0.0.1:8443/common/oauth2/v2.0/token' },
      { allowedTokenHosts: ['127.0.0.1'] },
    );
    assert.equal(errors[0]?.path, 'tokenUrl');
    assert.match(errors[0]!.message, /specific tenant/);
  });
});

describe('token URL helpers', () => {
  test('default allowed hosts are Microsoft login hosts without the retired German cloud', () => {
    assert.ok(DEFAULT_ALLOWED_TOKEN_HOSTS.includes('login.microsoftonline.com'));
    assert.ok(DEFAULT_ALLOWED_TOKEN_HOSTS.includes('login.microsoftonline.us'));
    assert.ok(!DEFAULT_ALLOWED_TOKEN_HOSTS.includes('login.microsoftonline.de'));
  });

  test('tenantIdFromTokenUrl, isMicrosoftTokenUrl, msalAuthorityFromTokenUrl', () => {
    assert.equal(tenantIdFromTokenUrl(valid.tokenUrl), TENANT);
    assert.equal(tenantIdFromTokenUrl('https://login.microsoftonline.com/contoso.com/oauth2/token'), 'contoso.com');
    assert.equal(tenantIdFromTokenUrl('https://auth.example.com/oauth/token'), null);
    assert.equal(tenantIdFromTokenUrl('not a url'), null);
    assert.equal(isMicrosoftTokenUrl(valid.tokenUrl), true);
    assert.equal(isMicrosoftTokenUrl('https://127.0.0.1:8443/x/oauth2/v2.0/token'), false);
    assert.equal(msalAuthorityFromTokenUrl(valid.tokenUrl), `https://login.microsoftonline.com/${TENANT}`);
    assert.equal(msalAuthorityFromTokenUrl('https://127.0.0.1:8443/t1/oauth2/v2.0/token'), 'https://127.0.0.1:8443/t1');
    assert.equal(msalAuthorityFromTokenUrl('https://auth.example.com/token'), null);
  });
});
