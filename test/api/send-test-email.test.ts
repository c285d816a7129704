/**
 * sendTestEmail and testConnectionSettings over GraphQL against real in-process SMTP servers: every TLS
 * mode, a private CA, and each stage a test can stop at, with hints and masked transcripts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import type { TestApp } from '../helpers/test-app.js';
import { startSmtpSink, type AuthAttempt, type SmtpSink, type SmtpSinkOptions } from '../helpers/smtp-sink.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';
import { CONNECTIONS, CREATE_CONNECTION, SEND_TEST_EMAIL, TEST_CONNECTION_SETTINGS } from './operations.js';
import { assertNoSecret, fetchConnection, ok, startApiApp } from './support.js';

const PASSWORD = 'sink-Password-4711';
const ODD_PASSWORD = '  "quoted" back\\slash: 100% 🚀 colon:%41  ';
const DISPLAY_NAME = 'Reports, "Finance" Ünit';
const TO = 'admin@example.com';
const PASSWORDS = new Map([
  ['plain@example.com', PASSWORD],
  ['odd@example.com', ODD_PASSWORD],
]);

/** Accepts the exact password of a known user; otherwise 535, echoing what was sent as a careless server might. */
function onAuth(attempt: AuthAttempt) {
  if (PASSWORDS.get(attempt.username ?? '') === attempt.password) return true as const;
  return { code: 535, message: `5.7.8 Authentication credentials invalid (${attempt.password ?? ''})` };
}

let ca: TestCa;
let t: TestApp & { bodies: string[] };
const sinks: Record<string, SmtpSink> = {};
let closedPort: number;

before(async () => {
  ca = createTestCa();
  const start = (options: Omit<SmtpSinkOptions, 'ca' | 'onAuth'>) => startSmtpSink({ ca, onAuth, ...options });
  sinks.implicit = await start({ tls: 'implicit' });
  sinks.starttls = await start({ tls: 'starttls' });
  sinks.none = await start({ tls: 'none' });
  sinks.sender = await start({
    tls: 'starttls',
    rejectMailFrom: { code: 550, message: '5.7.60 SendAs denied for this sender' },
  });
  sinks.recipient = await start({
    tls: 'starttls',
    rejectRcptTo: { code: 550, message: '5.1.1 Recipient address rejected: user unknown' },
  });
  sinks.message = await start({
    tls: 'starttls',
    rejectData: { code: 554, message: '5.6.0 Message content rejected' },
  });
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  t = await startApiApp({ sinkPorts: [...Object.values(sinks).map((s) => s.port), closedPort] });
});
after(async () => {
  await t?.close();
  await Promise.all(Object.values(sinks).map((s) => s.close()));
});

type Json = any;
let names = 0;

function input(
  sink: SmtpSink | number,
  tls: string,
  overrides: Record<string, unknown> = {},
  user = 'plain@example.com',
): Record<string, unknown> {
  names += 1;
  const port = typeof sink === 'number' ? sink : sink.port;
  return {
    name: `Sink ${names}`,
    url: `127.0.0.1:${port}`,
    tls,
    caCertificate: ca.certPem,
    fromAddress: 'sender@example.com',
    fromDisplayName: DISPLAY_NAME,
    auth: { basic: { username: user, password: PASSWORDS.get(user) ?? 'not-the-password-0000' } },
    ...overrides,
  };
}

async function createAndSend(settings: Record<string, unknown>, dryRun = false): Promise<{ id: string; result: Json }> {
  const id = ok(await t.gql(CREATE_CONNECTION, { input: settings })).createConnection.id as string;
  const result = ok(await t.gql(SEND_TEST_EMAIL, { id, to: TO, dryRun })).sendTestEmail;
  assertNoCredentials(result);
  return { id, result };
}

