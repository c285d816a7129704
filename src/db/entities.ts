import { ConnectionEntity } from '../connections/connection.entity.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { RateLimitHitEntity } from '../limits/rate-limit-hit.entity.js';
import { ApiKeyEntity } from '../auth/api-key.entity.js';

export const ENTITIES = [ConnectionEntity, AuditEventEntity, RateLimitHitEntity, ApiKeyEntity];
