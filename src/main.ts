/** `npm start`: read config, open the database, run migrations, listen; stop gracefully on SIGINT/SIGTERM. */
import 'reflect-metadata';
import { ConfigError, loadConfig } from './config.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import { KeyConfigError } from './secrets/key-ring.js';
import { BootstrapTokenError } from './auth/api-key.service.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  let app;
  try {
    app = await createApp(config, { logger });
  } catch (error) {
    // Key, egress and JWT settings are checked while the app is composed; each names its variable.
    if (error instanceof KeyConfigError || error instanceof ConfigError || error instanceof BootstrapTokenError) {
      logger.fatal(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (app.migrationsApplied.length > 0) logger.info({ migrations: app.migrationsApplied }, 'applied migrations');
  logger.info(
    { url: app.http.url, database: config.databaseUrl ? 'postgresql' : `pglite (${config.dataDir})` },
    `Postroom GraphQL API ready at ${app.http.url}`,
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    app
      .close()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('Postroom failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
