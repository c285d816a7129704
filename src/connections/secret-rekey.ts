/**
 * Re-seals every stored secret under the key ring's sealing key, in batches. Resumable: only rows not yet
 * sealed under that key are read, so a rerun continues where a stopped one ended. Rows whose key is no
 * longer configured are reported, never skipped silently.
 */
import type { DataSource } from 'typeorm';
import type { KeyRing } from '../secrets/key-ring.js';
import { SecretDecryptError, keyIdOf, open, seal } from '../secrets/envelope.js';
import { asSealed } from '../secrets/secret-types.js';
import { secretFieldOf } from './connection.columns.js';

export interface RekeyReport {
  resealed: number;
  /** Rows that could not be opened: their key is not in SECRET_KEYS, or the envelope is damaged. */
  failed: Array<{ id: string; name: string; keyId: string | null; reason: string }>;
}

interface Row {
  id: string;
  name: string;
  auth_kind: string;
  secret_sealed: string;
}

export async function rekeySecrets(deps: {
  dataSource: DataSource;
  keyRing: KeyRing;
  batchSize?: number;
  progress?: (done: number, remaining: number) => void;
}): Promise<RekeyReport> {
  const { dataSource, keyRing } = deps;
  const batchSize = deps.batchSize ?? 100;
  // starts_with, not LIKE: "_" is allowed in key ids and is a LIKE wildcard ("k_2" would match "kx2").
  const current = `v1:${keyRing.sealingKeyId}:`;
  const report: RekeyReport = { resealed: 0, failed: [] };
  let lastId = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows: Row[] = await dataSource.query(
      `SELECT id, name, auth_kind, secret_sealed FROM connection
        WHERE NOT starts_with(secret_sealed, $1) AND id > $2 ORDER BY id LIMIT $3`,
      [current, lastId, batchSize],
    );
    if (rows.length === 0) break;
    await dataSource.transaction(async (manager) => {
      for (const row of rows) {
        const location = { rowId: row.id, field: secretFieldOf(row.auth_kind) };
        const sealed = asSealed(row.secret_sealed);
        try {
          const resealed = seal(keyRing, open(keyRing, sealed, location), location);
          // Guarded on the old value: a secret rotated meanwhile is already under the new key.
          await manager.query('UPDATE connection SET secret_sealed = $1 WHERE id = $2 AND secret_sealed = $3', [
            resealed,
            row.id,
            row.secret_sealed,
          ]);
          report.resealed += 1;
        } catch (error) {
          if (!(error instanceof SecretDecryptError)) throw error;
          report.failed.push({ id: row.id, name: row.name, keyId: safeKeyId(row.secret_sealed), reason: error.reason });
        }
      }
    });
    lastId = rows[rows.length - 1]!.id;
    const [{ remaining }] = (await dataSource.query(
      'SELECT count(*)::int AS remaining FROM connection WHERE NOT starts_with(secret_sealed, $1) AND id > $2',
      [current, lastId],
    )) as [{ remaining: number }];
    deps.progress?.(report.resealed + report.failed.length, remaining);
  }
  return report;
}

function safeKeyId(sealed: string): string | null {
  try {
    return keyIdOf(asSealed(sealed));
  } catch {
    return null;
  }
}
