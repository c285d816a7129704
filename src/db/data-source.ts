/**
 * The DataSource factory: PostgreSQL through `pg` when DATABASE_URL is set, otherwise embedded PGlite
 * under DATA_DIR. Schema changes only through migrations; `synchronize` is never on.
 */
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { exclusivePGliteDriver } from './exclusive-pglite-pool.js';
import { lockDataDir } from './data-dir-lock.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from '../../migrations/index.js';

export type DatabaseTarget =
  { kind: 'postgres'; url: string; schema?: string } | { kind: 'pglite'; dataDir: string | null /* null: in memory */ };

export function databaseTarget(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  return databaseUrl
    ? { kind: 'postgres', url: databaseUrl }
    : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') };
}

export function createDataSource(target: DatabaseTarget): DataSource {
  const common = {
    type: 'postgres',
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    // gen_random_uuid() is core since PostgreSQL 13; never CREATE EXTENSION behind the operator's back.
    installExtensions: false,
  } as const;
  let options: DataSourceOptions;
  switch (target.kind) {
    case 'postgres':
      options = {
        ...common,
        url: target.url,
        schema: target.schema,
        poolSize: 10,
        connectTimeoutMS: 10_000,
        applicationName: 'postroom',
        extra: target.schema ? { options: `-c search_path=${target.schema}` } : {},
      };
      break;
    case 'pglite':
      options = {
        ...common,
        driver: exclusivePGliteDriver(target.dataDir ? { dataDir: target.dataDir } : {}),
      };
      break;
    default: {
      const never: never = target;
      throw new Error(`unknown database target ${JSON.stringify(never)}`);
    }
  }
  return target.kind === 'pglite' && target.dataDir
    ? new DataDirLockingDataSource(options, target.dataDir)
    : new DataSource(options);
}

/** An embedded database on disk, held by one process at a time (data-dir-lock.ts). */
class DataDirLockingDataSource extends DataSource {
  private release: (() => void) | null = null;

  constructor(
    options: DataSourceOptions,
    private readonly dataDir: string,
  ) {
    super(options);
  }

  override async initialize(): Promise<this> {
    this.release = lockDataDir(this.dataDir);
    try {
      return await super.initialize();
    } catch (error) {
      this.unlock();
      throw error;
    }
  }

  override async destroy(): Promise<void> {
    try {
      await super.destroy();
    } finally {
      this.unlock();
    }
  }

  private unlock(): void {
    this.release?.();
    this.release = null;
  }
}

/** Opens the database and applies pending migrations; returns the names applied. */
export async function openDatabase(dataSource: DataSource): Promise<string[]> {
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
