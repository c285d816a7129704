import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { SEND_TEST_EMAIL } from '../api/operations.js';
import { IMPORT_CONNECTION, assertOk, basicForm } from './form-api-fixtures.js';

let t: TestApp;
let starttls: SmtpSink;
let plain: SmtpSink;
before(async () => {
  starttls = await startSmtpSink({ tls: 'starttls' });
  plain = await startSmtpSink({ tls: 'none' });
  t = await startTestApp();
});
after(async () => {
  await t.close();
  await starttls.close();
  await plain.close();
});

const PASSWORD = 'imported form password 42';

describe('an imported form sends a test email', () => {
  it('over STARTTLS (UseSsl true, the sink CA in the CaCertificate extension key)', async () => {
    const configuration = JSON.stringify({
      UseSsl: true,
      FromDisplayName: 'ACME Reporting',
      FromAddress: 'reports@acme.com',
      CaCertificate: starttls.ca.certPem,
    });
    const form = basicForm({
      name: 'Sink STARTTLS',
      url: `localhost:${starttls.port}`,
      userName: 'reports',
      password: PASSWORD,
      configuration,
    });
    const c = assertOk(await t.gql(IMPORT_CONNECTION, { form })).importConnection;
    assert.equal(c.tls, 'STARTTLS');
    const sent = assertOk(await t.gql(SEND_TEST_EMAIL, { id: c.id, to: 'admin@example.com' })).sendTestEmail;
    assert.equal(sent.ok, true, JSON.stringify(sent));
    assert.equal(sent.stage, 'DONE');
    assert.equal(starttls.messages.length, 1);
    const [message] = starttls.messages;
    assert.equal(message!.user, 'reports');
    assert.equal(message!.mailFrom, 'reports@acme.com');
    assert.deepEqual(message!.rcptTo, ['admin@example.com']);
    assert.equal(message!.parsed.from?.value[0]?.name, 'ACME Reporting');
    assert.deepEqual(
      starttls.authAttempts.map((a) => [a.username, a.password]),
      [['reports', PASSWORD]],
    );
  });

  it('over a plain sink with UseSsl false (OPPORTUNISTIC)', async () => {
    const configuration =
      '{ "UseSsl" : false, "FromDisplayName" : "ACME Reporting", "FromAddress" : "reports@acme.com" }';
    const form = basicForm({
      name: 'Sink plain',
      url: `127.0.0.1:${plain.port}`,
      userName: 'relay',
      password: PASSWORD,
      configuration,
    });
    const c = assertOk(await t.gql(IMPORT_CONNECTION, { form })).importConnection;
    assert.equal(c.tls, 'OPPORTUNISTIC');
    const sent = assertOk(await t.gql(SEND_TEST_EMAIL, { id: c.id, to: 'admin@example.com' })).sendTestEmail;
    assert.equal(sent.ok, true, JSON.stringify(sent));
    assert.equal(plain.messages.length, 1);
    assert.equal(plain.messages[0]!.user, 'relay');
    assert.ok(!sent.transcript.join('\n').includes(PASSWORD));
  });
});