function assertNoCredentials(result: Json): void {
  const text = JSON.stringify(result);
  for (const secret of [PASSWORD, ODD_PASSWORD, 'not-the-password-0000']) {
    assertNoSecret(text, secret, 'the test result');
    for (const user of PASSWORDS.keys()) {
      assert.ok(
        !text.includes(Buffer.from(`\0${user}\0${secret}`).toString('base64')),
        'SASL PLAIN payload in the result',
      );
    }
  }
  for (const line of result.transcript as string[]) {
    if (/^C: AUTH /i.test(line)) assert.match(line, /^C: AUTH \S+( \*\*\*)?$/, line);
  }
}

function assertSuccess(result: Json): void {
  assert.equal(result.ok, true, JSON.stringify(result, null, 1));
  assert.equal(result.stage, 'DONE');
  assert.ok(result.durationMs >= 0);
  assert.ok(Date.parse(result.testedAt) > 0);
  assert.ok(result.transcript.length > 0);
}

describe('every TlsMode delivers', () => {
  const cases: Array<[string, string, boolean]> = [
    ['IMPLICIT_TLS', 'implicit', true],
    ['STARTTLS', 'starttls', true],
    ['OPPORTUNISTIC', 'starttls', true],
    ['NONE', 'none', false],
  ];
  for (const [mode, sinkName, encrypted] of cases) {
    test(`${mode} against a ${sinkName} server`, async () => {
      const sink = sinks[sinkName]!;
      const before = sink.messages.length;
      const { result } = await createAndSend(input(sink, mode));
      assertSuccess(result);
      assert.ok(result.messageId, 'messageId on success');
      assert.equal(sink.messages.length, before + 1);
      const received = sink.messages.at(-1)!;
      assert.equal(received.user, 'plain@example.com');
      assert.deepEqual(received.rcptTo, [TO]);
      assert.equal(received.mailFrom, 'sender@example.com');
      const sawStartTls = result.transcript.some((line: string) => /^C: STARTTLS/.test(line));
      assert.equal(sawStartTls, mode === 'STARTTLS' || mode === 'OPPORTUNISTIC', result.transcript.join('\n'));
      if (!encrypted) assert.ok(!sawStartTls);
    });
  }

  test('STARTTLS against a server that offers no STARTTLS → TLS, nothing sent', async () => {
    const before = sinks.none!.messages.length;
    const { result } = await createAndSend(input(sinks.none!, 'STARTTLS'));
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'TLS');
    assert.match(result.hint, /STARTTLS/);
    assert.equal(sinks.none!.messages.length, before);
  });
});

describe('certificates', () => {
  test('without the private CA: ok:false, stage TLS, a hint about caCertificate (checks stay on)', async () => {
    for (const [sink, mode] of [
      [sinks.starttls!, 'STARTTLS'],
      [sinks.implicit!, 'IMPLICIT_TLS'],
    ] as const) {
      const { result } = await createAndSend(input(sink, mode, { caCertificate: null }));
      assert.equal(result.ok, false, JSON.stringify(result));
      assert.equal(result.stage, 'TLS');
      assert.equal(result.errorCode, 'TLS_UNTRUSTED_CERTIFICATE');
      assert.match(result.hint, /caCertificate/);
    }
  });

  test("a CA that did not sign the server's certificate is not trusted either", async () => {
    const other = createTestCa('Another CA');
    const { result } = await createAndSend(input(sinks.starttls!, 'STARTTLS', { caCertificate: other.certPem }));
    assert.equal(result.stage, 'TLS');
    assert.equal(result.ok, false);
  });

  test('IMPLICIT_TLS against a STARTTLS server → TLS, hint: STARTTLS on 587 or implicit TLS on 465', async () => {
    const { result } = await createAndSend(input(sinks.starttls!, 'IMPLICIT_TLS'));
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'TLS');
    assert.equal(result.errorCode, 'TLS_WRONG_VERSION');
    assert.match(result.hint, /STARTTLS on port 587/);
    assert.match(result.hint, /IMPLICIT_TLS on port 465/);
  });
});

