/**
 * The bare baselines, each started as its own process:
 *   hello   B1: Apollo Server 5 + express 5 with Postroom's options, answering { hello }
 *   pg      R1: the same stack, Postroom's schema (schema.graphql) and a plain resolver running the SQL that
 *               connection(id) runs, through `pg` (pool of 10, as Postroom's TypeORM pool)
 *   pglite  R1 on PGlite (fallback when no PostgreSQL server answers)
 * Env: PORT; DATABASE_URL (pg) or PGLITE_DIR (pglite).
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { ApolloServer, type ApolloServerOptionsWithTypeDefs, type BaseContext } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { Pool } from 'pg';

type Mode = 'hello' | 'pg' | 'pglite';
type Query = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

// The two statements connection(id) issues (connection.repository.ts findById and defaultId).
const SELECT_ROW = 'SELECT * FROM connection WHERE id = $1 LIMIT 1';
const SELECT_DEFAULT = `(SELECT id, 1 AS rank FROM connection WHERE type = $1 AND is_default LIMIT 1)
       UNION ALL (SELECT id, 2 AS rank FROM connection WHERE type = $1 AND lower(name) = 'default' LIMIT 1)
       UNION ALL (SELECT id, 3 AS rank FROM connection WHERE type = $1 LIMIT 2)`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string).toISOString();

function toView(row: Record<string, unknown>, defaultId: string | null): Record<string, unknown> {
  const secret = {
    isSet: String(row.secret_sealed ?? '').length > 0,
    hint: row.secret_hint ?? null,
    updatedAt: iso(row.secret_updated_at),
    expiresAt: iso(row.secret_expires_at),
  };
  const tokenUrl = (row.token_url as string | null) ?? '';
  const tenant = /^https:\/\/[^/]+\/([^/]+)\/oauth2\/v2\.0\/token$/i.exec(tokenUrl)?.[1] ?? null;
  const auth =
    row.auth_kind === 'basic'
      ? { kind: 'basic', username: row.username, password: secret }
      : {
          kind: 'oauth2ClientCredentials',
          username: row.username,
          clientId: row.client_id ?? '',
          tenantId: tenant,
          tokenUrl,
          scope: row.scope ?? '',
          clientAuthType: row.client_auth_type,
          clientSecret: secret,
        };
  const lastTest = row.last_test as Record<string, unknown> | null;
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    description: row.description,
    isDefault: row.id === defaultId,
    version: row.version,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    host: row.host,
    port: row.port,
    url: `${String(row.host)}:${String(row.port)}`,
    tls: row.tls,
    caCertificate: row.ca_certificate,
    fromAddress: row.from_address,
    fromDisplayName: row.from_display_name,
    auth,
    lastTest: lastTest ? { ...lastTest, testedAt: lastTest.testedAt } : null,
  };
}

async function openQuery(mode: Mode): Promise<Query | null> {
  switch (mode) {
    case 'hello':
      return null;
    case 'pg': {
      const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
      return async (sql, params) => (await pool.query(sql, params)).rows;
    }
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      const db = await PGlite.create(process.env.PGLITE_DIR ?? '');
      return async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows;
    }
    default: {
      const never: never = mode;
      throw new Error(`unknown mode ${String(never)}`);
    }
  }
}

async function main(): Promise<void> {
  const mode = (process.argv[2] ?? 'hello') as Mode;
  if (!['hello', 'pg', 'pglite'].includes(mode)) throw new Error(`mode must be hello, pg or pglite, not ${mode}`);
  const query = await openQuery(mode);
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);

  const schemaOptions: Pick<ApolloServerOptionsWithTypeDefs<BaseContext>, 'typeDefs' | 'resolvers'> = query
    ? {
        typeDefs: readFileSync(path.resolve(__dirname, '../../../schema.graphql'), 'utf8'),
        resolvers: {
          Query: {
            connection: async (_: unknown, args: { id: string }) => {
              if (!UUID.test(args.id)) return null;
              const [row] = await query(SELECT_ROW, [args.id]);
              if (!row) return null;
              const ranked = await query(SELECT_DEFAULT, [row.type]);
              const byRank = (rank: number) => ranked.filter((r) => Number(r.rank) === rank);
              const chosen = byRank(1)[0] ?? byRank(2)[0] ?? (byRank(3).length === 1 ? byRank(3)[0] : undefined);
              const defaultId = (chosen?.id as string | undefined) ?? null;
              return toView(row, defaultId);
            },
          },
          Connection: { __resolveType: () => 'SmtpConnection' },
          AuthMethod: {
            __resolveType: (auth: { kind: string }) =>
              auth.kind === 'basic' ? 'BasicAuth' : 'OAuth2ClientCredentials',
          },
        },
      }
    : { typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } };

  // The options of Postroom's src/server.ts in production.
  const apollo = new ApolloServer({
    ...schemaOptions,
    introspection: false,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    stringifyResult: (value) => JSON.stringify(value),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/graphql', express.json({ limit: '256kb' }), expressMiddleware(apollo));
  await new Promise<void>((resolve) => httpServer.listen(Number(process.env.PORT), '127.0.0.1', resolve));

  const stop = (): void => {
    apollo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('baseline server failed:', error);
  process.exit(1);
});
