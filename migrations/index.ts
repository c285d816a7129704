import { InitialSchema1764777600000 } from './1764777600000-initial-schema.js';
import { AuditAndRateLimits1764777800000 } from './1764777800000-audit-and-rate-limits.js';
import { ApiKeys1764864000000 } from './1764864000000-api-keys.js';
import { ConnectionNameOrder1764950400000 } from './1764950400000-connection-name-order.js';

/** Every migration, oldest first. A new migration file is added here too. */
export const MIGRATIONS = [
  InitialSchema1764777600000,
  AuditAndRateLimits1764777800000,
  ApiKeys1764864000000,
  ConnectionNameOrder1764950400000,
];
