/**
 * SQL of connections that TypeORM's repository API does not express well: the default rule, keyset
 * paging, and the version-guarded update (TypeORM's @VersionColumn does not block a stale write).
 */
import type { EntityManager } from 'typeorm';
import { ConnectionEntity } from './connection.entity.js';
import { conflict } from '../errors.js';
import { uniqueViolation } from '../db/unique-violation.js';
import type { ConnectionType } from './connection.model.js';

export interface PageRequest {
  type: ConnectionType | null;
  search: string | null;
  first: number;
  after: { name: string; id: string } | null;
}

const columnsByMetadata = new WeakMap<object, Map<string, string>>();

/** Property name → column name, computed once per data source. */
function columnsByProperty(manager: EntityManager): Map<string, string> {
  const metadata = manager.connection.getMetadata(ConnectionEntity);
  let columns = columnsByMetadata.get(metadata);
  if (!columns) {
    columns = new Map(metadata.columns.map((c) => [c.propertyName, c.databaseName]));
    columnsByMetadata.set(metadata, columns);
  }
  return columns;
}

function likePattern(search: string): string {
  return `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class ConnectionRepository {
  constructor(readonly manager: EntityManager) {}

  findById(id: string): Promise<ConnectionEntity | null> {
    return this.manager.findOneBy(ConnectionEntity, { id });
  }

  /**
   * Reads the row and locks it until the transaction ends, so concurrent writers queue instead of failing:
   * a writer without expectedVersion then applies its change to the fresh row (both succeed).
   */
  findByIdForUpdate(id: string): Promise<ConnectionEntity | null> {
    return this.manager.findOne(ConnectionEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async findByName(type: ConnectionType, name: string): Promise<ConnectionEntity | null> {
    return this.manager
      .createQueryBuilder(ConnectionEntity, 'c')
      .where('c.type = :type AND lower(c.name) = lower(:name)', { type, name })
      .getOne();
  }

  /**
   * API.md's rule in one round trip of three index-bounded lookups: the marked default; else the one named
   * "Default" (any case); else the only connection of that type (two rows read at most); else none.
   */
  async defaultId(type: ConnectionType): Promise<string | null> {
    const rows: Array<{ id: string; rank: number }> = await this.manager.query(
      `(SELECT id, 1 AS rank FROM connection WHERE type = $1 AND is_default LIMIT 1)
       UNION ALL (SELECT id, 2 AS rank FROM connection WHERE type = $1 AND lower(name) = 'default' LIMIT 1)
       UNION ALL (SELECT id, 3 AS rank FROM connection WHERE type = $1 LIMIT 2)`,
      [type],
    );
    const best = (rank: number) => rows.filter((row) => Number(row.rank) === rank);
    const chosen = best(1)[0] ?? best(2)[0] ?? (best(3).length === 1 ? best(3)[0] : undefined);
    return chosen?.id ?? null;
  }

  private filtered(filter: Pick<PageRequest, 'type' | 'search'>) {
    const query = this.manager.createQueryBuilder(ConnectionEntity, 'c');
    if (filter.type) query.andWhere('c.type = :type', { type: filter.type });
    if (filter.search) {
      query.andWhere(
        `(lower(c.name) LIKE :pattern OR lower(coalesce(c.description, '')) LIKE :pattern
          OR lower(c.host) LIKE :pattern OR lower(c.from_address) LIKE :pattern)`,
        { pattern: likePattern(filter.search) },
      );
    }
    return query;
  }

  /** Counts every match: a scan, so it runs only when a client asks for totalCount. */
  count(filter: Pick<PageRequest, 'type' | 'search'>): Promise<number> {
    return this.filtered(filter).getCount();
  }

  async page(request: PageRequest): Promise<{ rows: ConnectionEntity[]; hasNextPage: boolean }> {
    const query = this.filtered(request);
    if (request.after) {
      query.andWhere('(lower(c.name), c.id) > (lower(:afterName), :afterId)', {
        afterName: request.after.name,
        afterId: request.after.id,
      });
    }
    const rows = await query
      .orderBy('lower(c.name)', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .limit(request.first + 1)
      .getMany();
    return { rows: rows.slice(0, request.first), hasNextPage: rows.length > request.first };
  }

  async expiring(until: Date): Promise<ConnectionEntity[]> {
    return (
      this.manager
        .createQueryBuilder(ConnectionEntity, 'c')
        .where(`c.secret_expires_at <= :until`, { until })
        // The token endpoint said so (AADSTS7000222) even though no date was entered.
        .orWhere(`c.secret_expires_at IS NULL AND c.last_test ->> 'errorCode' = 'AADSTS7000222'`)
        .orderBy('c.secret_expires_at', 'ASC', 'NULLS FIRST')
        .addOrderBy('lower(c.name)', 'ASC')
        .getMany()
    );
  }

  async insert(row: Partial<ConnectionEntity>): Promise<ConnectionEntity> {
    await raceAsConflict(this.manager.insert(ConnectionEntity, row));
    return this.manager.findOneByOrFail(ConnectionEntity, { id: row.id as string });
  }

  /**
   * Writes `changes` only if the row is still at `version`, and bumps the version. Returns null when
   * another write got there first (the caller answers CONFLICT).
   */
  async updateIfVersion(
    id: string,
    version: number,
    changes: Partial<ConnectionEntity>,
  ): Promise<ConnectionEntity | null> {
    const columns = columnsByProperty(this.manager);
    const sets: string[] = [];
    const params: unknown[] = [id, version];
    for (const [property, value] of Object.entries(changes)) {
      const column = columns.get(property);
      if (!column || value === undefined) continue;
      params.push(property === 'lastTest' && value !== null ? JSON.stringify(value) : value);
      sets.push(`"${column}" = $${params.length}`);
    }
    sets.push('"version" = "version" + 1', '"updated_at" = now()');
    const result: unknown = await raceAsConflict(
      this.manager.query(
        `UPDATE connection SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING id`,
        params,
      ),
    );
    if (!returnedRow(result)) return null;
    return this.manager.findOneByOrFail(ConnectionEntity, { id });
  }

  /** Records a test outcome; not a settings change, so the version stays. */
  async saveLastTest(id: string, lastTest: ConnectionEntity['lastTest']): Promise<void> {
    await this.manager.query(`UPDATE connection SET last_test = $2 WHERE id = $1`, [id, JSON.stringify(lastTest)]);
  }

  /** Unmarks the previous default of the type (at most one); returns its id for the audit trail. */
  async clearDefault(type: ConnectionType, exceptId: string): Promise<string[]> {
    const result: unknown = await this.manager.query(
      `UPDATE connection SET is_default = false, version = version + 1, updated_at = now()
        WHERE type = $1 AND is_default AND id <> $2 RETURNING id`,
      [type, exceptId],
    );
    return returnedRows(result).map((row) => (row as { id: string }).id);
  }

  async countOfType(type: ConnectionType): Promise<number> {
    return this.manager.countBy(ConnectionEntity, { type });
  }

  async deleteIfVersion(id: string, version: number): Promise<boolean> {
    const result: unknown = await this.manager.query(
      `DELETE FROM connection WHERE id = $1 AND version = $2 RETURNING id`,
      [id, version],
    );
    return returnedRow(result);
  }
}

/**
 * The service checks names and defaults before writing; a concurrent request can still win between the
 * check and the write, and the unique indexes then stop it. That is a CONFLICT, not a server error.
 */
async function raceAsConflict<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const violation = uniqueViolation(error);
    if (!violation) throw error;
    throw conflict(
      violation.constraint === 'UQ_connection_default_per_type'
        ? 'Another connection was marked default at the same moment: reload and try again'
        : 'Another request just saved a connection with this name (names are unique per type, ignoring case): choose another name',
      violation.constraint === 'UQ_connection_type_lower_name'
        ? { fields: [{ path: 'name', message: 'name is already taken' }] }
        : {},
    );
  }
}

/** pg returns [rows, count] for UPDATE/DELETE … RETURNING through TypeORM; PGlite returns rows. */
function returnedRows(result: unknown): unknown[] {
  if (!Array.isArray(result)) return [];
  return Array.isArray(result[0]) ? result[0] : result;
}

function returnedRow(result: unknown): boolean {
  return returnedRows(result).length > 0;
}
