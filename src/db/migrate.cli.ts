/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
import 'reflect-metadata';
import { loadConfig } from '../config.js';
import { createDataSource, databaseTarget, openDatabase } from './data-source.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = createDataSource(databaseTarget(config.databaseUrl, config.dataDir));
  const applied = await openDatabase(dataSource);
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database schema is up to date');
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  console.error('migration failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
