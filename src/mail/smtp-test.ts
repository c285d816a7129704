import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer/lib/mailer';
import { TokenError } from '../oauth2/token-error.js';
import { EGRESS_DENIED } from '../egress/address-policy.js';
import type { EgressGuard } from '../egress/egress-guard.js';
import { diagnose, XOAUTH2_NOT_OFFERED, AUTH_NOT_OFFERED } from './diagnostics.js';
import { SecretMasker } from './secret-mask.js';
import type { SmtpAuth } from './smtp-auth.js';
import { classifyFailure, type ClassifiedFailure, type NodemailerErrorLike } from './smtp-failure.js';
import { TestStage, type TestOutcome } from './test-outcome.js';
import { Transcript } from './transcript.js';
import {
  DEFAULT_SMTP_TIMEOUTS,
  toTransportOptions,
  type SmtpEndpoint,
  type SmtpTimeouts,
  type TransportAuth,
} from './transport-options.js';

export interface SmtpTestInput {
  endpoint: SmtpEndpoint;
  auth: SmtpAuth;
  from: { name: string | null; address: string };
  to: string;
  /** Connect, TLS, token and AUTH only; nothing is sent. */
  dryRun: boolean;
  timeouts?: Partial<SmtpTimeouts>;
  clock?: () => Date;
  /** Vets host and port (and pins the address dialled) before anything is sent; absent = no egress policy. */
  egress?: EgressGuard;
}

export const TEST_EMAIL_SUBJECT = 'Postroom test email';
/** Transcript line written when a 535 leads to one forced token refresh and a second attempt. */
export const TOKEN_RETRY_NOTE = 'AUTH rejected with 535; fetching a fresh access token and retrying once';

type Attempt = { ok: true; messageId: string | null } | { ok: false; failure: ClassifiedFailure };

/**
 * Runs one SMTP test (a dry run or a real test email) and reports what happened.
 * SMTP and token failures are returned as a TestOutcome, never thrown.
 */
export async function runSmtpTest(input: SmtpTestInput): Promise<TestOutcome> {
  const testedAt = (input.clock ?? (() => new Date()))();
  const started = performance.now();
  const masker = new SecretMasker(input.auth.kind === 'basic' ? [input.auth.password] : []);
  const transcript = new Transcript(masker);
  const timeouts = { ...DEFAULT_SMTP_TIMEOUTS, ...input.timeouts };

  const outcome = ({ ok, stage, ...rest }: Partial<TestOutcome> & Pick<TestOutcome, 'ok' | 'stage'>): TestOutcome => ({
    ok,
    stage,
    durationMs: Math.round(performance.now() - started),
    messageId: null,
    smtpCode: null,
    enhancedCode: null,
    serverResponse: null,
    errorCode: null,
    hint: null,
    transcript: transcript.all(),
    testedAt,
    ...rest,
  });

  const fromAttempt = (attempt: Attempt): TestOutcome => {
    if (attempt.ok) return outcome({ ok: true, stage: TestStage.DONE, messageId: attempt.messageId });
    const { failure } = attempt;
    const serverResponse = failure.response === null ? null : masker.mask(failure.response);
    return outcome({
      ok: false,
      stage: failure.stage,
      smtpCode: failure.smtpCode,
      enhancedCode: failure.enhancedCode,
      serverResponse,
      errorCode: failure.errorCode,
      hint: diagnose({ ...failure, response: serverResponse, authKind: input.auth.kind }),
    });
  };

  // Vetted once per test: the OAuth2 retry below dials the same address.
  if (input.egress) {
    const { host, port } = input.endpoint;
    const verdict = await input.egress.vetDestination(host, port, 'smtp');
    if (!verdict.ok) {
      if (verdict.reason === 'unresolvable') {
        transcript.note(`DNS: ${verdict.message}`);
        return fromAttempt({
          ok: false,
          failure: {
            stage: TestStage.DNS,
            errorCode: verdict.errorCode,
            smtpCode: null,
            enhancedCode: null,
            response: null,
          },
        });
      }
      transcript.note(`egress policy refused ${host}:${port}; nothing was sent`);
      return outcome({ ok: false, stage: TestStage.CONFIG, errorCode: verdict.errorCode, hint: verdict.message });
    }
    if (verdict.address !== host)
      transcript.note(`${host} resolved to ${verdict.address}, allowed by the egress policy; dialling that address`);
    input = { ...input, endpoint: { ...input.endpoint, address: verdict.address } };
  }

  const auth = input.auth;
  switch (auth.kind) {
    case 'basic':
      return fromAttempt(await attemptOnce(input, { ...auth }, transcript, timeouts));
    case 'oauth2': {
      const fetchToken = async (forceRefresh: boolean): Promise<string> => {
        transcript.note(forceRefresh ? 'fetching a fresh access token (forced refresh)' : 'fetching access token');
        const token = await auth.accessToken({ forceRefresh });
        masker.add(token);
        return token;
      };
      const tryWith = (token: string): Promise<Attempt> =>
        attemptOnce(
          input,
          { kind: 'oauth2', username: auth.username, provideToken: async () => token },
          transcript,
          timeouts,
        );
      try {
        let attempt = await tryWith(await fetchToken(false));
        if (shouldRefreshAndRetry(attempt)) {
          transcript.note(TOKEN_RETRY_NOTE);
          attempt = await tryWith(await fetchToken(true));
        }
        return fromAttempt(attempt);
      } catch (err) {
        if (!(err instanceof TokenError)) {
          // A token provider that fails without a TokenError is still a token failure, not a crash.
          transcript.note(`token request failed: ${err instanceof Error ? err.message : String(err)}`);
          return outcome({
            ok: false,
            stage: TestStage.TOKEN,
            errorCode: typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : null,
            hint: 'The access token could not be fetched. Check the token URL, client id and secret.',
          });
        }
        err.details.transcript.forEach((line) => transcript.note(line));
        if (err.details.errorCode === EGRESS_DENIED) {
          // CONFIG, not TOKEN: nothing was sent and no credential is wrong; only a setting can change the outcome.
          return outcome({
            ok: false,
            stage: TestStage.CONFIG,
            errorCode: EGRESS_DENIED,
            hint: tokenEgressHint(err.details.host),
          });
        }
        const serverResponse = err.details.serverResponse === null ? null : masker.mask(err.details.serverResponse);
        return outcome({
          ok: false,
          stage: TestStage.TOKEN,
          errorCode: err.details.errorCode,
          serverResponse,
          hint: err.details.hint,
        });
      }
    }
    default: {
      const unknown: never = auth;
      throw new Error(`auth: unknown kind ${String((unknown as { kind: unknown }).kind)}`);
    }
  }
}

