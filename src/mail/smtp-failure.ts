import {
  AUTH_NOT_OFFERED,
  GREETING_TIMEOUT,
  STARTTLS_NOT_OFFERED,
  TLS_HOSTNAME_MISMATCH,
  TLS_UNTRUSTED_CERTIFICATE,
  TLS_WRONG_VERSION,
  XOAUTH2_NOT_OFFERED,
} from './diagnostics.js';
import { TestStage } from './test-outcome.js';

/** The fields nodemailer puts on its errors (code is its own, originalCode the system's). */
export interface NodemailerErrorLike {
  message?: string;
  code?: string;
  originalCode?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  timeoutType?: string;
  reason?: string;
}

export interface ClassifiedFailure {
  stage: TestStage;
  errorCode: string | null;
  smtpCode: number | null;
  enhancedCode: string | null;
  /** Unmasked; the caller masks it. */
  response: string | null;
}

export interface FailureContext {
  xoauth2Missing: boolean;
  /** AUTH mechanisms of the last EHLO, null if none was seen. */
  authMechanisms: string[] | null;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENODATA', 'ESERVFAIL', 'EAI_FAIL', 'EAI_NONAME']);
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

export function parseEnhancedCode(response: string | null | undefined): string | null {
  const match = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(response ?? '');
  return match ? match[1]! : null;
}

export function classifyFailure(err: NodemailerErrorLike, ctx: FailureContext): ClassifiedFailure {
  const response = typeof err.response === 'string' ? err.response : null;
  const smtpCode = typeof err.responseCode === 'number' ? err.responseCode : null;
  const base = { smtpCode, enhancedCode: parseEnhancedCode(response), response };
  const [stage, errorCode] = stageOf(err, ctx);
  return { stage, errorCode, ...base };
}

function stageOf(err: NodemailerErrorLike, ctx: FailureContext): [TestStage, string | null] {
  const code = err.code ?? '';
  const system = err.originalCode ?? '';
  const command = err.command ?? '';
  const message = `${err.message ?? ''} ${err.reason ?? ''}`;

  if (ctx.xoauth2Missing) return [TestStage.AUTH, XOAUTH2_NOT_OFFERED];
  if (code === 'EDNS' || DNS_CODES.has(system)) return [TestStage.DNS, system || 'EDNS'];

  const tls = tlsProblem(system, message);
  if (tls) return [TestStage.TLS, tls];
  if (command === 'STARTTLS' || code === 'ETLS') {
    return [TestStage.TLS, command === 'STARTTLS' && err.response ? STARTTLS_NOT_OFFERED : system || 'ETLS'];
  }
  if (code === 'ETIMEDOUT' && err.timeoutType === 'UPGRADE_TIMEOUT') return [TestStage.TLS, 'ETIMEDOUT'];

  if (code === 'EAUTH' || code === 'ENOAUTH' || command.startsWith('AUTH')) {
    const noAuth = ctx.authMechanisms !== null && ctx.authMechanisms.length === 0;
    return [TestStage.AUTH, noAuth ? AUTH_NOT_OFFERED : code || 'EAUTH'];
  }
  if (code === 'EENVELOPE' && command === 'API') return [TestStage.CONFIG, code];
  if (command === 'MAIL FROM') return [TestStage.SENDER, code || null];
  if (command === 'RCPT TO') return [TestStage.RECIPIENT, code || null];
  if (command === 'DATA' || code === 'EMESSAGE' || code === 'ESTREAM') return [TestStage.MESSAGE, code || null];

  if (code === 'ETIMEDOUT' && err.timeoutType === 'GREETING_TIMEOUT') return [TestStage.CONNECT, GREETING_TIMEOUT];
  if (code === 'ETIMEDOUT') return [TestStage.CONNECT, 'ETIMEDOUT'];
  return [TestStage.CONNECT, system || code || null];
}

function tlsProblem(system: string, message: string): string | null {
  if (
    system === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    /wrong version number|packet length too long|unknown protocol|record layer failure/i.test(message)
  ) {
    return TLS_WRONG_VERSION;
  }
  if (system === 'ERR_TLS_CERT_ALTNAME_INVALID' || /does not match certificate's altnames/i.test(message)) {
    return TLS_HOSTNAME_MISMATCH;
  }
  if (UNTRUSTED_CODES.has(system)) return TLS_UNTRUSTED_CERTIFICATE;
  if (system.startsWith('ERR_SSL_') || system.startsWith('ERR_TLS_')) return system;
  return null;
}
