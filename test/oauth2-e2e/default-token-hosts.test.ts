/**
 * With OAUTH2_ALLOWED_TOKEN_HOSTS unset, only Microsoft's login hosts are allowed token hosts. Its own file (its
 * own process) because in-memory PGlite is one database per process, so a second app would share it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  TEST_TENANT_ID,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { assertNoLeak, fieldMessage, oauth2Input, ok, startRecordedApp, type RecordedApp } from './harness.js';
import { CREATE } from './operations.js';

let endpoint: TokenEndpoint;
let sink: SmtpSink;
let app: RecordedApp;
let names = 0;
const input = (tokenUrl: string) => {
  names += 1;
  return oauth2Input(`Defaults ${names}`, sink, {
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    tokenUrl,
  });
};

before(async () => {
  endpoint = await startTokenEndpoint();
  sink = await startSmtpSink({ tls: 'starttls', authMethods: ['XOAUTH2'] });
  app = await startRecordedApp({ caPems: [endpoint.caPem] });
});
after(async () => {
  await app.t.close();
  await sink.close();
  await endpoint.close();
});

test('a token host outside the default list → BAD_USER_INPUT naming OAUTH2_ALLOWED_TOKEN_HOSTS and the allowed hosts', async () => {
  for (const tokenUrl of [
    endpoint.tokenUrl(TEST_TENANT_ID),
    endpoint.genericTokenUrl,
    `https://login.windows.net/${TEST_TENANT_ID}/oauth2/v2.0/token`,
  ]) {
    const message = fieldMessage(
      await app.gql(CREATE, { input: input(tokenUrl) }),
      'auth.oauth2ClientCredentials.tokenUrl',
    );
    assert.match(message, /OAUTH2_ALLOWED_TOKEN_HOSTS/);
    for (const host of [
      'login.microsoftonline.com',
      'login.microsoftonline.us',
      'login.partner.microsoftonline.cn',
      'login.chinacloudapi.cn',
    ]) {
      assert.ok(message.includes(host), `the default list names ${host}: ${message}`);
    }
  }
});

test('the default Microsoft login hosts are accepted at save time', async () => {
  for (const origin of [
    'https://login.microsoftonline.com',
    'https://login.microsoftonline.us',
    'https://login.partner.microsoftonline.cn',
    'https://login.chinacloudapi.cn',
  ]) {
    const created = ok(
      await app.gql(CREATE, { input: input(`${origin}/${TEST_TENANT_ID}/oauth2/v2.0/token`) }),
    ).createConnection;
    assert.equal(created.auth.tenantId, TEST_TENANT_ID);
  }
  assert.equal(endpoint.tokenRequests, 0, 'saving never calls the token endpoint');
});

test('canary: the client secret appears in no response body or log line', () => {
  assertNoLeak(app.bodies, [TEST_CLIENT_SECRET], 'response bodies');
  assertNoLeak(app.t.logs, [TEST_CLIENT_SECRET], 'log lines', { mayBeEmpty: true });
});