function tokenEgressHint(host: string): string {
  return (
    `The egress policy refused the token endpoint ${host} in tokenUrl: it is, or resolves to, an address connections ` +
    "may not reach (loopback, link-local, private or reserved). Use the provider's public token endpoint; if this " +
    'endpoint is trusted, ask the operator to add its host to EGRESS_ALLOWED_HOSTS (or, for a private-range address, ' +
    'to set EGRESS_ALLOW_PRIVATE=true).'
  );
}

// A 535 may mean a stale or revoked token, so one fresh token is worth a try; 5.7.139 (SMTP AUTH
// disabled) is not about the token at all.
function shouldRefreshAndRetry(attempt: Attempt): boolean {
  return (
    !attempt.ok &&
    attempt.failure.stage === TestStage.AUTH &&
    attempt.failure.smtpCode === 535 &&
    attempt.failure.enhancedCode !== '5.7.139'
  );
}

async function attemptOnce(
  input: SmtpTestInput,
  auth: TransportAuth,
  transcript: Transcript,
  timeouts: SmtpTimeouts,
): Promise<Attempt> {
  transcript.startSession();
  let xoauth2Missing = false;
  const transportAuth: TransportAuth =
    auth.kind === 'oauth2'
      ? {
          ...auth,
          provideToken: async (renew) => {
            const offered = transcript.authMechanisms;
            if (offered !== null && !offered.includes('XOAUTH2')) {
              xoauth2Missing = true;
              throw new Error('The server does not advertise AUTH XOAUTH2; the token was not sent');
            }
            return auth.provideToken(renew);
          },
        }
      : auth;

  const transporter = nodemailer.createTransport(
    toTransportOptions({ endpoint: input.endpoint, auth: transportAuth, timeouts, logger: transcript.logger() }),
  );
  transporter.on('error', () => undefined); // reported through the send/verify promise
  try {
    const messageId = input.dryRun
      ? (await transporter.verify(), null)
      : (await transporter.sendMail(message(input))).messageId;
    if (!transcript.authCommandSent) {
      // Only OPPORTUNISTIC gets here (the others force AUTH): the server offered no AUTH.
      transcript.note(
        input.dryRun
          ? 'no AUTH offered, credentials not checked'
          : 'no AUTH offered, the message went out unauthenticated',
      );
      return {
        ok: false,
        failure: {
          stage: TestStage.AUTH,
          errorCode: AUTH_NOT_OFFERED,
          smtpCode: null,
          enhancedCode: null,
          response: null,
        },
      };
    }
    return { ok: true, messageId };
  } catch (err) {
    const failure = classifyFailure(toErrorLike(err), { xoauth2Missing, authMechanisms: transcript.authMechanisms });
    if (xoauth2Missing) failure.errorCode = XOAUTH2_NOT_OFFERED;
    return { ok: false, failure };
  } finally {
    transporter.close();
  }
}

function message(input: SmtpTestInput): SendMailOptions {
  const { endpoint, from } = input;
  return {
    // An address object, so nodemailer quotes or encodes the display name; never concatenate.
    from: from.name === null ? from.address : { name: from.name, address: from.address },
    to: input.to,
    subject: TEST_EMAIL_SUBJECT,
    text: [
      'This is a test email sent by Postroom to check an outgoing mail connection.',
      '',
      `Server: ${endpoint.host}:${endpoint.port}`,
      `TLS mode: ${endpoint.tls}`,
      `Authentication: ${input.auth.kind === 'basic' ? 'Basic (username and password)' : 'OAuth2 (XOAUTH2)'}`,
    ].join('\n'),
  };
}

function toErrorLike(err: unknown): NodemailerErrorLike {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    message: str(e.message),
    code: str(e.code),
    originalCode: str(e.originalCode),
    command: str(e.command),
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : undefined,
    response: str(e.response),
    timeoutType: str(e.timeoutType),
    reason: str(e.reason),
  };
}
