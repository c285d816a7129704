/**
 * The egress policy through the real app over GraphQL, with an explicit EGRESS_* environment that does NOT
 * allow loopback, and a stub resolver for names.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.js';
import { CREATE_CONNECTION, SEND_TEST_EMAIL, TEST_CONNECTION_SETTINGS, UPDATE_CONNECTION } from '../api/operations.js';
import { stubResolver } from './stub-resolver.js';

const TENANT = '8f7e6d5c-4b3a-4921-8877-665544332211';

function basicInput(url: string) {
  return {
    name: `egress ${url}`,
    url,
    fromAddress: 'reports@example.com',
    auth: { basic: { username: 'reports', password: 'correct horse battery' } },
  };
}

function fieldErrors(response: GraphQLResponse): Array<{ path: string; message: string }> {
  assert.equal(response.errors?.[0]?.extensions.code, 'BAD_USER_INPUT', response.body);
  return response.errors![0]!.extensions.fields ?? [];
}

describe('egress policy over GraphQL', () => {
  let t: TestApp;
  const { resolver, calls } = stubResolver({
    'meta.evil.test': [['169.254.169.254']],
    'internal.evil.test': [['10.1.2.3']],
  });
  before(async () => {
    t = await startTestApp({
      env: { EGRESS_ALLOW_PRIVATE: 'false', OAUTH2_ALLOWED_TOKEN_HOSTS: 'login.microsoftonline.com,169.254.169.254' },
      egressResolver: resolver,
    });
  });
  after(async () => {
    await t.close();
  });

  test('createConnection with url 127.0.0.1:25 → BAD_USER_INPUT on url, naming EGRESS_ALLOWED_HOSTS', async () => {
    const fields = fieldErrors(await t.gql(CREATE_CONNECTION, { input: basicInput('127.0.0.1:25') }));
    assert.deepEqual(
      fields.map((f) => f.path),
      ['url'],
    );
    assert.match(fields[0]!.message, /^url: 127\.0\.0\.1 is a loopback address, .*EGRESS_ALLOWED_HOSTS/);
  });

  test('every literal form of loopback and metadata is refused at save time', async () => {
    for (const url of [
      '127.1:25',
      '0x7f000001:25',
      '2130706433:587',
      '[::1]:25',
      '[::ffff:127.0.0.1]:587',
      '169.254.169.254:25',
      'localhost:25',
    ]) {
      const fields = fieldErrors(await t.gql(CREATE_CONNECTION, { input: basicInput(url) }));
      assert.equal(fields[0]?.path, 'url', url);
      assert.match(fields[0]!.message, /EGRESS_ALLOWED_HOSTS/, url);
    }
    assert.deepEqual(calls, [], 'save-time checks never touch DNS');
  });

  test('a private literal names EGRESS_ALLOW_PRIVATE; a forbidden port names EGRESS_ALLOWED_PORTS', async () => {
    const privateFields = fieldErrors(await t.gql(CREATE_CONNECTION, { input: basicInput('10.1.2.3:587') }));
    assert.match(privateFields[0]!.message, /^url: 10\.1\.2\.3 is a private-range address .*EGRESS_ALLOW_PRIVATE=true/);
    const portFields = fieldErrors(await t.gql(CREATE_CONNECTION, { input: basicInput('smtp.example.com:6379') }));
    assert.deepEqual(
      portFields.map((f) => f.path),
      ['url'],
    );
    assert.match(portFields[0]!.message, /port 6379 .*EGRESS_ALLOWED_PORTS/);
  });

  test('testConnectionSettings refuses literals the same way, before any network access', async () => {
    const response = await t.gql(TEST_CONNECTION_SETTINGS, {
      input: basicInput('0177.0.0.1:587'),
      to: 'admin@example.com',
    });
    const fields = fieldErrors(response);
    assert.equal(fields[0]?.path, 'url');
    assert.match(fields[0]!.message, /0177\.0\.0\.1 \(127\.0\.0\.1\) is a loopback address/);
  });

  test('a token URL on a forbidden literal → path auth.oauth2ClientCredentials.tokenUrl', async () => {
    const input = {
      name: 'oauth egress',
      url: 'smtp.office365.com:587',
      fromAddress: 'reports@example.com',
      auth: {
        oauth2ClientCredentials: {
          username: 'mailbox@example.com',
          clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
          clientSecret: 'egress-canary-client-secret',
          tokenUrl: `https://169.254.169.254/${TENANT}/oauth2/v2.0/token`,
        },
      },
    };
    const response = await t.gql(CREATE_CONNECTION, { input });
    const fields = fieldErrors(response);
    assert.deepEqual(
      fields.map((f) => f.path),
      ['auth.oauth2ClientCredentials.tokenUrl'],
    );
    assert.match(
      fields[0]!.message,
      /^tokenUrl: 169\.254\.169\.254 is a link-local address \(the cloud metadata service\).*EGRESS_ALLOWED_HOSTS/,
    );
    assert.ok(!response.body.includes('egress-canary-client-secret'));
  });

  test('updateConnection of tokenUrl to a forbidden literal → BAD_USER_INPUT on tokenUrl', async () => {
    const created = await t.gql(CREATE_CONNECTION, {
      input: {
        name: 'oauth to update',
        url: 'smtp.office365.com:587',
        fromAddress: 'reports@example.com',
        auth: {
          oauth2ClientCredentials: {
            username: 'mailbox@example.com',
            clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
            clientSecret: 'first-client-secret-value',
            tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
          },
        },
      },
    });
    assert.equal(created.errors, undefined, created.body);
    const updated = await t.gql(UPDATE_CONNECTION, {
      id: created.data!.createConnection.id,
      input: { tokenUrl: `https://169.254.169.254/${TENANT}/oauth2/v2.0/token`, secret: 'second-client-secret-value' },
    });
    const fields = fieldErrors(updated);
    assert.deepEqual(
      fields.map((f) => f.path),
      ['tokenUrl'],
    );
    assert.match(fields[0]!.message, /^tokenUrl: 169\.254\.169\.254 is a link-local address .*EGRESS_ALLOWED_HOSTS/);
  });

  test('sendTestEmail on a name that resolves to 169.254.169.254 → ok:false, stage CONFIG, EGRESS_DENIED', async () => {
    const created = await t.gql(CREATE_CONNECTION, { input: basicInput('meta.evil.test:587') });
    assert.equal(created.errors, undefined, created.body);
    const id = created.data!.createConnection.id as string;
    const sent = await t.gql(SEND_TEST_EMAIL, { id, to: 'admin@example.com' });
    assert.equal(sent.errors, undefined, sent.body);
    const result = sent.data!.sendTestEmail;
    assert.deepEqual(
      { ok: result.ok, stage: result.stage, errorCode: result.errorCode },
      { ok: false, stage: 'CONFIG', errorCode: 'EGRESS_DENIED' },
    );
    assert.match(
      result.hint,
      /^meta\.evil\.test resolves to a link-local address \(the cloud metadata service\).*EGRESS_ALLOWED_HOSTS/,
    );
    assert.doesNotMatch(result.hint, /disable/i);
    assert.ok(calls.includes('meta.evil.test'));
  });

  test('testConnectionSettings on a name that resolves privately → stage CONFIG naming EGRESS_ALLOW_PRIVATE', async () => {
    const tested = await t.gql(TEST_CONNECTION_SETTINGS, {
      input: basicInput('internal.evil.test:587'),
      to: 'admin@example.com',
      dryRun: true,
    });
    assert.equal(tested.errors, undefined, tested.body);
    const result = tested.data!.testConnectionSettings;
    assert.equal(result.stage, 'CONFIG');
    assert.equal(result.errorCode, 'EGRESS_DENIED');
    assert.match(result.hint, /private-range address.*EGRESS_ALLOW_PRIVATE=true/);
  });

  test('updateConnection to a forbidden literal → BAD_USER_INPUT on url', async () => {
    const created = await t.gql(CREATE_CONNECTION, {
      input: { ...basicInput('smtp.example.com:587'), name: 'to update' },
    });
    assert.equal(created.errors, undefined, created.body);
    const id = created.data!.createConnection.id as string;
    const updated = await t.gql(UPDATE_CONNECTION, {
      id,
      input: { url: '[::ffff:7f00:1]:25', secret: 'new password here' },
    });
    const fields = fieldErrors(updated);
    assert.deepEqual(
      fields.map((f) => f.path),
      ['url'],
    );
    assert.match(fields[0]!.message, /loopback address \(IPv4-mapped form of 127\.0\.0\.1\).*EGRESS_ALLOWED_HOSTS/);
  });
});

describe('default test app policy', () => {
  test('without EGRESS_* env, startTestApp lists localhost, 127.0.0.1 and ::1; with any EGRESS_* it does not', async () => {
    const plain = await startTestApp();
    try {
      assert.deepEqual(plain.app.config.egress.allowedHosts, ['localhost', '127.0.0.1', '::1']);
      const ok = await plain.gql(CREATE_CONNECTION, { input: basicInput('127.0.0.1:40025') });
      assert.equal(ok.errors, undefined, ok.body);
    } finally {
      await plain.close();
    }
    const strict = await startTestApp({ env: { EGRESS_ALLOWED_PORTS: '587' } });
    try {
      assert.deepEqual(strict.app.config.egress.allowedHosts, []);
      const refused = fieldErrors(await strict.gql(CREATE_CONNECTION, { input: basicInput('127.0.0.1:587') }));
      assert.equal(refused[0]?.path, 'url');
    } finally {
      await strict.close();
    }
  });
});