describe('each stage a test can stop at', () => {
  test('connection refused → CONNECT, ECONNREFUSED, with a hint', async () => {
    const { result } = await createAndSend(input(closedPort, 'STARTTLS'));
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'CONNECT');
    assert.equal(result.errorCode, 'ECONNREFUSED');
    assert.match(result.hint, /port/);
  });

  test('AUTH 535 → AUTH with smtpCode, enhancedCode, a masked serverResponse and a hint', async () => {
    const wrong = input(sinks.starttls!, 'STARTTLS', {}, 'stranger@example.com');
    const { result } = await createAndSend(wrong);
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'AUTH');
    assert.equal(result.smtpCode, 535);
    assert.equal(result.enhancedCode, '5.7.8');
    assert.match(result.serverResponse, /^535 5\.7\.8 Authentication credentials invalid/);
    assert.ok(result.serverResponse.includes('***'), `the echoed password is masked: ${result.serverResponse}`);
    assert.match(result.hint, /username or password/);
    assert.equal(result.messageId, null);
  });

  test('MAIL FROM rejected → SENDER', async () => {
    const { result } = await createAndSend(input(sinks.sender!, 'STARTTLS'));
    assert.equal(result.stage, 'SENDER');
    assert.equal(result.smtpCode, 550);
    assert.equal(result.enhancedCode, '5.7.60');
    assert.match(result.hint, /Send As|sender/);
  });

  test('RCPT TO rejected → RECIPIENT', async () => {
    const { result } = await createAndSend(input(sinks.recipient!, 'STARTTLS'));
    assert.equal(result.stage, 'RECIPIENT');
    assert.equal(result.smtpCode, 550);
    assert.equal(result.enhancedCode, '5.1.1');
    assert.match(result.hint, /recipient/);
  });

  test('DATA rejected → MESSAGE', async () => {
    const { result } = await createAndSend(input(sinks.message!, 'STARTTLS'));
    assert.equal(result.stage, 'MESSAGE');
    assert.equal(result.smtpCode, 554);
    assert.equal(result.enhancedCode, '5.6.0');
    assert.equal(result.ok, false);
  });
});

describe('dry runs, unsaved settings, lastTest', () => {
  test('dryRun connects, authenticates and sends nothing', async () => {
    const before = sinks.starttls!.messages.length;
    const attempts = sinks.starttls!.authAttempts.length;
    const { result } = await createAndSend(input(sinks.starttls!, 'STARTTLS'), true);
    assertSuccess(result);
    assert.equal(result.messageId, null);
    assert.equal(sinks.starttls!.messages.length, before);
    assert.equal(sinks.starttls!.authAttempts.length, attempts + 1);
    assert.ok(!result.transcript.some((line: string) => /^C: (MAIL FROM|DATA)/.test(line)));
  });

  test('testConnectionSettings reports the same way and stores nothing', async () => {
    const count = ok(await t.gql(CONNECTIONS, { first: 0 })).connections.totalCount;
    const before = sinks.starttls!.messages.length;
    const good = ok(
      await t.gql(TEST_CONNECTION_SETTINGS, { input: input(sinks.starttls!, 'STARTTLS'), to: TO }),
    ).testConnectionSettings;
    assertSuccess(good);
    assertNoCredentials(good);
    assert.equal(sinks.starttls!.messages.length, before + 1);
    const dry = ok(
      await t.gql(TEST_CONNECTION_SETTINGS, { input: input(sinks.starttls!, 'STARTTLS'), to: TO, dryRun: true }),
    ).testConnectionSettings;
    assertSuccess(dry);
    assert.equal(sinks.starttls!.messages.length, before + 1);
    const bad = ok(
      await t.gql(TEST_CONNECTION_SETTINGS, {
        input: input(sinks.starttls!, 'STARTTLS', {}, 'stranger@example.com'),
        to: TO,
      }),
    ).testConnectionSettings;
    assertNoCredentials(bad);
    assert.equal(bad.stage, 'AUTH');
    assert.equal(bad.smtpCode, 535);
    const wrongTls = ok(
      await t.gql(TEST_CONNECTION_SETTINGS, { input: input(sinks.starttls!, 'IMPLICIT_TLS'), to: TO }),
    ).testConnectionSettings;
    assert.equal(wrongTls.stage, 'TLS');
    assert.equal(ok(await t.gql(CONNECTIONS, { first: 0 })).connections.totalCount, count, 'nothing stored');
  });

  test('the outcome is saved as lastTest, and replaced by the next one', async () => {
    const { id, result } = await createAndSend(input(sinks.starttls!, 'IMPLICIT_TLS'));
    const first = (await fetchConnection(t, id)).lastTest;
    assert.deepEqual(first, {
      ok: false,
      stage: 'TLS',
      errorCode: result.errorCode,
      hint: result.hint,
      testedAt: result.testedAt,
    });
    const second = ok(await t.gql(SEND_TEST_EMAIL, { id, to: TO, dryRun: true })).sendTestEmail;
    assert.equal(second.stage, 'TLS');
    const stored = (await fetchConnection(t, id)).lastTest;
    assert.equal(stored.testedAt, second.testedAt);
    const version = (await fetchConnection(t, id)).version;
    assert.equal(version, 1, 'a test is not a settings change');
  });
});

