/**
 * The composition root: wires configuration, database, keys, token provider and SMTP into services,
 * and services into the HTTP server. Tests call createApp with their own edges (in-memory PGlite,
 * a test CA, short timeouts); main.ts calls it with the real ones.
 */
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config.js';
import { createDataSource, databaseTarget, openDatabase, type DatabaseTarget } from './db/data-source.js';
import { createLogger, type Logger } from './logger.js';
import { loadKeyRing } from './secrets/key-source.js';
import type { KeyRing } from './secrets/key-ring.js';
import { TokenProvider } from './oauth2/token-provider.js';
import { createHttpsPort } from './oauth2/https-port.js';
import { compileEgressPolicy } from './egress/address-policy.js';
import { createEgressGuard, type Resolver } from './egress/egress-guard.js';
import { DEFAULT_ALLOWED_TOKEN_HOSTS } from './oauth2/token-url.js';
import { runSmtpTest } from './mail/smtp-test.js';
import type { SmtpTimeouts } from './mail/transport-options.js';
import { ConnectionService } from './connections/connection.service.js';
import { ConnectionTestService, type SmtpTester } from './connections/connection-test.service.js';
import { ConnectionFormService } from './connections/form/form.service.js';
import type { Services } from './context.js';
import { AuditService } from './audit/audit.service.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { createHttpServer, type HttpServer } from './server.js';
import { ApiKeyService } from './auth/api-key.service.js';
import { Authenticator } from './auth/authenticator.js';
import { bootstrapApiKeys } from './auth/bootstrap.js';
import { createJwtVerifier } from './auth/jwt-verifier.js';

export interface AppOverrides {
  database?: DatabaseTarget;
  keyRing?: KeyRing;
  logger?: Logger;
  tokens?: TokenProvider;
  smtp?: SmtpTester;
  smtpTimeouts?: Partial<SmtpTimeouts>;
  clock?: () => Date;
  /** DNS for the egress guard (SMTP hosts and, with the default token provider, token hosts). */
  egressResolver?: Resolver;
  /** Where a generated bootstrap API key is shown (stdout by default). */
  announce?: (text: string) => void;
}

export interface App {
  config: AppConfig;
  dataSource: DataSource;
  services: Services;
  tokens: TokenProvider;
  http: HttpServer;
  logger: Logger;
  migrationsApplied: string[];
  /** Stops accepting requests, lets in-flight ones finish, then closes the database. */
  close(): Promise<void>;
}

export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  // Compiled first: a malformed EGRESS_ALLOWED_HOSTS entry stops the boot before anything opens.
  const egressPolicy = compileEgressPolicy(config.egress);
  const egress = createEgressGuard(egressPolicy, { resolver: overrides.egressResolver });
  const keyRing =
    overrides.keyRing ??
    loadKeyRing({
      secretKeys: config.secretKeys,
      production: config.production,
      dataDir: config.dataDir,
      warn: (message) => logger.warn(message),
    });
  const jwt = createJwtVerifier(config.auth);
  const dataSource = createDataSource(overrides.database ?? databaseTarget(config.databaseUrl, config.dataDir));
  const migrationsApplied = await openDatabase(dataSource);
  const clock = overrides.clock ?? (() => new Date());
  const allowedTokenHosts = config.oauth2AllowedTokenHosts ?? DEFAULT_ALLOWED_TOKEN_HOSTS;
  const tokens = overrides.tokens ?? new TokenProvider({ https: createHttpsPort({ egress, allowedTokenHosts }) });

  const audit = new AuditService({ dataSource, clock });
  const connections = new ConnectionService({
    dataSource,
    keyRing,
    clock,
    checks: { allowedTokenHosts, egress: egressPolicy },
    audit,
    onSecretReplaced: (previous) => {
      if (previous.tokenUrl && previous.clientId) {
        tokens.forget({ tokenUrl: previous.tokenUrl, clientId: previous.clientId });
      }
    },
  });
  const services: Services = {
    connections,
    connectionTests: new ConnectionTestService({
      connections,
      tokens,
      smtp: overrides.smtp ?? ((input) => runSmtpTest({ ...input, egress })),
      clock,
      smtpTimeouts: overrides.smtpTimeouts,
      limiter: new RateLimiter({ dataSource, clock }),
      rates: { perKey: config.testEmailRatePerKey, perConnection: config.testEmailRatePerConnection },
      audit,
    }),
    connectionForms: new ConnectionFormService({ dataSource, connections }),
    audit,
    apiKeys: new ApiKeyService({ dataSource, clock, audit }),
  };
  let http: HttpServer;
  try {
    await bootstrapApiKeys({
      apiKeys: services.apiKeys,
      configuredToken: config.auth.bootstrapApiKey,
      logger,
      announce: overrides.announce,
    });
    const authenticator = new Authenticator({ apiKeys: services.apiKeys, jwt, logger });
    http = await createHttpServer({ config, logger, services, dataSource, authenticator });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return {
    config,
    dataSource,
    services,
    tokens,
    http,
    logger,
    migrationsApplied,
    async close() {
      await http.close();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
