/**
 * `npm run secrets:rekey`: re-seals every secret under the first key of SECRET_KEYS. Run it after putting a
 * new key first (SECRET_KEYS=k2:<new>,k1:<old>); when it reports nothing failed, k1 can be removed.
 */
import 'reflect-metadata';
import { loadConfig } from '../config.js';
import { createDataSource, databaseTarget, openDatabase } from '../db/data-source.js';
import { loadKeyRing } from '../secrets/key-source.js';
import { rekeySecrets } from './secret-rekey.js';
import { AuditService } from '../audit/audit.service.js';
import { systemContext } from '../request-context.js';
import { Role } from '../auth/role.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const keyRing = loadKeyRing({
    secretKeys: config.secretKeys,
    production: config.production,
    dataDir: config.dataDir,
    warn: (message) => console.warn(message),
  });
  const dataSource = createDataSource(databaseTarget(config.databaseUrl, config.dataDir));
  await openDatabase(dataSource);
  console.log(`re-sealing secrets under key "${keyRing.sealingKeyId}"`);
  const report = await rekeySecrets({
    dataSource,
    keyRing,
    progress: (done, remaining) => console.log(`  ${done} processed, ${remaining} to go`),
  });
  await new AuditService({ dataSource, clock: () => new Date() }).recordAlone(systemContext('cli', Role.ADMIN), {
    action: 'secrets.rekey',
    connectionId: null,
    changes: { sealingKeyId: keyRing.sealingKeyId, resealed: report.resealed, failed: report.failed.length },
  });
  await dataSource.destroy();
  console.log(`re-sealed ${report.resealed} secret(s)`);
  if (report.failed.length > 0) {
    console.error(`${report.failed.length} secret(s) could not be opened and were left as they are:`);
    for (const row of report.failed) {
      console.error(`  ${row.id} "${row.name}": sealed under key ${row.keyId ?? '(unreadable)'} (${row.reason})`);
    }
    console.error('Add the missing key to SECRET_KEYS and run again, or re-enter those secrets with rotateSecret.');
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error('rekey failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
