/** HTTP wiring: Apollo Server on /graphql, the offline playground, health endpoints, graceful drain. */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { DataSource } from 'typeorm';
import type { AppConfig } from './config.js';
import type { Logger } from './logger.js';
import type { GraphQLContext, Services } from './context.js';
import { createSchema } from './schema.js';
import { createFormatError } from './format-error.js';
import { playgroundAssets, playgroundHtml } from './playground.js';
import { contextError, type Authenticator } from './auth/authenticator.js';
import { requestLoggingPlugin } from './request-logging.plugin.js';
import { DomainError, ErrorCode } from './errors.js';

export interface HttpServer {
  server: http.Server;
  /** The bound port (useful when config.port is 0). */
  port: number;
  url: string;
  close(): Promise<void>;
}

const BODY_LIMIT = '256kb';
const MAX_TOKENS = 2000;

function requestError(message: string) {
  return { errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT } }] };
}

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
  const playground = config.introspection;

  const armor = new ApolloArmor({
    maxDepth: { n: 10 },
    maxAliases: { n: 15 },
    maxDirectives: { n: 20 },
    // Counted by graphql-js while parsing (parseOptions below): armor's Apollo plugin throws from
    // parsingDidStart, which Apollo answers with HTTP 500.
    maxTokens: { enabled: false },
    // A full page (connections(first: 200) with every field) costs about 60,000; 15 aliased pages do not pass.
    costLimit: { maxCost: 100_000 },
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
  const schema = await createSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM: it drains HTTP, then closes the database, then exits.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    // Compact JSON: Apollo's default pretty-prints every response, a measurable cost on large pages.
    stringifyResult: (value) => JSON.stringify(value),
    formatError: createFormatError({ hideSuggestions: config.production, schema }),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    plugins: [
      ...armor.plugins,
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Nothing here is cacheable, and the plugin would instrument every field.
      ApolloServerPluginCacheControlDisabled(),
      requestLoggingPlugin(logger),
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
    (req, res, next) => {
      // A caller's own id is kept when it is short and plain (it is echoed in a header and in logs).
      const headerId = req.header('x-request-id');
      const requestId = headerId && /^[\w.-]{1,100}$/.test(headerId) ? headerId : randomUUID();
      res.locals.requestId = requestId;
      res.setHeader('x-request-id', requestId);
      next();
    },
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = res.locals.requestId as string;
        let principal;
        try {
          principal = await authenticator.authenticate(req.header('authorization'));
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          logger.debug(
            { requestId, status: error.code === ErrorCode.FORBIDDEN ? 403 : 401, errorCodes: [error.code] },
            'graphql request refused',
          );
          throw contextError(error);
        }
        return { request: { requestId, actor: principal.actor, principal }, services };
      },
    }),
  );
  // Body parser failures (too large, malformed JSON) as GraphQL-shaped JSON: never express's HTML page,
  // which shows a stack trace outside production.
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, type } = (error ?? {}) as { status?: unknown; type?: unknown };
    if (type === 'entity.too.large') {
      res
        .status(413)
        .json(requestError(`The request body is larger than the limit of ${BODY_LIMIT}: send a smaller request`));
      return;
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res
        .status(status)
        .json(requestError('The request body could not be read: send a JSON object {"query": ..., "variables": ...}'));
      return;
    }
    logger.error(
      {
        err: {
          type: error instanceof Error ? error.name : typeof error,
          message: error instanceof Error ? error.message : 'non-Error thrown',
        },
      },
      'unexpected HTTP error',
    );
    res
      .status(500)
      .json({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
  });

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
