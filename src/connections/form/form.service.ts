/**
 * Import and export of the documented admin form. An import keeps every rule createConnection keeps
 * (class-validator rules of CreateConnectionInput, the service checks, name uniqueness, the default
 * rule) and reports each error where the admin typed the value: `configuration.TokenUrl`, and
 * `forms[17].configuration.TokenUrl` in a batch. A batch is one transaction: all or nothing.
 * A dry run does the real inserts in a transaction that is rolled back, so it runs exactly the same rules.
 */
import { validate } from 'class-validator';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode, badInput, conflict, notFound, prefixFields, type FieldError } from '../../errors.js';
import { validationFields } from '../../format-error.js';
import type { RequestContext } from '../../request-context.js';
import {
  AuthMethodInput,
  BasicAuthInput,
  CreateConnectionInput,
  OAuth2ClientCredentialsInput,
} from '../connection.inputs.js';
import type { ConnectionType, ConnectionView, NewConnection } from '../connection.model.js';
import { ConnectionRepository } from '../connection.repository.js';
import type { ConnectionService } from '../connection.service.js';
import type { ConnectionFormFields, ExportedConnectionForm } from './connection-form.js';
import { connectionToForm } from './connection-to-form.js';
import { toFormPath } from './form-paths.js';
import { formToNewConnection } from './form-to-connection.js';
import { ConnectionFormInput } from './form.types.js';

const EXPORT_PAGE = 200;
const MAX_BATCH = 500;
const VALIDATOR_OPTIONS = { forbidUnknownValues: false, validationError: { target: false, value: false } };

export class ConnectionFormService {
  constructor(
    private readonly deps: {
      dataSource: DataSource;
      connections: ConnectionService;
    },
  ) {}

  async exportOne(ctx: RequestContext, args: { id: string }): Promise<ExportedConnectionForm> {
    const view = await this.deps.connections.get(ctx, { id: args.id });
    if (!view) throw notFound('Connection', args.id);
    return connectionToForm(view);
  }

  async exportMany(
    ctx: RequestContext,
    args: { type: ConnectionType | null; search: string | null },
  ): Promise<ExportedConnectionForm[]> {
    const forms: ExportedConnectionForm[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await this.deps.connections.list(ctx, {
        type: args.type,
        search: args.search,
        first: EXPORT_PAGE,
        after,
      });
      forms.push(...page.nodes.map(connectionToForm));
      if (!page.pageInfo.hasNextPage) return forms;
      after = page.pageInfo.endCursor;
    }
  }

  async importOne(ctx: RequestContext, args: { form: ConnectionFormFields; dryRun: boolean }): Promise<ConnectionView> {
    const [view] = await this.importForms(ctx, { forms: [args.form], dryRun: args.dryRun, prefix: () => null });
    if (!view) throw new Error('importOne: no connection came back from a one-form import');
    return view;
  }

  async importMany(
    ctx: RequestContext,
    args: { forms: ConnectionFormFields[]; dryRun: boolean },
  ): Promise<ConnectionView[]> {
    if (args.forms.length > MAX_BATCH) {
      throw badInput([{ path: 'forms', message: `forms: import at most ${MAX_BATCH} forms at once; split the list` }]);
    }
    return this.importForms(ctx, { forms: args.forms, dryRun: args.dryRun, prefix: (i) => `forms[${i}]` });
  }

  private async importForms(
    ctx: RequestContext,
    args: { forms: ConnectionFormFields[]; dryRun: boolean; prefix: (index: number) => string | null },
  ): Promise<ConnectionView[]> {
    const at = (i: number, fields: FieldError[]): FieldError[] => {
      const prefix = args.prefix(i);
      return prefix === null ? fields : prefixFields(prefix, fields);
    };

    // Every form is checked before the database is touched, so all bad forms are reported at once.
    const prepared = await Promise.all(args.forms.map((form) => this.prepare(form)));
    const errors = prepared.flatMap((p, i) => (p.ok ? [] : at(i, p.errors)));
    if (errors.length > 0) throw badInput(errors);
    const connections = prepared.map((p) => (p.ok ? p.value : null)).filter((c): c is NewConnection => c !== null);
    assertNoDuplicateNames(connections, args.prefix);

    const work = async (manager: EntityManager): Promise<ConnectionView[]> => {
      const views: ConnectionView[] = [];
      for (const [i, connection] of connections.entries()) {
        try {
          views.push(await this.deps.connections.createIn(manager, ctx, connection, 'connection.import'));
        } catch (error) {
          throw relocate(error, args.prefix(i));
        }
      }
      return withCurrentDefaults(new ConnectionRepository(manager), views);
    };
    return args.dryRun ? this.rolledBack(work) : this.deps.dataSource.transaction(work);
  }

