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
import { DEFAULT_ALLOWED_TOKEN_HOSTS } from './oauth2/token-url.js';
import { runSmtpTest } from './mail/smtp-test.js';
import type { SmtpTimeouts } from './mail/transport-options.js';
import { ConnectionService } from './connections/connection.service.js';
import { ConnectionTestService, type SmtpTester } from './connections/connection-test.service.js';
import type { Services } from './context.js';
import { createHttpServer, type HttpServer } from './server.js';

export interface AppOverrides {
  database?: DatabaseTarget;
  keyRing?: KeyRing;
  logger?: Logger;
  tokens?: TokenProvider;
  smtp?: SmtpTester;
  smtpTimeouts?: Partial<SmtpTimeouts>;
  clock?: () => Date;
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
  const keyRing =
    overrides.keyRing ??
    loadKeyRing({
      secretKeys: config.secretKeys,
      production: config.production,
      dataDir: config.dataDir,
      warn: (message) => logger.warn(message),
    });
  const dataSource = createDataSource(overrides.database ?? databaseTarget(config.databaseUrl, config.dataDir));
  const migrationsApplied = await openDatabase(dataSource);
  const clock = overrides.clock ?? (() => new Date());
  const tokens = overrides.tokens ?? new TokenProvider();

  const connections = new ConnectionService({
    dataSource,
    keyRing,
    clock,
    checks: { allowedTokenHosts: config.oauth2AllowedTokenHosts ?? DEFAULT_ALLOWED_TOKEN_HOSTS },
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
      smtp: overrides.smtp ?? runSmtpTest,
      clock,
      smtpTimeouts: overrides.smtpTimeouts,
    }),
  };
  let http: HttpServer;
  try {
    http = await createHttpServer({ config, logger, services, dataSource });
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
