import { type TlsMode } from '../../src/mail/tls-mode.js';
import { runSmtpTest, type SmtpTestInput } from '../../src/mail/smtp-test.js';
import type { SmtpAuth } from '../../src/mail/smtp-auth.js';
import type { TestOutcome } from '../../src/mail/test-outcome.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';
import type { SmtpSink } from '../helpers/smtp-sink.js';

let sharedCa: TestCa | undefined;
/** One CA per test process: key generation in node-forge is slow. */
export function testCa(): TestCa {
  sharedCa ??= createTestCa();
  return sharedCa;
}

export const FAST_TIMEOUTS = { connectionMs: 3_000, greetingMs: 3_000, socketMs: 5_000, dnsMs: 3_000 };
export const FIXED_NOW = new Date('2030-01-02T03:04:05Z');

export function basic(password = 'secret-password', username = 'app@example.com'): SmtpAuth {
  return { kind: 'basic', username, password };
}

/** An OAuth2 auth whose tokens come from `tokens` in turn (the last one repeats); counts calls. */
export function oauth2(tokens: string[], username = 'mailbox@example.com') {
  const calls: { forceRefresh: boolean }[] = [];
  const auth: SmtpAuth = {
    kind: 'oauth2',
    username,
    accessToken: async (opts) => {
      calls.push(opts);
      return tokens[Math.min(calls.length - 1, tokens.length - 1)]!;
    },
  };
  return { auth, calls };
}

export function sut(
  sink: Pick<SmtpSink, 'host' | 'port'>,
  overrides: Partial<SmtpTestInput> & { tls: TlsMode; trustCa?: boolean },
): Promise<TestOutcome> {
  const { tls, trustCa = true, ...rest } = overrides;
  return runSmtpTest({
    endpoint: { host: sink.host, port: sink.port, tls, caCertificate: trustCa ? testCa().certPem : null },
    auth: basic(),
    from: { name: 'Postroom', address: 'sender@example.com' },
    to: 'rcpt@example.com',
    dryRun: false,
    timeouts: FAST_TIMEOUTS,
    clock: () => FIXED_NOW,
    ...rest,
  });
}

/** Exchange-style auth rejection for the sink's onAuth. */
export function reply(code: number, message: string) {
  return { code, message };
}
