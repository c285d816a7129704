/** HTTP wiring: Apollo Server on /graphql, the offline playground, health endpoints, graceful drain. */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import type { GraphQLContext, Services } from './context.js';
import { createSchema } from './schema.js';
import { createFormatError } from './format-error.js';
import { playgroundAssets, playgroundHtml } from './playground.js';
import { DomainError } from './errors.js';
import { contextError, type Authenticator } from './auth/authenticator.js';

export interface HttpServer {
  server: http.Server;
  /** The bound port (useful when config.port is 0). */
  port: number;
  url: string;
  close(): Promise<void>;
}

const BODY_LIMIT = '256kb';

export async function createHttpServer(deps: {
  config: AppConfig;
  logger: Logger;
  services: Services;
  dataSource: DataSource;
  authenticator: Authenticator;
}): Promise<HttpServer> {
  const { config, logger, services, dataSource, authenticator } = deps;
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const playground = !config.production;

  const armor = new ApolloArmor({
    maxDepth: { n: 10 },
    maxAliases: { n: 15 },
    maxDirectives: { n: 20 },
    maxTokens: { n: 2000 },
    costLimit: { maxCost: 5000 },
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
  const schema = await createSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM: it drains HTTP, then closes the database, then exits.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    formatError: createFormatError(logger, { hideSuggestions: config.production, schema }),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    validationRules: armor.validationRules,
    plugins: [
      ...armor.plugins,
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await dataSource.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });
  if (playground) {
    app.use(playgroundAssets());
    app.get('/graphql', (req, res, next) => {
      if (req.accepts(['application/json', 'text/html']) === 'text/html' && !req.query.query) {
        res.type('html').send(playgroundHtml('/graphql'));
        return;
      }
      next();
    });
  }
  app.use(
    '/graphql',
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const headerId = req.header('x-request-id');
        const requestId = headerId && /^[\w.-]{1,100}$/.test(headerId) ? headerId : randomUUID();
        let principal;
        try {
          principal = await authenticator.authenticate(req.header('authorization'));
        } catch (error) {
          throw error instanceof DomainError ? contextError(error) : error;
        }
        return { request: { requestId, actor: principal.actor, principal }, services };
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, resolve);
  });
  const port = (httpServer.address() as AddressInfo).port;
  return {
    server: httpServer,
    port,
    url: `http://localhost:${port}/graphql`,
    close: () => apollo.stop(),
  };
}
