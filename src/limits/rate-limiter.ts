/**
 * Sliding-hour limits kept in PostgreSQL, so they hold across replicas. Each scope is serialised with a
 * transaction-level advisory lock while it is counted and charged.
 */
import type { DataSource } from 'typeorm';
import { DomainError, ErrorCode } from '../errors.js';

export interface RateLimit {
  /** e.g. "caller:apiKey:<key id>" or "connection:<id>". */
  scope: string;
  /** Allowed per window; 0 allows none. */
  limit: number;
  /** Names the limit in the error, e.g. "test emails per API key per hour (TEST_EMAIL_RATE_PER_KEY)". */
  label: string;
}

export class RateLimiter {
  constructor(private readonly deps: { dataSource: DataSource; clock: () => Date; windowMs?: number }) {}

  private get windowMs(): number {
    return this.deps.windowMs ?? 3_600_000;
  }

  /** Charges one hit to every scope when all are under their limit; otherwise RATE_LIMITED, nothing charged. */
  async charge(limits: RateLimit[]): Promise<void> {
    const now = this.deps.clock();
    const windowStart = new Date(now.getTime() - this.windowMs);
    const sorted = [...limits].sort((a, b) => a.scope.localeCompare(b.scope));
    await this.deps.dataSource.transaction(async (manager) => {
      for (const limit of sorted) {
        await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [limit.scope]);
        await manager.query('DELETE FROM rate_limit_hit WHERE scope = $1 AND at <= $2', [limit.scope, windowStart]);
        const [usage] = (await manager.query(
          'SELECT count(*)::int AS used, min(at) AS oldest FROM rate_limit_hit WHERE scope = $1 AND at > $2',
          [limit.scope, windowStart],
        )) as Array<{ used: number; oldest: Date | string | null }>;
        const used = usage?.used ?? 0;
        if (used >= limit.limit) {
          const oldest = usage?.oldest ? new Date(usage.oldest).getTime() : now.getTime();
          const retryAfterSeconds = Math.max(1, Math.ceil((oldest + this.windowMs - now.getTime()) / 1000));
          throw new DomainError(
            ErrorCode.RATE_LIMITED,
            `Too many test emails: the limit is ${limit.limit} ${limit.label}. Try again in ${retryAfterSeconds} s.`,
            { retryAfterSeconds, limit: limit.limit },
          );
        }
      }
      for (const limit of sorted) {
        await manager.query('INSERT INTO rate_limit_hit (scope, at) VALUES ($1, $2)', [limit.scope, now]);
      }
    });
  }
}
