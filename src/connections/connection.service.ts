/**
 * Connections: create, read, update, rotate, default rules, delete. Every write runs in one transaction
 * and is guarded by the row version. Secrets are sealed here and never read back on queries.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { badInput, conflict, notFound } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { KeyRing } from '../secrets/key-ring.js';
import { open, seal } from '../secrets/envelope.js';
import { asPlaintext, asSealed, type PlaintextSecret } from '../secrets/secret-types.js';
import { secretHint } from '../secrets/secret-hint.js';
import type { ConnectionEntity } from './connection.entity.js';
import { ConnectionRepository } from './connection.repository.js';
import { toConnectionView } from './connection.mapper.js';
import { type ConnectionType, type ConnectionView, type NewConnection } from './connection.model.js';
import { authColumns, secretFieldOf, secretOf, type SecretField } from './connection.columns.js';
import { checkNewConnection, type CheckOptions } from './connection.checks.js';
import { planUpdate, type UpdateRequest } from './connection-update.plan.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { isUuid } from '../validation/uuid.js';
import { connectionChanges } from './connection.audit.js';
import type { AuditService } from '../audit/audit.service.js';

export interface ConnectionPage {
  nodes: ConnectionView[];
  /** Counted only when asked for (ConnectionList.totalCount). */
  countAll: () => Promise<number>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const MAX_PAGE = 200;

export class ConnectionService {
  constructor(
    private readonly deps: {
      dataSource: DataSource;
      keyRing: KeyRing;
      checks: CheckOptions;
      clock: () => Date;
      audit: AuditService;
      /** Told when a secret or its destination changes, so cached tokens and clients are dropped. */
      onSecretReplaced: (previous: ConnectionEntity) => void;
    },
  ) {}

  private repo(manager: EntityManager = this.deps.dataSource.manager): ConnectionRepository {
    return new ConnectionRepository(manager);
  }

  private async view(repo: ConnectionRepository, row: ConnectionEntity): Promise<ConnectionView> {
    return toConnectionView(row, await repo.defaultId(row.type as ConnectionType));
  }

  async get(_ctx: RequestContext, args: { id: string }): Promise<ConnectionView | null> {
    if (!isUuid(args.id)) return null;
    const repo = this.repo();
    const row = await repo.findById(args.id);
    return row ? this.view(repo, row) : null;
  }

  async getByName(_ctx: RequestContext, args: { type: ConnectionType; name: string }): Promise<ConnectionView | null> {
    const repo = this.repo();
    const row = await repo.findByName(args.type, args.name.trim());
    return row ? this.view(repo, row) : null;
  }

  async getDefault(_ctx: RequestContext, args: { type: ConnectionType }): Promise<ConnectionView | null> {
    const repo = this.repo();
    const id = await repo.defaultId(args.type);
    const row = id ? await repo.findById(id) : null;
    return row ? toConnectionView(row, id) : null;
  }

