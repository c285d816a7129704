/**
 * The audit trail: who changed what, written in the same transaction as the change. Secrets appear
 * only as "changed"; reads page newest first with opaque cursors.
 */
import type { EntityManager, DataSource } from 'typeorm';
import { badInput } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { isUuid } from '../validation/uuid.js';

export interface AuditEventView {
  id: string;
  at: Date;
  actor: string;
  action: string;
  connectionId: string | null;
  changes: Record<string, unknown> | null;
}

export interface AuditFilter {
  action?: string | null;
  actor?: string | null;
  connectionId?: string | null;
  since?: Date | null;
}

const MAX_PAGE = 200;

export class AuditService {
  constructor(private readonly deps: { dataSource: DataSource; clock: () => Date }) {}

  /** Records one event inside the caller's transaction. */
  async record(
    manager: EntityManager,
    ctx: RequestContext,
    event: { action: string; connectionId: string | null; changes: Record<string, unknown> | null },
  ): Promise<void> {
    await manager.query(
      'INSERT INTO audit_event (at, actor, action, connection_id, changes) VALUES ($1, $2, $3, $4, $5)',
      [
        this.deps.clock(),
        ctx.actor.slice(0, 200),
        event.action,
        event.connectionId,
        event.changes === null ? null : JSON.stringify(event.changes),
      ],
    );
  }

  /** Records an event that accompanies no stored change (e.g. a test of unsaved settings). */
  async recordAlone(
    ctx: RequestContext,
    event: { action: string; connectionId: string | null; changes: Record<string, unknown> | null },
  ): Promise<void> {
    await this.record(this.deps.dataSource.manager, ctx, event);
  }

  async list(
    _ctx: RequestContext,
    args: { first: number; after: string | null; filter: AuditFilter },
  ): Promise<AuditEventView[]> {
    if (!Number.isInteger(args.first) || args.first < 0 || args.first > MAX_PAGE) {
      throw badInput([{ path: 'first', message: `first must be from 0 to ${MAX_PAGE}` }]);
    }
    const after = args.after === null ? null : await this.position(args.after);
    if (args.after !== null && after === null) {
      throw badInput([{ path: 'after', message: 'after must be the id of an event from a previous page' }]);
    }
    const { action, actor, connectionId, since } = args.filter;
    // Ids are uuids: any other id has no events (and must not reach a uuid comparison in SQL).
    if (connectionId && !isUuid(connectionId)) return [];
    const query = this.deps.dataSource.manager.createQueryBuilder(AuditEventEntity, 'e');
    if (action) query.andWhere('e.action = :action', { action });
    if (actor) query.andWhere('e.actor = :actor', { actor });
    if (connectionId) query.andWhere('e.connection_id = :connectionId', { connectionId });
    if (since) query.andWhere('e.at >= :since', { since });
    if (after) query.andWhere('(e.at, e.id) < (:afterAt, :afterId)', { afterAt: after.at, afterId: after.id });
    const rows = await query.orderBy('e.at', 'DESC').addOrderBy('e.id', 'DESC').limit(args.first).getMany();
    return rows.map((row) => ({ ...row }));
  }

  /** Pages continue after an event id (the list type has no cursors of its own). */
  private async position(eventId: string): Promise<{ at: Date; id: string } | null> {
    if (!isUuid(eventId)) return null;
    const row = await this.deps.dataSource.manager.findOneBy(AuditEventEntity, { id: eventId });
    return row ? { at: row.at, id: row.id } : null;
  }
}

/** Field-by-field diff of two snapshots; keys listed in `secretKeys` are reported only as "changed". */
export function diffSnapshots(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  secretKeys: readonly string[],
): Record<string, unknown> {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: Record<string, unknown> = {};
  for (const key of keys) {
    const from = before?.[key] ?? null;
    const to = after?.[key] ?? null;
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    changes[key] = secretKeys.includes(key) ? 'changed' : { from, to };
  }
  return changes;
}