describe('what the server receives', () => {
  test(`the From display name ${DISPLAY_NAME} parses back to exactly one mailbox`, async () => {
    const { result } = await createAndSend(input(sinks.starttls!, 'STARTTLS'));
    assertSuccess(result);
    const received = sinks.starttls!.messages.at(-1)!;
    const from = received.parsed.from!.value;
    assert.equal(from.length, 1, received.raw.split('\r\n\r\n')[0]);
    assert.equal(from[0]!.name, DISPLAY_NAME);
    assert.equal(from[0]!.address, 'sender@example.com');
    assert.equal(
      received.parsed.to && !Array.isArray(received.parsed.to) ? received.parsed.to.value[0]!.address : null,
      TO,
    );
    assert.equal(received.parsed.subject, 'Postroom test email');
  });

  test('a password with quotes, backslash, colon, percent, emoji and outer spaces authenticates unchanged', async () => {
    const attempts = sinks.starttls!.authAttempts.length;
    const { result } = await createAndSend(input(sinks.starttls!, 'STARTTLS', {}, 'odd@example.com'));
    assertSuccess(result);
    const attempt = sinks.starttls!.authAttempts.slice(attempts).at(-1)!;
    assert.equal(attempt.password, ODD_PASSWORD);
    assert.equal(sinks.starttls!.messages.at(-1)!.user, 'odd@example.com');
    for (const mode of ['IMPLICIT_TLS', 'NONE'] as const) {
      const sink = mode === 'NONE' ? sinks.none! : sinks.implicit!;
      assertSuccess((await createAndSend(input(sink, mode, {}, 'odd@example.com'))).result);
    }
    const dry = ok(
      await t.gql(TEST_CONNECTION_SETTINGS, {
        input: input(sinks.starttls!, 'STARTTLS', {}, 'odd@example.com'),
        to: TO,
        dryRun: true,
      }),
    );
    assertSuccess(dry.testConnectionSettings);
  });

  test('no response body of this file carried a credential', () => {
    for (const body of t.bodies) {
      for (const secret of [PASSWORD, ODD_PASSWORD, 'not-the-password-0000'])
        assertNoSecret(body, secret, 'a response');
    }
    for (const line of t.logs) {
      for (const secret of [PASSWORD, ODD_PASSWORD, 'not-the-password-0000'])
        assertNoSecret(line, secret, 'a log line');
    }
  });
});
