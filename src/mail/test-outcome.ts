/** The stage where a test stopped; DONE when the message was accepted (or, on a dry run, AUTH passed). */
export enum TestStage {
  CONFIG = 'CONFIG',
  DNS = 'DNS',
  CONNECT = 'CONNECT',
  TLS = 'TLS',
  TOKEN = 'TOKEN',
  AUTH = 'AUTH',
  SENDER = 'SENDER',
  RECIPIENT = 'RECIPIENT',
  MESSAGE = 'MESSAGE',
  DONE = 'DONE',
}

/** What a test email (or a dry run) found. A failure is data, never a thrown error. */
export interface TestOutcome {
  ok: boolean;
  stage: TestStage;
  durationMs: number;
  messageId: string | null;
  smtpCode: number | null;
  enhancedCode: string | null;
  serverResponse: string | null;
  errorCode: string | null;
  hint: string | null;
  transcript: string[];
  testedAt: Date;
}
