/**
 * The address that was vetted is the address that is dialled (SMTP and token HTTPS), with TLS and the Host
 * header still on the name. Names under .rebind.test do not exist in real DNS, so any second resolution
 * outside the stub would fail the connection outright.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createEgressGuard } from '../../src/egress/egress-guard.js';
import { runSmtpTest } from '../../src/mail/smtp-test.js';
import { TestStage } from '../../src/mail/test-outcome.js';
import { TlsMode } from '../../src/mail/tls-mode.js';
import { toTransportOptions, DEFAULT_SMTP_TIMEOUTS } from '../../src/mail/transport-options.js';
import { SecretMasker } from '../../src/mail/secret-mask.js';
import { Transcript } from '../../src/mail/transcript.js';
import { createHttpsPort, NetworkFailure } from '../../src/oauth2/https-port.js';
import { TokenProvider } from '../../src/oauth2/token-provider.js';
import { ClientAuthType } from '../../src/oauth2/client-auth-type.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { createTestCa } from '../helpers/test-ca.js';
import { FAST_TIMEOUTS, FIXED_NOW, basic, testCa } from '../mail/mail-test-context.js';
import { stubResolver } from './stub-resolver.js';

// 127.0.0.1 stands in for "public": listed by IP, so a name is allowed only while it resolves there. A name
// that is not itself listed still needs an allowed port, hence the sinks' ports.
const ports: number[] = [25, 465, 587, 2525];
const POLICY = { allowPrivate: false, allowedHosts: ['127.0.0.1'], allowedPorts: ports };

describe('nodemailer options dial the vetted address', () => {
  test('host is the IP, tls.servername is the name', () => {
    const options = toTransportOptions({
      endpoint: {
        host: 'smtp.example.com',
        address: '52.96.0.1',
        port: 587,
        tls: TlsMode.STARTTLS,
        caCertificate: null,
      },
      auth: { kind: 'basic', username: 'u', password: 'p' },
      timeouts: DEFAULT_SMTP_TIMEOUTS,
      logger: new Transcript(new SecretMasker([])).logger(),
    });
    assert.equal(options.host, '52.96.0.1');
    assert.equal(options.tls?.servername, 'smtp.example.com');
  });
});

describe('SMTP: DNS rebinding cannot swap the dialled address', () => {
  let sink: SmtpSink;
  let wrongName: SmtpSink;
  before(async () => {
    sink = await startSmtpSink({ tls: 'implicit', ca: testCa(), certNames: ['mail.rebind.test'] });
    wrongName = await startSmtpSink({ tls: 'implicit', ca: testCa(), certNames: ['other.test'] });
    ports.push(sink.port, wrongName.port);
  });
  after(async () => {
    await sink.close();
    await wrongName.close();
  });

  const run = (target: SmtpSink, egress: ReturnType<typeof createEgressGuard>) =>
    runSmtpTest({
      endpoint: {
        host: 'mail.rebind.test',
        port: target.port,
        tls: TlsMode.IMPLICIT_TLS,
        caCertificate: testCa().certPem,
      },
      auth: basic(),
      from: { name: null, address: 'sender@example.com' },
      to: 'rcpt@example.com',
      dryRun: false,
      timeouts: FAST_TIMEOUTS,
      clock: () => FIXED_NOW,
      egress,
    });

  test('allowed at check time, private afterwards: the mail goes to the vetted address, DNS asked once', async () => {
    const { resolver, calls } = stubResolver({ 'mail.rebind.test': [['127.0.0.1'], ['10.0.0.1']] });
    const outcome = await run(sink, createEgressGuard(POLICY, { resolver }));
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(outcome.stage, TestStage.DONE);
    assert.equal(sink.messages.length, 1);
    assert.deepEqual(calls, ['mail.rebind.test']);
    assert.ok(
      outcome.transcript.some((l) => l.includes('mail.rebind.test resolved to 127.0.0.1')),
      outcome.transcript.join('\n'),
    );
    // The next test asks again and gets the private answer: refused before connecting.
    const second = await run(sink, createEgressGuard(POLICY, { resolver }));
    assert.equal(second.stage, TestStage.CONFIG);
    assert.equal(second.errorCode, 'EGRESS_DENIED');
    assert.match(second.hint ?? '', /private-range address.*EGRESS_ALLOW_PRIVATE=true/);
    assert.equal(sink.messages.length, 1);
  });

  test('the certificate is checked against the name, not the dialled IP', async () => {
    const { resolver } = stubResolver({ 'mail.rebind.test': [['127.0.0.1']] });
    const outcome = await run(wrongName, createEgressGuard(POLICY, { resolver }));
    assert.equal(outcome.ok, false);
    assert.equal(outcome.stage, TestStage.TLS);
    assert.equal(outcome.errorCode, 'TLS_HOSTNAME_MISMATCH');
    assert.equal(wrongName.messages.length, 0);
  });

  test('a name that resolves to the metadata address: stage CONFIG, nothing dialled', async () => {
    const { resolver } = stubResolver({ 'mail.rebind.test': [['169.254.169.254']] });
    const outcome = await run(sink, createEgressGuard(POLICY, { resolver }));
    assert.deepEqual(
      { ok: outcome.ok, stage: outcome.stage, errorCode: outcome.errorCode },
      { ok: false, stage: TestStage.CONFIG, errorCode: 'EGRESS_DENIED' },
    );
    assert.match(outcome.hint ?? '', /link-local address \(the cloud metadata service\).*EGRESS_ALLOWED_HOSTS/);
    assert.equal(sink.authAttempts.length, 1, 'only the first test logged in');
  });

  test('a name that does not resolve: stage DNS with the resolver code', async () => {
    const outcome = await run(sink, createEgressGuard(POLICY, { resolver: stubResolver({}).resolver }));
    assert.equal(outcome.stage, TestStage.DNS);
    assert.equal(outcome.errorCode, 'ENOTFOUND');
  });
});

describe('token HTTPS: pinned to the vetted address, SNI and Host keep the name', () => {
  const ca = createTestCa('Egress Token CA');
  const seen: Array<{ servername: string | false | null; host: string | undefined }> = [];
  let server: https.Server;
  let port: number;
  before(async () => {
    const leaf = ca.issue(['token.rebind.test']);
    server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
      seen.push({ servername: (req.socket as TLSSocket).servername, host: req.headers.host });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'tok-from-pinned-endpoint', token_type: 'Bearer', expires_in: 3600 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('rebinding after the check changes nothing: one lookup, request reaches the vetted IP with the name', async () => {
    const { resolver, calls } = stubResolver({ 'token.rebind.test': [['127.0.0.1'], ['10.0.0.1']] });
    const httpsPort = createHttpsPort({ caPems: [ca.certPem], egress: createEgressGuard(POLICY, { resolver }) });
    const response = await httpsPort.send(
      { method: 'GET', url: `https://token.rebind.test:${port}/t`, headers: {} },
      3_000,
    );
    assert.equal(response.status, 200);
    assert.deepEqual(seen.at(-1), { servername: 'token.rebind.test', host: `token.rebind.test:${port}` });
    assert.deepEqual(calls, ['token.rebind.test']);
    await assert.rejects(
      httpsPort.send({ method: 'GET', url: `https://token.rebind.test:${port}/t`, headers: {} }, 3_000),
      (error: unknown) =>
        error instanceof NetworkFailure && error.code === 'EGRESS_DENIED' && /EGRESS_ALLOW_PRIVATE/.test(error.message),
    );
  });

  test('a token host resolving to the metadata address is never contacted', async () => {
    const before = seen.length;
    const { resolver } = stubResolver({ 'token.rebind.test': [['169.254.169.254']] });
    const httpsPort = createHttpsPort({ caPems: [ca.certPem], egress: createEgressGuard(POLICY, { resolver }) });
    await assert.rejects(
      httpsPort.send({ method: 'POST', url: `https://token.rebind.test:${port}/t`, headers: {}, body: 'x' }, 3_000),
      (error: unknown) => error instanceof NetworkFailure && error.code === 'EGRESS_DENIED',
    );
    assert.equal(seen.length, before);
  });

  for (const [shape, tokenUrl] of [
    ['generic', 'https://token.evil.test/oauth/token'],
    ['Microsoft-style (MSAL)', 'https://login.evil.test/8f7e6d5c-4b3a-4921-8877-665544332211/oauth2/v2.0/token'],
  ] as const) {
    test(`${shape} token URL refused by egress → test result stage CONFIG, not TOKEN`, async () => {
      const { resolver } = stubResolver({
        'token.evil.test': [['169.254.169.254']],
        'login.evil.test': [['127.0.0.2']],
      });
      const egress = createEgressGuard(POLICY, { resolver });
      const tokens = new TokenProvider({ https: createHttpsPort({ egress }), timeoutMs: 2_000 });
      const sink = await startSmtpSink({ tls: 'none', authMethods: ['XOAUTH2'] });
      try {
        const outcome = await runSmtpTest({
          endpoint: { host: '127.0.0.1', port: sink.port, tls: TlsMode.NONE, caCertificate: null },
          auth: {
            kind: 'oauth2',
            username: 'mailbox@example.com',
            accessToken: async ({ forceRefresh }) =>
              (
                await tokens.getAccessToken(
                  {
                    tokenUrl,
                    clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
                    clientSecret: 'egress-canary-secret',
                    scope: 'https://outlook.office365.com/.default',
                    clientAuthType: ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY,
                    secretVersion: 'v1',
                  },
                  { forceRefresh },
                )
              ).accessToken,
          },
          from: { name: null, address: 'sender@example.com' },
          to: 'rcpt@example.com',
          dryRun: true,
          timeouts: FAST_TIMEOUTS,
          egress,
        });
        assert.deepEqual(
          { ok: outcome.ok, stage: outcome.stage, errorCode: outcome.errorCode },
          { ok: false, stage: TestStage.CONFIG, errorCode: 'EGRESS_DENIED' },
          JSON.stringify(outcome),
        );
        assert.match(
          outcome.hint ?? '',
          /egress policy refused the token endpoint .*EGRESS_ALLOWED_HOSTS.*EGRESS_ALLOW_PRIVATE=true/,
        );
        assert.equal(sink.authAttempts.length, 0);
        assert.ok(!JSON.stringify(outcome).includes('egress-canary-secret'));
      } finally {
        await sink.close();
      }
    });
  }
});
