/**
 * Databases of the bench: a fresh PostgreSQL database per case (created and dropped here), or, when no
 * server answers, PGlite directories under the run's temp folder.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export type DatabaseMode = { kind: 'postgres'; adminUrl: string } | { kind: 'pglite'; reason: string };

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function detectDatabase(options: { forcePglite: boolean; adminUrl: string }): Promise<DatabaseMode> {
  if (options.forcePglite) return { kind: 'pglite', reason: '--pglite given' };
  const client = new Client({ connectionString: options.adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { kind: 'postgres', adminUrl: options.adminUrl };
  } catch (error) {
    return {
      kind: 'pglite',
      reason: `PostgreSQL at ${redactUrl(options.adminUrl)} unavailable (${(error as Error).message})`,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export interface FreshDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE postroom_bench_<label>_<random> on the admin URL's server. */
export async function createDatabase(adminUrl: string, label: string): Promise<FreshDatabase> {
  const name = `postroom_bench_${label.toLowerCase().replace(/[^a-z0-9]/g, '')}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const dropper = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Runs fn with a client on the database; closes it afterwards. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Committed transactions of the database so far. Each autocommit statement is one transaction, so the
 * difference over N requests (minus the probe's own) is the statements per request: an N+1 shows here.
 */
export async function committedTransactions(url: string): Promise<number> {
  return withClient(url, async (client) => {
    await client.query('SELECT pg_stat_force_next_flush()').catch(() => undefined);
    const result = await client.query<{ xact_commit: string }>(
      'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(result.rows[0]?.xact_commit ?? NaN);
  });
}

/** Runs one statement; the rows as objects. */
export type Sql = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * Copies one stored connection `count` times with new ids and names, straight in SQL (fast for thousands).
 * The sealed secret is copied too; it is sealed with the source row's id as AAD, so the copies could not be
 * decrypted, which list reads never do.
 */
export async function copyConnections(sql: Sql, sourceId: string, count: number, prefix: string): Promise<void> {
  const columns = await sql(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'connection' ORDER BY ordinal_position`,
    [],
  );
  const copied = columns.map((r) => String(r.column_name)).filter((c) => !['id', 'name', 'is_default'].includes(c));
  const list = copied.map((c) => `"${c}"`).join(', ');
  for (let done = 0; done < count; done += 1_000) {
    const batch = Math.min(1_000, count - done);
    await sql(
      `INSERT INTO connection (id, name, is_default, ${list})
       SELECT gen_random_uuid(), $2 || lpad((g + $3::int)::text, 6, '0'), false, ${list}
         FROM connection, generate_series(1, $4::int) AS g WHERE id = $1`,
      [sourceId, prefix, done, batch],
    );
  }
}
