/**
 * Test emails, dry runs and verified secret rotation. Stored secrets are decrypted here only to send or
 * verify (re-keying aside; reads never decrypt). SMTP and token failures come back as TestOutcome data.
 */
import { randomUUID } from 'node:crypto';
import { badInput } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { TestOutcome } from '../mail/test-outcome.js';
import type { SmtpAuth } from '../mail/smtp-auth.js';
import type { SmtpTestInput } from '../mail/smtp-test.js';
import type { SmtpTimeouts } from '../mail/transport-options.js';
import type { TlsMode } from '../mail/tls-mode.js';
import type { TokenProvider, TokenRequest } from '../oauth2/token-provider.js';
import { TokenError } from '../oauth2/token-error.js';
import type { ClientAuthType } from '../oauth2/client-auth-type.js';
import { asPlaintext } from '../secrets/secret-types.js';
import { SecretDecryptError } from '../secrets/envelope.js';
import { TestStage } from '../mail/test-outcome.js';
import type { ConnectionEntity } from './connection.entity.js';
import type { ConnectionView, NewConnection } from './connection.model.js';
import { storedOutcome } from './connection.mapper.js';
import { checkSecret } from './connection.checks.js';
import { assertVersion, type ConnectionService } from './connection.service.js';
import type { RateLimit, RateLimiter } from '../limits/rate-limiter.js';
import type { AuditService } from '../audit/audit.service.js';

export type SmtpTester = (input: SmtpTestInput) => Promise<TestOutcome>;

/** What a test needs of a connection, whether stored or only typed into a form. */
interface TestTarget {
  host: string;
  port: number;
  tls: TlsMode;
  caCertificate: string | null;
  fromAddress: string;
  fromDisplayName: string | null;
  auth:
    | { kind: 'basic'; username: string; password: string }
    | { kind: 'oauth2ClientCredentials'; username: string; token: TokenRequest };
}

export class ConnectionTestService {
  constructor(
    private readonly deps: {
      connections: ConnectionService;
      tokens: TokenProvider;
      smtp: SmtpTester;
      clock: () => Date;
      smtpTimeouts?: Partial<SmtpTimeouts>;
      limiter: RateLimiter;
      /** Test emails allowed per hour: per API key (or JWT subject) and per connection. */
      rates: { perKey: number; perConnection: number };
      audit: AuditService;
    },
  ) {}

  async sendTestEmail(ctx: RequestContext, args: { id: string; to: string; dryRun: boolean }): Promise<TestOutcome> {
    const row = await this.deps.connections.findRow(args.id);
    await this.deps.limiter.charge([this.callerLimit(ctx), this.connectionLimit(row.id)]);
    let outcome: TestOutcome;
    try {
      outcome = await this.run(this.storedTarget(row), args.to, args.dryRun);
    } catch (error) {
      if (!(error instanceof SecretDecryptError)) throw error;
      outcome = unreadableSecretOutcome(error, this.deps.clock());
    }
    await this.deps.connections.recordTest(ctx, row.id, storedOutcome(outcome), { to: args.to, dryRun: args.dryRun });
    return outcome;
  }

  async testSettings(
    ctx: RequestContext,
    args: { input: NewConnection; to: string; dryRun: boolean },
  ): Promise<TestOutcome> {
    const checked = this.deps.connections.validateNew(args.input);
    if (!checked.ok) throw badInput(checked.errors);
    await this.deps.limiter.charge([this.callerLimit(ctx)]);
    const { input } = args;
    const auth = input.auth;
    const unsavedVersion = `unsaved-${randomUUID()}`;
    let outcome: TestOutcome;
    try {
      outcome = await this.run(
        {
          host: checked.value.address.host,
          port: checked.value.address.port,
          tls: checked.value.tls,
          caCertificate: input.caCertificate,
          fromAddress: input.fromAddress,
          fromDisplayName: input.fromDisplayName,
          auth:
            auth.kind === 'basic'
              ? auth
              : { kind: auth.kind, username: auth.username, token: { ...auth, secretVersion: unsavedVersion } },
        },
        args.to,
        args.dryRun,
      );
    } finally {
      // Unsaved settings are never tested again: drop their client (it holds the secret) and token.
      if (auth.kind === 'oauth2ClientCredentials') {
        this.deps.tokens.forget({ tokenUrl: auth.tokenUrl, clientId: auth.clientId, secretVersion: unsavedVersion });
      }
    }
    await this.deps.audit.recordAlone(ctx, {
      action: 'connection.testSettings',
      connectionId: null,
      changes: {
        url: `${checked.value.address.host}:${checked.value.address.port}`,
        to: args.to,
        dryRun: args.dryRun,
        ok: outcome.ok,
        stage: outcome.stage,
      },
    });
    return outcome;
  }

  private connectionLimit(connectionId: string): RateLimit {
    return {
      scope: `connection:${connectionId}`,
      limit: this.deps.rates.perConnection,
      label: 'per connection per hour (TEST_EMAIL_RATE_PER_CONNECTION)',
    };
  }

  private callerLimit(ctx: RequestContext): RateLimit {
    const caller = ctx.principal.keyId ? `apiKey:${ctx.principal.keyId}` : ctx.actor;
    return {
      scope: `caller:${caller}`,
      limit: this.deps.rates.perKey,
      label: 'per API key per hour (TEST_EMAIL_RATE_PER_KEY)',
    };
  }