  async list(
    _ctx: RequestContext,
    args: { type: ConnectionType | null; search: string | null; first: number; after: string | null },
  ): Promise<ConnectionPage> {
    if (!Number.isInteger(args.first) || args.first < 0 || args.first > MAX_PAGE) {
      throw badInput([{ path: 'first', message: `first must be from 0 to ${MAX_PAGE}` }]);
    }
    const after = args.after === null ? null : decodeCursor(args.after);
    if (after === undefined) {
      throw badInput([{ path: 'after', message: 'after must be a pageInfo.endCursor from a previous page' }]);
    }
    const repo = this.repo();
    const search = args.search?.trim() || null;
    const filter = { type: args.type, search };
    const page = await repo.page({ ...filter, first: args.first, after });
    const defaults = await this.defaultIds(repo, page.rows);
    const last = page.rows.at(-1);
    return {
      nodes: page.rows.map((row) => toConnectionView(row, defaults.get(row.type) ?? null)),
      countAll: () => this.repo().count(filter),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last) : null },
    };
  }

  async expiring(_ctx: RequestContext, args: { withinDays: number }): Promise<ConnectionView[]> {
    if (!Number.isInteger(args.withinDays) || args.withinDays < 0 || args.withinDays > 3650) {
      throw badInput([{ path: 'withinDays', message: 'withinDays must be a whole number of days from 0 to 3650' }]);
    }
    const repo = this.repo();
    const until = new Date(this.deps.clock().getTime() + args.withinDays * 86_400_000);
    const rows = await repo.expiring(until);
    const defaults = await this.defaultIds(repo, rows);
    return rows.map((row) => toConnectionView(row, defaults.get(row.type) ?? null));
  }

  private async defaultIds(repo: ConnectionRepository, rows: ConnectionEntity[]): Promise<Map<string, string | null>> {
    const types = [...new Set(rows.map((r) => r.type))];
    const ids = await Promise.all(types.map((t) => repo.defaultId(t as ConnectionType)));
    return new Map(types.map((t, i) => [t, ids[i] ?? null]));
  }

  /** Validates a new connection without writing; shared by create, dry-run imports and tests of settings. */
  validateNew(input: NewConnection): ReturnType<typeof checkNewConnection> {
    return checkNewConnection(input, this.deps.checks);
  }

  async create(ctx: RequestContext, args: { input: NewConnection }): Promise<ConnectionView> {
    return this.deps.dataSource.transaction((manager) => this.createIn(manager, ctx, args.input));
  }

  /** Creates inside a caller's transaction (importConnections uses one for the whole batch). */
  async createIn(
    manager: EntityManager,
    ctx: RequestContext,
    input: NewConnection,
    action = 'connection.create',
  ): Promise<ConnectionView> {
    const checked = this.validateNew(input);
    if (!checked.ok) throw badInput(checked.errors);
    const repo = this.repo(manager);
    await this.assertNameFree(repo, input.type, input.name, null);
    const id = randomUUID();
    const now = this.deps.clock();
    if (input.isDefault) await this.clearDefault(manager, ctx, input.type, id);
    const row = await repo.insert({
      id,
      type: input.type,
      name: input.name,
      description: input.description,
      host: checked.value.address.host,
      port: checked.value.address.port,
      tls: checked.value.tls,
      caCertificate: input.caCertificate,
      fromAddress: input.fromAddress,
      fromDisplayName: input.fromDisplayName,
      isDefault: input.isDefault,
      ...authColumns(input.auth),
      ...this.sealColumns(id, secretFieldOf(input.auth.kind), secretOf(input.auth), now),
      secretExpiresAt: input.auth.kind === 'oauth2ClientCredentials' ? input.auth.secretExpiresAt : null,
    });
    await this.deps.audit.record(manager, ctx, { action, connectionId: id, changes: connectionChanges(null, row) });
    return this.view(repo, row);
  }

  async update(ctx: RequestContext, args: { id: string; input: UpdateRequest }): Promise<ConnectionView> {
    const { row: previous, view } = await this.withRow(ctx, 'connection.update', args.id, async (repo, row) => {
      assertVersion(row, args.input.expectedVersion);
      const plan = planUpdate(row, args.input, this.deps.checks);
      if (!plan.ok) throw badInput(plan.errors);
      const changes: Partial<ConnectionEntity> = { ...plan.changes };
      if (plan.newSecret !== null) {
        Object.assign(
          changes,
          this.sealColumns(row.id, secretFieldOf(plan.authKind), plan.newSecret, this.deps.clock()),
        );
      }
      if (changes.name !== undefined) await this.assertNameFree(repo, row.type as ConnectionType, changes.name, row.id);
      if (Object.keys(changes).length === 0) return { view: await this.view(repo, row), after: null };
      const after = await this.writeGuarded(repo, row, changes);
      return { view: await this.view(repo, after), after };
    });
    if (args.input.secret || args.input.auth || args.input.tokenUrl || args.input.clientId || args.input.scope) {
      this.deps.onSecretReplaced(previous);
    }
    return view;
  }

  async rotateSecret(
    ctx: RequestContext,
    args: { id: string; secret: PlaintextSecret; expiresAt: Date | null; expectedVersion: number | null },
  ): Promise<{ previous: ConnectionEntity; view: ConnectionView }> {
    return this.withRow(ctx, 'connection.rotateSecret', args.id, async (repo, row) => {
      assertVersion(row, args.expectedVersion);
      const changes = {
        ...this.sealColumns(row.id, secretFieldOf(row.authKind), args.secret, this.deps.clock()),
        secretExpiresAt: args.expiresAt,
      };
      const after = await this.writeGuarded(repo, row, changes);
      return { view: await this.view(repo, after), after };
    }).then((result) => {
      this.deps.onSecretReplaced(result.row);
      return { previous: result.row, view: result.view };
    });
  }

  async setDefault(ctx: RequestContext, args: { id: string }): Promise<ConnectionView> {
    const { view } = await this.withRow(ctx, 'connection.setDefault', args.id, async (repo, row) => {
      await this.clearDefault(repo.manager, ctx, row.type as ConnectionType, row.id);
      if (row.isDefault) return { view: await this.view(repo, row), after: null };
      const after = await this.writeGuarded(repo, row, { isDefault: true });
      return { view: await this.view(repo, after), after };
    });
    return view;
  }

  async delete(ctx: RequestContext, args: { id: string; expectedVersion: number | null }): Promise<string> {
    const { row } = await this.withRow(ctx, 'connection.delete', args.id, async (repo, row) => {
      assertVersion(row, args.expectedVersion);
      if (row.isDefault && (await repo.countOfType(row.type as ConnectionType)) > 1) {
        throw conflict(
          `"${row.name}" is the default ${row.type} connection: mark another one default first (setDefaultConnection), then delete this one`,
          { currentVersion: row.version },
        );
      }
      if (!(await repo.deleteIfVersion(row.id, row.version))) throw await staleWrite(repo, row.id);
      return { view: null, after: null, deleted: true };
    });
    this.deps.onSecretReplaced(row);
    return row.id;
  }

  /** Unmarks the previous default and records that change to it too, in the caller's transaction. */
  private async clearDefault(
    manager: EntityManager,
    ctx: RequestContext,
    type: ConnectionType,
    newDefaultId: string,
  ): Promise<void> {
    for (const previousId of await this.repo(manager).clearDefault(type, newDefaultId)) {
      await this.deps.audit.record(manager, ctx, {
        action: 'connection.setDefault',
        connectionId: previousId,
        changes: { isDefault: { from: true, to: false } },
      });
    }
  }

  /** The stored secret in plaintext: only for sending, never for reads. */
  openSecret(row: ConnectionEntity): PlaintextSecret {
    return open(this.deps.keyRing, asSealed(row.secretSealed), { rowId: row.id, field: secretFieldOf(row.authKind) });
  }

  /** Identifies the stored secret for token caches without revealing it. */
  secretVersion(row: ConnectionEntity): string {
    return createHash('sha256').update(row.secretSealed).digest('base64url').slice(0, 22);
  }

  async findRow(id: string): Promise<ConnectionEntity> {
    const row = isUuid(id) ? await this.repo().findById(id) : null;
    if (!row) throw notFound('Connection', id);
    return row;
  }

  /** Saves a test outcome as lastTest and audits it, in one transaction. */
  async recordTest(
    ctx: RequestContext,
    id: string,
    lastTest: NonNullable<ConnectionEntity['lastTest']>,
    request: { to: string; dryRun: boolean },
  ): Promise<void> {
    await this.deps.dataSource.transaction(async (manager) => {
      await this.repo(manager).saveLastTest(id, lastTest);
      await this.deps.audit.record(manager, ctx, {
        action: 'connection.sendTestEmail',
        connectionId: id,
        changes: { ...request, ok: lastTest.ok, stage: lastTest.stage, errorCode: lastTest.errorCode },
      });
    });
  }

  private sealColumns(rowId: string, field: SecretField, secret: string, now: Date): Partial<ConnectionEntity> {
    const plaintext = asPlaintext(secret);
    return {
      secretSealed: seal(this.deps.keyRing, plaintext, { rowId, field }),
      secretHint: secretHint(plaintext),
      secretUpdatedAt: now,
    };
  }

  /**
   * Runs a change on one locked row and records it in the audit trail in the same transaction.
   * `work` returns the row after the change (null when nothing changed), or `deleted`.
   */
  private async withRow<T>(
    ctx: RequestContext,
    action: string,
    id: string,
    work: (
      repo: ConnectionRepository,
      row: ConnectionEntity,
    ) => Promise<{ view: T; after: ConnectionEntity | null; deleted?: boolean }>,
  ): Promise<{ row: ConnectionEntity; view: T }> {
    return this.deps.dataSource.transaction(async (manager) => {
      const repo = this.repo(manager);
      const row = isUuid(id) ? await repo.findByIdForUpdate(id) : null;
      if (!row) throw notFound('Connection', id);
      const result = await work(repo, row);
      if (result.after || result.deleted) {
        const changes = connectionChanges(row, result.deleted ? null : result.after);
        await this.deps.audit.record(manager, ctx, { action, connectionId: row.id, changes });
      }
      return { row, view: result.view };
    });
  }

  private async writeGuarded(
    repo: ConnectionRepository,
    row: ConnectionEntity,
    changes: Partial<ConnectionEntity>,
  ): Promise<ConnectionEntity> {
    const updated = await repo.updateIfVersion(row.id, row.version, changes);
    if (!updated) throw await staleWrite(repo, row.id);
    return updated;
  }

  private async assertNameFree(
    repo: ConnectionRepository,
    type: ConnectionType,
    name: string,
    selfId: string | null,
  ): Promise<void> {
    const existing = await repo.findByName(type, name);
    if (existing && existing.id !== selfId) {
      throw conflict(
        `A ${type} connection named "${existing.name}" already exists (id ${existing.id}); names are unique per type, ignoring case: choose another name`,
        {
          fields: [{ path: 'name', message: `name "${name}" is taken by "${existing.name}"` }],
          existingId: existing.id,
        },
      );
    }
  }
}

export function assertVersion(row: ConnectionEntity, expected: number | null | undefined): void {
  if (expected !== null && expected !== undefined && expected !== row.version) {
    throw conflict(
      `Connection "${row.name}" is at version ${row.version}, not ${expected}: someone changed it; reload it and apply your change again`,
      { currentVersion: row.version },
    );
  }
}

async function staleWrite(repo: ConnectionRepository, id: string): Promise<Error> {
  const current = await repo.findById(id);
  if (!current) return notFound('Connection', id);
  return conflict(
    `Connection "${current.name}" was changed by another request (now version ${current.version}): reload it and apply your change again`,
    { currentVersion: current.version },
  );
}
