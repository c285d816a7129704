/**
 * Shared set-up for the OAuth2 end-to-end tests: an Entra-like token endpoint, an Exchange-like SMTP sink that
 * accepts XOAUTH2 only for tokens that endpoint issued (and only for the configured mailbox), the real app over
 * HTTP, and a recorder of every response body so each file can end with a canary test.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  startSmtpSink,
  type AuthAttempt,
  type SmtpReply,
  type SmtpSink,
  type SmtpSinkOptions,
} from '../helpers/smtp-sink.js';
import { startTestApp, type GraphQLResponse, type TestApp, type TestAppOptions } from '../helpers/test-app.js';
import type { TokenEndpoint } from '../helpers/token-endpoint.js';

export const MAILBOX = 'sender@contoso.com';
export const RECIPIENT = 'admin@example.com';
export const SMTP_SCOPE = 'https://outlook.office365.com/.default';

/** What Exchange Online answers, word for word where it matters (the enhanced status code). */
export const EXCHANGE = {
  authUnsuccessful: {
    code: 535,
    message: '5.7.3 Authentication unsuccessful [AM0PR10CA0001.EURPRD10.PROD.OUTLOOK.COM]',
  },
  smtpAuthDisabled: {
    code: 535,
    message:
      '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR10CA0001.EURPRD10.PROD.OUTLOOK.COM]',
  },
  basicNotSupported: { code: 550, message: '5.7.30 Basic authentication is not supported for Client Submission.' },
  sendAsDenied: {
    code: 554,
    message: `5.2.252 SendAsDenied; ${MAILBOX} not allowed to send as other@contoso.com; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.`,
  },
  sendAsNoPermission: { code: 550, message: '5.7.60 SMTP; Client does not have permissions to send as this sender' },
} satisfies Record<string, SmtpReply>;

/**
 * Switches for the Exchange-like sink: `always` answers every AUTH with that reply; `queue` answers the next AUTHs
 * with these replies, one each, then falls back to the normal check.
 */
export interface ExchangeControls {
  always: SmtpReply | null;
  queue: SmtpReply[];
}

export interface ExchangeSink {
  sink: SmtpSink;
  controls: ExchangeControls;
}

/** XOAUTH2 only; accepted when the token was issued by one of `endpoints` (and is unexpired) and user= is the mailbox. */
export async function startExchangeSink(
  endpoints: TokenEndpoint[],
  options: Partial<SmtpSinkOptions> & { mailbox?: string } = {},
): Promise<ExchangeSink> {
  const controls: ExchangeControls = { always: null, queue: [] };
  const mailbox = options.mailbox ?? MAILBOX;
  const sink = await startSmtpSink({
    tls: 'starttls',
    authMethods: ['XOAUTH2'],
    ...options,
    onAuth: (attempt: AuthAttempt) => {
      if (controls.always) return controls.always;
      const queued = controls.queue.shift();
      if (queued) return queued;
      const token = attempt.accessToken ?? '';
      const ok =
        attempt.method === 'XOAUTH2' && attempt.username === mailbox && endpoints.some((e) => e.isIssued(token));
      return ok ? true : EXCHANGE.authUnsuccessful;
    },
  });
  return { sink, controls };
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RecordedApp {
  t: TestApp;
  /** t.gql, with every response body kept for the canary test. */
  gql: TestApp['gql'];
  bodies: string[];
}

/** Rate limits are lifted so the 20-send test measures tokens, not limits; the sink runs on loopback. */
export async function startRecordedApp(options: TestAppOptions): Promise<RecordedApp> {
  const t = await startTestApp({
    ...options,
    env: {
      TEST_EMAIL_RATE_PER_CONNECTION: '100000',
      TEST_EMAIL_RATE_PER_KEY: '100000',
      EGRESS_ALLOWED_HOSTS: 'localhost,127.0.0.1,::1',
      ...options.env,
    },
  });
  const bodies: string[] = [];
  const gql = (async (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => {
    const response = await t.gql(query, variables, headers);
    bodies.push(response.body);
    return response;
  }) as TestApp['gql'];
  return { t, gql, bodies };
}

export interface OAuth2Fields {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  scope?: string;
  clientAuthType?: 'SEND_CLIENT_CREDENTIALS_IN_BODY' | 'BASIC_AUTH_HEADER';
  username?: string;
  secretExpiresAt?: string;
}

export function oauth2Input(
  name: string,
  sink: SmtpSink,
  auth: OAuth2Fields,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    url: `localhost:${sink.port}`,
    tls: 'STARTTLS',
    caCertificate: sink.ca.certPem,
    fromAddress: MAILBOX,
    ...extra,
    auth: { oauth2ClientCredentials: { username: MAILBOX, ...auth } },
  };
}

/** Asserts no GraphQL errors and returns `data`. */
export function ok<T = Record<string, any>>(response: GraphQLResponse<T>): T {
  assert.equal(response.errors, undefined, response.body);
  assert.ok(response.data, response.body);
  return response.data;
}

/** The single BAD_USER_INPUT error of a response. */
export function badInput(response: GraphQLResponse): {
  message: string;
  fields: Array<{ path: string; message: string }>;
  extensions: Record<string, unknown>;
} {
  assert.equal(response.errors?.length, 1, response.body);
  const error = response.errors![0]!;
  assert.equal(error.extensions.code, 'BAD_USER_INPUT', response.body);
  return { message: error.message, fields: error.extensions.fields ?? [], extensions: error.extensions };
}

/** The message of the field error at exactly `path`; fails when there is none. */
export function fieldMessage(response: GraphQLResponse, path: string): string {
  const { fields } = badInput(response);
  const field = fields.find((f) => f.path === path);
  assert.ok(field, `no field error at ${path}: ${response.body}`);
  return field.message;
}

/** Every form in which a credential could leak into text: raw, base64, base64url, URL-encoded, inside XOAUTH2. */
export function leakForms(value: string): string[] {
  const forms = [
    value,
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64url'),
    encodeURIComponent(value),
  ];
  forms.push(Buffer.from(`user=${MAILBOX}\x01auth=Bearer ${value}\x01\x01`).toString('base64'));
  return [...new Set(forms)];
}

/** Fails naming the first text that contains any credential in any form (without printing the credential). */
export function assertNoLeak(
  texts: readonly string[],
  credentials: readonly string[],
  where: string,
  options: { mayBeEmpty?: boolean } = {},
): void {
  if (!options.mayBeEmpty) assert.ok(texts.length > 0, `no ${where} collected: the canary would pass vacuously`);
  for (const credential of credentials) {
    assert.ok(credential.length >= 8, 'canary credentials must be long enough to be unambiguous');
    for (const form of leakForms(credential)) {
      const index = texts.findIndex((text) => text.includes(form));
      const snippet = index >= 0 ? texts[index]!.split(form).join('<LEAK>').slice(0, 400) : '';
      assert.equal(index, -1, `a credential appears in ${where} #${index}: ${snippet}`);
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