  /**
   * Replaces a stored secret. With `verify`, the new secret must first obtain a token (OAuth2) or pass
   * SMTP AUTH (Basic); until then, and if that fails, the old secret stays stored and keeps working.
   */
  async rotateSecret(
    ctx: RequestContext,
    args: { id: string; secret: string; expiresAt: Date | null; verify: boolean; expectedVersion: number | null },
  ): Promise<ConnectionView> {
    const row = await this.deps.connections.findRow(args.id);
    const errors = checkSecret(args.secret, 'secret', row.secretHint);
    if (errors.length > 0) throw badInput(errors);
    if (args.verify) {
      assertVersion(row, args.expectedVersion);
      // A verification talks to the server like a test email does, so it is limited like one.
      await this.deps.limiter.charge([this.callerLimit(ctx), this.connectionLimit(row.id)]);
      await this.verifySecret(row, args.secret);
    }
    const { view } = await this.deps.connections.rotateSecret(ctx, {
      id: args.id,
      secret: asPlaintext(args.secret),
      expiresAt: args.expiresAt,
      // What was verified is the row as read above: a change to it meanwhile is a CONFLICT, not a silent store.
      expectedVersion: args.verify ? row.version : args.expectedVersion,
    });
    return view;
  }

  private async verifySecret(row: ConnectionEntity, secret: string): Promise<void> {
    const target = this.storedTarget(row, secret);
    let failure: { stage: string; hint: string | null; errorCode: string | null } | null = null;
    if (target.auth.kind === 'oauth2ClientCredentials') {
      try {
        await this.deps.tokens.getAccessToken(target.auth.token, { forceRefresh: true });
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        failure = { stage: 'TOKEN', hint: error.details.hint, errorCode: error.details.errorCode };
      } finally {
        // The verification's own client and token are never reused; keep only the stored secret's.
        const { tokenUrl, clientId } = target.auth.token;
        this.deps.tokens.forget({ tokenUrl, clientId, exceptSecretVersion: this.deps.connections.secretVersion(row) });
      }
    } else {
      const outcome = await this.run(target, row.fromAddress, true);
      if (!outcome.ok) failure = outcome;
    }
    if (failure) {
      throw badInput(
        [
          {
            path: 'secret',
            message: `secret: the new secret did not work (stage ${failure.stage}${
              failure.errorCode ? `, ${failure.errorCode}` : ''
            }); the old secret is still stored. ${failure.hint ?? ''}`.trim(),
          },
        ],
        { stage: failure.stage, hint: failure.hint, errorCode: failure.errorCode },
      );
    }
  }

  /** The stored connection as a test target; `secretOverride` tests a new secret before it is stored. */
  private storedTarget(row: ConnectionEntity, secretOverride?: string): TestTarget {
    const secret = secretOverride ?? this.deps.connections.openSecret(row);
    const common = {
      host: row.host,
      port: row.port,
      tls: row.tls as TlsMode,
      caCertificate: row.caCertificate,
      fromAddress: row.fromAddress,
      fromDisplayName: row.fromDisplayName,
    };
    if (row.authKind === 'basic') {
      return { ...common, auth: { kind: 'basic', username: row.username, password: secret } };
    }
    return {
      ...common,
      auth: {
        kind: 'oauth2ClientCredentials',
        username: row.username,
        token: {
          tokenUrl: row.tokenUrl ?? '',
          clientId: row.clientId ?? '',
          clientSecret: secret,
          scope: row.scope ?? '',
          clientAuthType: row.clientAuthType as ClientAuthType,
          secretVersion:
            secretOverride === undefined ? this.deps.connections.secretVersion(row) : `verify-${randomUUID()}`,
        },
      },
    };
  }

  private run(target: TestTarget, to: string, dryRun: boolean): Promise<TestOutcome> {
    return this.deps.smtp({
      endpoint: { host: target.host, port: target.port, tls: target.tls, caCertificate: target.caCertificate },
      auth: this.smtpAuth(target.auth),
      from: { name: target.fromDisplayName, address: target.fromAddress },
      to,
      dryRun,
      timeouts: this.deps.smtpTimeouts,
      clock: this.deps.clock,
    });
  }

  private smtpAuth(auth: TestTarget['auth']): SmtpAuth {
    switch (auth.kind) {
      case 'basic':
        return auth;
      case 'oauth2ClientCredentials':
        return {
          kind: 'oauth2',
          username: auth.username,
          accessToken: async ({ forceRefresh }) =>
            (await this.deps.tokens.getAccessToken(auth.token, { forceRefresh })).accessToken,
        };
      default: {
        const never: never = auth;
        throw new Error(`unknown auth kind ${JSON.stringify(never)}`);
      }
    }
  }
}

/**
 * A stored secret that cannot be opened (key removed from SECRET_KEYS, data copied from another row or
 * tampered with) is a configuration problem the admin can fix, not a server crash.
 */
function unreadableSecretOutcome(error: SecretDecryptError, testedAt: Date): TestOutcome {
  const cause =
    error.reason === 'unknownKey'
      ? `it was sealed with key "${error.keyId ?? ''}", which is not in SECRET_KEYS; add that key back, or`
      : 'it does not belong to this connection (damaged, or copied from another one);';
  return {
    ok: false,
    stage: TestStage.CONFIG,
    durationMs: 0,
    messageId: null,
    smtpCode: null,
    enhancedCode: null,
    serverResponse: null,
    errorCode: 'SECRET_UNREADABLE',
    hint: `The stored secret of this connection cannot be decrypted: ${cause} re-enter the password or client secret (rotateSecret), then test again.`,
    transcript: ['* the stored secret could not be decrypted; nothing was sent'],
    testedAt,
  };
}
