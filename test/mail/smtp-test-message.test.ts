import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestStage } from '../../src/mail/test-outcome.js';
import { TlsMode } from '../../src/mail/tls-mode.js';
import { TEST_EMAIL_SUBJECT } from '../../src/mail/smtp-test.js';
import { startSmtpSink, type SmtpSinkOptions } from '../helpers/smtp-sink.js';
import { basic, reply, sut, testCa } from './mail-test-context.js';

async function withSink<T>(
  options: Omit<SmtpSinkOptions, 'ca'>,
  fn: (sink: Awaited<ReturnType<typeof startSmtpSink>>) => Promise<T>,
) {
  const sink = await startSmtpSink({ ca: testCa(), ...options });
  try {
    return await fn(sink);
  } finally {
    await sink.close();
  }
}

test('the message: From parses back to one mailbox with the exact display name; body names settings, no secret', async () => {
  const name = 'Reports, "Finance" Ünit';
  await withSink({ tls: 'starttls' }, async (sink) => {
    const outcome = await sut(sink, {
      tls: TlsMode.STARTTLS,
      auth: basic('CANARY-body-check'),
      from: { name, address: 'reports@example.com' },
      to: 'someone@example.org',
    });
    assert.equal(outcome.ok, true, JSON.stringify(outcome, null, 2));
    const [received] = sink.messages;
    assert.ok(received);
    assert.deepEqual(received.parsed.from?.value, [{ name, address: 'reports@example.com' }]);
    assert.equal(received.parsed.subject, TEST_EMAIL_SUBJECT);
    assert.equal(received.mailFrom, 'reports@example.com');
    assert.deepEqual(received.rcptTo, ['someone@example.org']);
    assert.match(received.parsed.text ?? '', new RegExp(`${sink.host}:${sink.port}`));
    assert.match(received.parsed.text ?? '', /STARTTLS/);
    assert.match(received.parsed.text ?? '', /Basic/);
    assert.ok(!received.raw.includes('CANARY'));
    assert.equal(outcome.messageId, received.parsed.messageId);
  });
});

test('dryRun authenticates and sends nothing', async () => {
  await withSink({ tls: 'starttls' }, async (sink) => {
    const outcome = await sut(sink, { tls: TlsMode.STARTTLS, dryRun: true });
    assert.equal(outcome.ok, true, JSON.stringify(outcome, null, 2));
    assert.equal(outcome.stage, TestStage.DONE);
    assert.equal(outcome.messageId, null);
    assert.equal(sink.authAttempts.length, 1);
    assert.equal(sink.messages.length, 0);
    assert.ok(!outcome.transcript.some((l) => l.startsWith('C: MAIL FROM')));
  });
});

test('rejections map to SENDER, RECIPIENT and MESSAGE', async (t) => {
  const cases = [
    { option: 'rejectMailFrom', stage: TestStage.SENDER },
    { option: 'rejectRcptTo', stage: TestStage.RECIPIENT },
    { option: 'rejectData', stage: TestStage.MESSAGE },
  ] as const;
  for (const c of cases) {
    await t.test(c.option, async () => {
      await withSink({ tls: 'starttls', [c.option]: reply(550, '5.1.1 Rejected for testing') }, async (sink) => {
        const outcome = await sut(sink, { tls: TlsMode.STARTTLS });
        assert.equal(outcome.ok, false);
        assert.equal(outcome.stage, c.stage, JSON.stringify(outcome, null, 2));
        assert.equal(outcome.smtpCode, 550);
        assert.equal(outcome.enhancedCode, '5.1.1');
        assert.equal(outcome.serverResponse, '550 5.1.1 Rejected for testing');
        assert.equal(sink.messages.length, 0);
      });
    });
  }
});

test('Exchange SendAs denied: 5.2.252 after DATA and 5.7.60 at MAIL FROM', async () => {
  await withSink(
    {
      tls: 'starttls',
      rejectData: reply(554, '5.2.252 SendAsDenied; app@contoso.com not allowed to send as boss@contoso.com'),
    },
    async (sink) => {
      const outcome = await sut(sink, { tls: TlsMode.STARTTLS });
      assert.equal(outcome.stage, TestStage.MESSAGE);
      assert.equal(outcome.enhancedCode, '5.2.252');
      assert.match(outcome.hint ?? '', /Send As/);
    },
  );
  await withSink(
    {
      tls: 'starttls',
      rejectMailFrom: reply(550, '5.7.60 SMTP; Client does not have permissions to send as this sender'),
    },
    async (sink) => {
      const outcome = await sut(sink, { tls: TlsMode.STARTTLS });
      assert.equal(outcome.stage, TestStage.SENDER);
      assert.equal(outcome.enhancedCode, '5.7.60');
      assert.match(outcome.hint ?? '', /fromAddress must|Set fromAddress/);
    },
  );
});
