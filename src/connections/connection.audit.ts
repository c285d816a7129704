/** What the audit trail records of a connection change: settings as from/to, secrets only as "changed". */
import { diffSnapshots } from '../audit/audit.service.js';
import type { ConnectionEntity } from './connection.entity.js';

const AUDITED = [
  'name',
  'description',
  'host',
  'port',
  'tls',
  'caCertificate',
  'fromAddress',
  'fromDisplayName',
  'authKind',
  'username',
  'clientId',
  'tokenUrl',
  'scope',
  'clientAuthType',
  'secretSealed',
  'secretExpiresAt',
  'isDefault',
] as const;

/** Shown only as "changed": the secret itself, and the CA PEM, which is bulky rather than secret. */
const OPAQUE = ['secret', 'caCertificate'];

function snapshot(row: ConnectionEntity | null): Record<string, unknown> | null {
  if (!row) return null;
  return Object.fromEntries(
    AUDITED.map((key) => {
      const value = row[key];
      return [key === 'secretSealed' ? 'secret' : key, value instanceof Date ? value.toISOString() : value];
    }),
  );
}

export function connectionChanges(
  before: ConnectionEntity | null,
  after: ConnectionEntity | null,
): Record<string, unknown> {
  return diffSnapshots(snapshot(before), snapshot(after), OPAQUE);
}
