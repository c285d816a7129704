/**
 * API keys: create (the token is returned once), list, revoke, authenticate a token, and create the first
 * admin key at start. Only hashes are stored (api-key-token.ts).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { type DomainError, type FieldError, badInput, conflict, notFound } from '../errors.js';
import { systemContext, type Principal, type RequestContext } from '../request-context.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { toApiKeyView, type ApiKeyView, type CreatedApiKeyView } from './api-key.model.js';
import {
  MIN_CUSTOM_TOKEN_LENGTH,
  generateToken,
  hashToken,
  isCustomTokenAcceptable,
  tokenKeyId,
  tokenMatches,
} from './api-key-token.js';
import { Role } from './role.js';
import type { AuditService } from '../audit/audit.service.js';
import { isUuid } from '../validation/uuid.js';
import { uniqueViolation } from '../db/unique-violation.js';

/** lastUsedAt is written at most this often per key, so authenticated reads stay reads. */
export const LAST_USED_RESOLUTION_MS = 60_000;
/** pg_advisory_xact_lock id serialising the first-start bootstrap across replicas ("postroom-bootstrap"). */
const BOOTSTRAP_LOCK_ID = 7_041_990_213;
export const BOOTSTRAP_KEY_NAME = 'bootstrap';

export type ApiKeyAuthResult = { ok: true; principal: Principal } | { ok: false; message: string };

export type BootstrapResult =
  { created: false } | { created: true; apiKey: ApiKeyView; token: string; source: 'generated' | 'BOOTSTRAP_API_KEY' };

export class BootstrapTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapTokenError';
  }
}

export class ApiKeyService {
  constructor(private readonly deps: { dataSource: DataSource; clock: () => Date; audit: AuditService }) {}

  private get repo() {
    return this.deps.dataSource.getRepository(ApiKeyEntity);
  }

  async list(_ctx: RequestContext): Promise<ApiKeyView[]> {
    const rows = await this.repo.find({ order: { createdAt: 'ASC', name: 'ASC' } });
    return rows.map(toApiKeyView);
  }

  async create(
    ctx: RequestContext,
    args: { name: string; role: Role; expiresAt: Date | null },
  ): Promise<CreatedApiKeyView> {
    const now = this.deps.clock();
    const name = args.name.trim();
    const fields: FieldError[] = [];
    if (name.length < 1 || name.length > 100) {
      fields.push({ path: 'name', message: 'name must be 1 to 100 characters (after trimming spaces)' });
    } else if (/[\u0000-\u001f\u007f]/.test(name)) {
      fields.push({ path: 'name', message: 'name must not contain control characters (line breaks, tabs, NUL)' });
    }
    if (args.expiresAt && args.expiresAt.getTime() <= now.getTime()) {
      fields.push({
        path: 'expiresAt',
        message: 'expiresAt must be in the future (or omitted for a key that does not expire)',
      });
    }
    if (fields.length > 0) throw badInput(fields);
    const existing = await this.repo.createQueryBuilder('k').where('lower(k.name) = lower(:name)', { name }).getOne();
    if (existing) throw nameTaken(existing.name);
    const { keyId, token } = generateToken();
    const row = await this.deps.dataSource.transaction(async (manager) => {
      const inserted = await this.insert(manager, {
        id: keyId,
        name,
        role: args.role,
        tokenHash: hashToken(token),
        createdBy: ctx.actor,
        createdAt: now,
        expiresAt: args.expiresAt,
      });
      await this.deps.audit.record(manager, ctx, {
        action: 'apiKey.create',
        connectionId: null,
        changes: { id: keyId, name, role: args.role, expiresAt: args.expiresAt?.toISOString() ?? null },
      });
      return inserted;
    });
    return { apiKey: toApiKeyView(row), token };
  }

  /** Revoking an already revoked key returns it unchanged (the first revocation time stays). */
  async revoke(ctx: RequestContext, args: { id: string }): Promise<ApiKeyView> {
    const id = args.id.trim();
    if (!isUuid(id)) throw notFound('API key', JSON.stringify(id.slice(0, 40)));
    const row = await this.repo.findOneBy({ id: id.toLowerCase() });
    if (!row) throw notFound('API key', id);
    if (!row.revokedAt) {
      const now = this.deps.clock();
      await this.deps.dataSource.transaction(async (manager) => {
        await manager
          .createQueryBuilder()
          .update(ApiKeyEntity)
          .set({ revokedAt: now })
          .where('id = :id AND revoked_at IS NULL', { id: row.id })
          .execute();
        await this.deps.audit.record(manager, ctx, {
          action: 'apiKey.revoke',
          connectionId: null,
          changes: { id: row.id, name: row.name },
        });
      });
    }
    const updated = await this.repo.findOneByOrFail({ id: row.id });
    return toApiKeyView(updated);
  }

