/**
 * An in-process SMTP server for tests (smtp-server on 127.0.0.1, port 0). It records messages and
 * AUTH attempts, and can answer like a real server would fail: a given code and text at AUTH,
 * MAIL FROM, RCPT TO or DATA.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerOptions } from 'smtp-server';
import { createTestCa, type TestCa } from './test-ca.js';

export interface SmtpReply {
  code: number;
  message: string;
}

export interface AuthAttempt {
  method: string;
  username: string | undefined;
  password: string | undefined;
  accessToken: string | undefined;
}

/** `true` accepts; a reply rejects with that code and text. */
export type AuthDecision = true | SmtpReply;

export interface SmtpSinkOptions {
  tls: 'implicit' | 'starttls' | 'none';
  /** The CA that signs the server certificate; created when not given. */
  ca?: TestCa;
  /** Names on the server certificate; defaults to localhost and 127.0.0.1. */
  certNames?: string[];
  /** Advertised SASL methods; defaults to PLAIN and LOGIN. */
  authMethods?: string[];
  /** Accepts every login when not given. */
  onAuth?: (attempt: AuthAttempt) => AuthDecision | Promise<AuthDecision>;
  rejectMailFrom?: SmtpReply;
  rejectRcptTo?: SmtpReply;
  rejectData?: SmtpReply;
  /** Neither advertise nor accept STARTTLS. */
  hideStartTls?: boolean;
  /** No AUTH command at all. */
  disableAuth?: boolean;
}

export interface ReceivedMessage {
  raw: string;
  parsed: ParsedMail;
  mailFrom: string | null;
  rcptTo: string[];
  /** Who logged in for this message. */
  user: string | undefined;
}

export interface SmtpSink {
  host: string;
  port: number;
  ca: TestCa;
  messages: ReceivedMessage[];
  authAttempts: AuthAttempt[];
  close(): Promise<void>;
}

const issued = new WeakMap<TestCa, Map<string, { certPem: string; keyPem: string }>>();

function certificateFor(ca: TestCa, names: string[]): { certPem: string; keyPem: string } {
  // RSA key generation in node-forge is slow, so a certificate is issued once per CA and names.
  const byNames = issued.get(ca) ?? new Map<string, { certPem: string; keyPem: string }>();
  issued.set(ca, byNames);
  const key = names.join(',');
  const cert = byNames.get(key) ?? ca.issue(names);
  byNames.set(key, cert);
  return cert;
}

function replyError(reply: SmtpReply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const ca = options.ca ?? createTestCa();
  const messages: ReceivedMessage[] = [];
  const authAttempts: AuthAttempt[] = [];
  const disabledCommands = [
    ...(options.tls === 'none' || options.hideStartTls ? ['STARTTLS'] : []),
    ...(options.disableAuth ? ['AUTH'] : []),
  ];
  const cert = options.tls === 'none' ? null : certificateFor(ca, options.certNames ?? ['localhost', '127.0.0.1']);

  const serverOptions: SMTPServerOptions = {
    secure: options.tls === 'implicit',
    ...(cert ? { key: cert.keyPem, cert: cert.certPem } : {}),
    name: 'sink.test',
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 100,
    authMethods: options.authMethods ?? ['PLAIN', 'LOGIN'],
    authOptional: options.disableAuth ?? false,
    allowInsecureAuth: options.tls === 'none' || options.hideStartTls === true,
    disabledCommands,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      const attempt: AuthAttempt = {
        method: auth.method,
        username: auth.username,
        password: auth.password ?? undefined,
        accessToken: auth.accessToken,
      };
      authAttempts.push(attempt);
      Promise.resolve(options.onAuth ? options.onAuth(attempt) : true).then(
        (decision) => (decision === true ? callback(null, { user: auth.username }) : callback(replyError(decision))),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
    onMailFrom(_address, _session, callback) {
      callback(options.rejectMailFrom ? replyError(options.rejectMailFrom) : null);
    },
    onRcptTo(_address, _session, callback) {
      callback(options.rejectRcptTo ? replyError(options.rejectRcptTo) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (options.rejectData) return callback(replyError(options.rejectData));
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              raw,
              parsed,
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              user: typeof session.user === 'string' ? session.user : undefined,
            });
            callback(null);
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      });
    },
  };

  const server = new SMTPServer(serverOptions);
  server.on('error', () => undefined); // clients that abort a TLS handshake are part of the tests
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    ca,
    messages,
    authAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
