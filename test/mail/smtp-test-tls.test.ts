import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { TestStage } from '../../src/mail/test-outcome.js';
import { TlsMode } from '../../src/mail/tls-mode.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { FIXED_NOW, sut, testCa } from './mail-test-context.js';

test('success in every TLS mode against a matching sink', async (t) => {
  const cases = [
    { mode: TlsMode.IMPLICIT_TLS, sink: 'implicit', secure: true },
    { mode: TlsMode.STARTTLS, sink: 'starttls', secure: true },
    { mode: TlsMode.OPPORTUNISTIC, sink: 'starttls', secure: true },
    { mode: TlsMode.OPPORTUNISTIC, sink: 'none', secure: false },
    { mode: TlsMode.NONE, sink: 'none', secure: false },
  ] as const;
  for (const c of cases) {
    await t.test(`${c.mode} vs ${c.sink} sink`, async () => {
      const sink = await startSmtpSink({ tls: c.sink, ca: testCa() });
      try {
        const outcome = await sut(sink, { tls: c.mode });
        assert.equal(outcome.ok, true, JSON.stringify(outcome, null, 2));
        assert.equal(outcome.stage, TestStage.DONE);
        assert.ok(outcome.messageId);
        assert.deepEqual(outcome.testedAt, FIXED_NOW);
        assert.equal(sink.messages.length, 1);
        assert.equal(sink.authAttempts.length, 1);
        assert.equal(outcome.transcript.includes('C: STARTTLS'), c.sink === 'starttls');
        assert.equal(
          outcome.transcript.some((l) => l.startsWith('* Secure connection')) ||
            outcome.transcript.includes('* Connection upgraded with STARTTLS'),
          c.secure,
        );
      } finally {
        await sink.close();
      }
    });
  }
});

test('STARTTLS required but the server does not offer it: TLS stage, nothing sent', async () => {
  const sink = await startSmtpSink({ tls: 'starttls', ca: testCa(), hideStartTls: true });
  try {
    const outcome = await sut(sink, { tls: TlsMode.STARTTLS });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.stage, TestStage.TLS);
    assert.equal(outcome.errorCode, 'STARTTLS_NOT_OFFERED');
    assert.match(outcome.hint ?? '', /STARTTLS/);
    assert.equal(sink.authAttempts.length, 0);
    assert.equal(sink.messages.length, 0);
  } finally {
    await sink.close();
  }
});

test('IMPLICIT_TLS against a STARTTLS port: TLS stage with a hint naming both modes', async () => {
  const sink = await startSmtpSink({ tls: 'starttls', ca: testCa() });
  try {
    const outcome = await sut(sink, { tls: TlsMode.IMPLICIT_TLS });
    assert.equal(outcome.stage, TestStage.TLS, JSON.stringify(outcome, null, 2));
    assert.equal(outcome.errorCode, 'TLS_WRONG_VERSION');
    assert.match(outcome.hint ?? '', /STARTTLS on port 587/);
    assert.match(outcome.hint ?? '', /IMPLICIT_TLS on port 465/);
  } finally {
    await sink.close();
  }
});

test('a certificate the client cannot verify: TLS stage, hint about caCertificate', async (t) => {
  const sink = await startSmtpSink({ tls: 'implicit', ca: testCa() });
  const starttls = await startSmtpSink({ tls: 'starttls', ca: testCa() });
  t.after(async () => {
    await sink.close();
    await starttls.close();
  });
  for (const [target, tls] of [
    [sink, TlsMode.IMPLICIT_TLS],
    [starttls, TlsMode.STARTTLS],
  ] as const) {
    const outcome = await sut(target, { tls, trustCa: false });
    assert.equal(outcome.stage, TestStage.TLS, JSON.stringify(outcome, null, 2));
    assert.equal(outcome.errorCode, 'TLS_UNTRUSTED_CERTIFICATE');
    assert.match(outcome.hint ?? '', /caCertificate/);
    assert.equal(target.authAttempts.length, 0);
  }
});

test('a certificate for another host name: TLS stage, hostname mismatch', async () => {
  const sink = await startSmtpSink({ tls: 'implicit', ca: testCa(), certNames: ['other.example'] });
  try {
    const outcome = await sut(sink, { tls: TlsMode.IMPLICIT_TLS });
    assert.equal(outcome.stage, TestStage.TLS, JSON.stringify(outcome, null, 2));
    assert.equal(outcome.errorCode, 'TLS_HOSTNAME_MISMATCH');
  } finally {
    await sink.close();
  }
});

test('connection refused: CONNECT stage with ECONNREFUSED', async () => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const outcome = await sut({ host: '127.0.0.1', port }, { tls: TlsMode.STARTTLS });
  assert.equal(outcome.ok, false);
  assert.equal(outcome.stage, TestStage.CONNECT);
  assert.equal(outcome.errorCode, 'ECONNREFUSED');
  assert.ok(outcome.hint);
});

test('unresolvable host: DNS stage', async () => {
  const outcome = await sut({ host: 'no-such-host.invalid', port: 587 }, { tls: TlsMode.STARTTLS });
  assert.equal(outcome.ok, false);
  assert.equal(outcome.stage, TestStage.DNS, JSON.stringify(outcome, null, 2));
  assert.ok(['ENOTFOUND', 'EAI_AGAIN', 'EDNS'].includes(outcome.errorCode ?? ''), String(outcome.errorCode));
});

test('a server that accepts but never greets: CONNECT stage with GREETING_TIMEOUT, within bounded time', async () => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const started = Date.now();
    const outcome = await sut(
      { host: '127.0.0.1', port },
      {
        tls: TlsMode.STARTTLS,
        timeouts: { greetingMs: 300, connectionMs: 2_000 },
      },
    );
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
    assert.equal(outcome.stage, TestStage.CONNECT);
    assert.equal(outcome.errorCode, 'GREETING_TIMEOUT');
    assert.match(outcome.hint ?? '', /IMPLICIT_TLS/);
  } finally {
    sockets.forEach((s) => s.destroy());
    server.close();
  }
});