  /** Checks a bearer token that is not a JWT. Never echoes the token in a message. */
  async authenticate(token: string): Promise<ApiKeyAuthResult> {
    const keyId = tokenKeyId(token);
    let row: ApiKeyEntity | null = null;
    if (keyId) row = await this.repo.findOneBy({ id: keyId });
    // A custom BOOTSTRAP_API_KEY has no id inside: found by its hash (which reveals nothing about it).
    else if (isCustomTokenAcceptable(token)) row = await this.repo.findOneBy({ tokenHash: hashToken(token) });
    if (!row || !tokenMatches(token, row.tokenHash)) {
      return {
        ok: false,
        message:
          'The API key is not valid: check that it was copied whole, or ask an admin for a new one (createApiKey, or `npm run apikey -- create`)',
      };
    }
    const now = this.deps.clock();
    if (row.revokedAt) {
      return {
        ok: false,
        message: `API key "${row.name}" was revoked at ${row.revokedAt.toISOString()}: use another key`,
      };
    }
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) {
      return {
        ok: false,
        message: `API key "${row.name}" expired at ${row.expiresAt.toISOString()}: ask an admin for a new one`,
      };
    }
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.repo
        .createQueryBuilder()
        .update(ApiKeyEntity)
        .set({ lastUsedAt: now })
        .where('id = :id AND (last_used_at IS NULL OR last_used_at <= :before)', {
          id: row.id,
          before: new Date(now.getTime() - LAST_USED_RESOLUTION_MS),
        })
        .execute();
    }
    return {
      ok: true,
      principal: { kind: 'apiKey', actor: `apiKey:${row.name}`, role: row.role as Role, keyId: row.id },
    };
  }

  /**
   * At a start with no API keys at all (revoked ones count), creates the admin key "bootstrap": with
   * exactly `token` when given, else a generated one. An advisory lock makes two replicas starting at
   * once create one key between them; the unique name is the backstop.
   */
  async ensureBootstrapKey(args: { token: string | undefined }): Promise<BootstrapResult> {
    let id: string;
    let token: string;
    if (args.token === undefined) {
      ({ keyId: id, token } = generateToken());
    } else {
      token = args.token;
      const inside = tokenKeyId(token);
      if (inside) id = inside;
      else if (isCustomTokenAcceptable(token)) id = randomUUID();
      else {
        throw new BootstrapTokenError(
          `BOOTSTRAP_API_KEY must be a token like pr_<uuid>_<43 base64url characters>, or any string of ${MIN_CUSTOM_TOKEN_LENGTH} to 512 visible ASCII characters without spaces`,
        );
      }
    }
    // Fast path on every later start: keys exist, no lock needed.
    if (await this.anyKeys(this.deps.dataSource.manager)) return { created: false };
    const now = this.deps.clock();
    const created = await this.deps.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
      if (await this.anyKeys(manager)) return null;
      const row = await this.insert(manager, {
        id,
        name: BOOTSTRAP_KEY_NAME,
        role: Role.ADMIN,
        tokenHash: hashToken(token),
        createdBy: 'system:bootstrap',
        createdAt: now,
        expiresAt: null,
      });
      await this.deps.audit.record(manager, systemContext('bootstrap', Role.ADMIN), {
        action: 'apiKey.create',
        connectionId: null,
        changes: { id, name: BOOTSTRAP_KEY_NAME, role: Role.ADMIN, expiresAt: null },
      });
      return row;
    });
    if (!created) return { created: false };
    return {
      created: true,
      apiKey: toApiKeyView(created),
      token,
      source: args.token === undefined ? 'generated' : 'BOOTSTRAP_API_KEY',
    };
  }

  private async anyKeys(manager: EntityManager): Promise<boolean> {
    const [row] = (await manager.query('SELECT EXISTS (SELECT 1 FROM "api_key") AS "any"')) as [{ any: boolean }];
    return row.any;
  }

  private async insert(
    manager: EntityManager,
    values: Omit<ApiKeyEntity, 'lastUsedAt' | 'revokedAt'>,
  ): Promise<ApiKeyEntity> {
    const row = manager.create(ApiKeyEntity, { ...values, lastUsedAt: null, revokedAt: null });
    try {
      await manager.insert(ApiKeyEntity, row);
    } catch (error) {
      if (uniqueViolation(error)) throw nameTaken(values.name);
      throw error;
    }
    return row;
  }
}

function nameTaken(name: string): DomainError {
  return conflict(
    `An API key named "${name}" already exists (names are unique, ignoring case, and stay taken after revocation so audit entries stay unambiguous): choose another name`,
  );
}
