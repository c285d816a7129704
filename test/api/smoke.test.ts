import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { CREATE_CONNECTION, SEND_TEST_EMAIL } from './operations.js';

let t: TestApp;
let sink: SmtpSink;
before(async () => {
  t = await startTestApp();
  sink = await startSmtpSink({ tls: 'starttls' });
});
after(async () => {
  await t.close();
  await sink.close();
});

test('create then send a test email over STARTTLS', async () => {
  const created = await t.gql(CREATE_CONNECTION, {
    input: {
      name: 'Default',
      url: `localhost:${sink.port}`,
      caCertificate: sink.ca.certPem,
      fromAddress: 'reports@example.com',
      fromDisplayName: 'Reports, "Finance" Ünit',
      auth: { basic: { username: 'reports', password: 'correct horse battery' } },
    },
  });
  assert.equal(created.errors, undefined, created.body);
  const id = created.data!.createConnection.id;
  const sent = await t.gql(SEND_TEST_EMAIL, { id, to: 'admin@example.com' });
  assert.equal(sent.errors, undefined, sent.body);
  assert.equal(sent.data!.sendTestEmail.ok, true, sent.body);
  assert.equal(sink.messages.length, 1);
});