  /** Runs `work` in a transaction that is always rolled back; its result is what a commit would have stored. */
  private async rolledBack<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.deps.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      try {
        return await work(runner.manager);
      } finally {
        await runner.rollbackTransaction();
      }
    } finally {
      await runner.release();
    }
  }

  /** The form as a NewConnection, or every error on it (form-relative paths). */
  private async prepare(
    form: ConnectionFormFields,
  ): Promise<{ ok: true; value: NewConnection } | { ok: false; errors: FieldError[] }> {
    const own = validationFields(await validate(Object.assign(new ConnectionFormInput(), form), VALIDATOR_OPTIONS));
    const mapped = formToNewConnection(form);
    if (!mapped.ok) return { ok: false, errors: unique([...own, ...mapped.errors]) };
    // The rules createConnection applies to its argument, then the service checks, both moved onto the form.
    const input = validationFields(await validate(asCreateInput(mapped.value), VALIDATOR_OPTIONS));
    const checked = this.deps.connections.validateNew(mapped.value);
    const service = [...input, ...(checked.ok ? [] : checked.errors)].map(toFormError);
    const errors = unique([...own, ...service]);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, value: mapped.value };
  }
}

/** A CreateConnectionInput holding the same values, so its class-validator rules run on imports too. */
function asCreateInput(connection: NewConnection): CreateConnectionInput {
  const auth = new AuthMethodInput();
  switch (connection.auth.kind) {
    case 'basic':
      auth.basic = Object.assign(new BasicAuthInput(), {
        username: connection.auth.username,
        password: connection.auth.password,
      });
      break;
    case 'oauth2ClientCredentials': {
      const { kind: _kind, ...settings } = connection.auth;
      auth.oauth2ClientCredentials = Object.assign(new OAuth2ClientCredentialsInput(), settings);
      break;
    }
    default: {
      const never: never = connection.auth;
      throw new Error(`unknown auth kind ${JSON.stringify(never)}`);
    }
  }
  return Object.assign(new CreateConnectionInput(), { ...connection, auth });
}

/**
 * Moves an input-relative error onto the form: the path (`auth.oauth2ClientCredentials.tokenUrl` →
 * `configuration.TokenUrl`) and the field name that starts its message ("tokenUrl: …" → "TokenUrl: …").
 */
function toFormError(error: FieldError): FieldError {
  const path = toFormPath(error.path);
  const inputLeaf = error.path.split('.').at(-1) ?? '';
  const formLeaf = path.split('.').at(-1) ?? '';
  const message =
    inputLeaf !== '' && inputLeaf !== formLeaf && new RegExp(`^${inputLeaf}\\b`).test(error.message)
      ? `${formLeaf}${error.message.slice(inputLeaf.length)}`
      : error.message;
  return { path, message };
}

function unique(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\n${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Errors from createIn carry input-relative paths; place them on the form (and its index in a batch). */
function relocate(error: unknown, prefix: string | null): unknown {
  if (!(error instanceof DomainError)) return error;
  const fields = Array.isArray(error.extensions.fields) ? (error.extensions.fields as FieldError[]) : null;
  if (!fields) return error;
  const moved = fields.map(toFormError);
  const placed = prefix === null ? moved : prefixFields(prefix, moved);
  switch (error.code) {
    case ErrorCode.BAD_USER_INPUT:
      return badInput(placed, { ...error.extensions, fields: placed });
    case ErrorCode.CONFLICT:
      return conflict(prefix === null ? error.message : `${prefix}: ${error.message}`, {
        ...error.extensions,
        fields: placed,
      });
    default:
      return error;
  }
}

/** Two forms of one type whose names differ only in case would clash with each other: CONFLICT on the later one. */
function assertNoDuplicateNames(connections: NewConnection[], prefix: (index: number) => string | null): void {
  const first = new Map<string, number>();
  for (const [i, c] of connections.entries()) {
    const key = `${c.type}\n${c.name.toLowerCase()}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, i);
      continue;
    }
    const here = prefix(i) ?? '';
    const there = prefix(earlier) ?? '';
    const path = here ? `${here}.name` : 'name';
    throw conflict(
      `${here}: the name "${c.name}" is also used by ${there} ("${connections[earlier]?.name}"); names are unique per type, ignoring case: rename one of them`,
      { fields: [{ path, message: `name "${c.name}" clashes with ${there}.name "${connections[earlier]?.name}"` }] },
    );
  }
}

/** A later form of the batch may change which connection is the default (a form named "Default"). */
async function withCurrentDefaults(repo: ConnectionRepository, views: ConnectionView[]): Promise<ConnectionView[]> {
  const defaults = new Map<ConnectionType, string | null>();
  // One query at a time: the transaction holds a single connection.
  for (const type of new Set(views.map((v) => v.type))) defaults.set(type, await repo.defaultId(type));
  return views.map((v) => ({ ...v, isDefault: v.id === defaults.get(v.type) }));
}
