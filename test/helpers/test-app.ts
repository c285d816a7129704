/**
 * Starts the real app for a test: real HTTP on an ephemeral port, real migrations on a throwaway
 * database (a copy of a migrated PGlite directory by default, a fresh schema on the PostgreSQL server when DATABASE_URL is
 * set), a fresh key ring, captured logs, and a token provider that trusts the test CA.
 */
import 'reflect-metadata';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { loadConfig } from '../../src/config.js';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import { createDataSource, openDatabase, type DatabaseTarget } from '../../src/db/data-source.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { createLogger } from '../../src/logger.js';
import { createKeyRing } from '../../src/secrets/key-ring.js';
import { TokenProvider } from '../../src/oauth2/token-provider.js';
import { generateToken } from '../../src/auth/api-key-token.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  body: string;
  data?: T;
  errors?: Array<{
    message: string;
    path?: string[];
    extensions: { code: string; fields?: Array<{ path: string; message: string }>; [key: string]: unknown };
  }>;
}

export interface TestApp {
  app: App;
  url: string;
  /**
   * The bootstrap admin key's token (BOOTSTRAP_API_KEY). gql() sends it unless the caller passes its own
   * `authorization` header (`authorization: ''` sends none).
   */
  adminToken: string;
  /** Every log line the app wrote, raw JSON. */
  logs: string[];
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface TestAppOptions extends AppOverrides {
  env?: Record<string, string>;
  /** Extra CA PEMs the token provider trusts (the token endpoint's test CA). */
  caPems?: string[];
  /** Keep the database between app instances (restart tests): pass the same target. */
  databaseTarget?: DatabaseTarget;
}

/**
 * A migrated PGlite data directory, made once per set of migrations and copied for each test: opening a
 * copy takes a fraction of a second, where initdb takes several. Made under a temporary name and renamed,
 * so test files running at once never see half of one.
 */
async function pgliteTemplate(): Promise<string> {
  const key = createHash('sha256')
    .update(MIGRATIONS.map((m) => m.name).join(','))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), `postroom-pglite-template-${key}`);
  if (existsSync(path.join(dir, 'READY'))) return dir;
  const building = `${dir}.${process.pid}.${randomUUID()}`;
  const dataSource = createDataSource({ kind: 'pglite', dataDir: building });
  await openDatabase(dataSource);
  await dataSource.destroy();
  writeFileSync(path.join(building, 'READY'), '');
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another test file finished first
  }
  return dir;
}

/** A throwaway database: a schema on the server when DATABASE_URL is set, else a copy of a PGlite template. */
export async function createTestDatabase(): Promise<{ target: DatabaseTarget; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'postroom-test-db-'));
    cpSync(await pgliteTemplate(), dataDir, { recursive: true });
    return {
      target: { kind: 'pglite', dataDir },
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${randomUUID().replace(/-/g, '')}`;
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.end();
  return {
    target: { kind: 'postgres', url, schema },
    async drop() {
      const dropper = new Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA "${schema}" CASCADE`);
      await dropper.end();
    },
  };
}

export function testKeyRing() {
  return createKeyRing([{ id: 'test', key: randomBytes(32) }]);
}

/**
 * One admin token per database: a restarted app on the same target finds the bootstrap key already
 * created (bootstrap runs only while no keys exist), so it must keep using the same token.
 */
const adminTokens = new Map<string, string>();
function adminTokenFor(target: DatabaseTarget | undefined): string {
  const fresh = generateToken().token;
  if (!target) return fresh;
  const key = JSON.stringify(target);
  if (!adminTokens.has(key)) adminTokens.set(key, fresh);
  return adminTokens.get(key)!;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const adminToken = options.env?.BOOTSTRAP_API_KEY ?? adminTokenFor(options.databaseTarget);
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'debug',
    DATA_DIR: '/nonexistent-test-data-dir',
    BOOTSTRAP_API_KEY: adminToken,
    // Sinks listen on loopback; a caller that passes any EGRESS_* setting gets exactly its own policy.
    ...(Object.keys(options.env ?? {}).some((name) => name.startsWith('EGRESS_'))
      ? {}
      : { EGRESS_ALLOWED_HOSTS: 'localhost,127.0.0.1,::1' }),
    ...options.env,
  });
  const database = options.databaseTarget ? null : await createTestDatabase();
  const app = await createApp(config, {
    database: options.databaseTarget ?? database?.target,
    keyRing: options.keyRing ?? testKeyRing(),
    logger: options.logger ?? createLogger('debug', sink),
    tokens: options.tokens ?? new TokenProvider({ caPems: options.caPems ?? [], timeoutMs: 3_000 }),
    smtpTimeouts: { connectionMs: 3_000, greetingMs: 3_000, socketMs: 5_000, dnsMs: 3_000, ...options.smtpTimeouts },
    smtp: options.smtp,
    clock: options.clock,
    egressResolver: options.egressResolver,
  });
  const url = `http://127.0.0.1:${app.http.port}/graphql`;
  return {
    app,
    url,
    logs,
    adminToken,
    async gql(query, variables = {}, headers = {}) {
      const own = Object.keys(headers).find((name) => name.toLowerCase() === 'authorization');
      const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== own));
      const authorization = own === undefined ? `Bearer ${adminToken}` : headers[own];
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}), ...rest },
        body: JSON.stringify({ query, variables }),
      });
      const body = await response.text();
      const parsed = JSON.parse(body) as { data?: any; errors?: any };
      return { status: response.status, body, data: parsed.data ?? undefined, errors: parsed.errors };
    },
    async close() {
      await app.close();
      await database?.drop();
    },
  };
}
