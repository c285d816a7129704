/**
 * `npm run apikey -- <command>`: manage API keys from a shell with database access (also the way back in
 * when every admin key is lost). Opens the database like main does.
 *
 *   create --name ops --role admin [--expires-at 2026-12-31T00:00:00Z]
 *   list
 *   revoke --id <id>          (or: revoke --name <name>)
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { createDataSource, databaseTarget, openDatabase } from '../db/data-source.js';
import { DomainError } from '../errors.js';
import { systemContext } from '../request-context.js';
import { AuditService } from '../audit/audit.service.js';
import { ApiKeyService } from './api-key.service.js';
import type { ApiKeyView } from './api-key.model.js';
import { Role, parseRole } from './role.js';

const USAGE = `Usage:
  npm run apikey -- create --name <name> --role admin|operator|viewer [--expires-at <ISO date>]
  npm run apikey -- list
  npm run apikey -- revoke --id <id> | --name <name>`;

class UsageError extends Error {}

function describe(key: ApiKeyView, now: Date): string {
  const state = key.revokedAt
    ? `revoked ${key.revokedAt.toISOString()}`
    : key.expiresAt && key.expiresAt <= now
      ? `expired ${key.expiresAt.toISOString()}`
      : 'active';
  return [
    key.id,
    key.name,
    key.role,
    state,
    `created ${key.createdAt.toISOString()}`,
    `last used ${key.lastUsedAt?.toISOString() ?? 'never'}`,
    `expires ${key.expiresAt?.toISOString() ?? 'never'}`,
  ].join('  ');
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      'expires-at': { type: 'string' },
      id: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (!command || !['create', 'list', 'revoke'].includes(command) || positionals.length > 1)
    throw new UsageError(USAGE);

  const config = loadConfig();
  const dataSource = createDataSource(databaseTarget(config.databaseUrl, config.dataDir));
  await openDatabase(dataSource);
  const clock = () => new Date();
  const apiKeys = new ApiKeyService({ dataSource, clock, audit: new AuditService({ dataSource, clock }) });
  const ctx = systemContext('cli', Role.ADMIN);
  try {
    switch (command) {
      case 'create': {
        const role = parseRole(values.role);
        if (!values.name || !role)
          throw new UsageError(`create needs --name and --role admin|operator|viewer\n${USAGE}`);
        let expiresAt: Date | null = null;
        if (values['expires-at']) {
          expiresAt = new Date(values['expires-at']);
          if (Number.isNaN(expiresAt.getTime()))
            throw new UsageError('--expires-at must be an ISO date, e.g. 2026-12-31T00:00:00Z');
        }
        const created = await apiKeys.create(ctx, { name: values.name, role, expiresAt });
        process.stdout.write(
          `Created API key "${created.apiKey.name}" (${created.apiKey.role}, id ${created.apiKey.id}).\n` +
            `Token (shown only now; send as "Authorization: Bearer <token>"):\n${created.token}\n`,
        );
        break;
      }
      case 'list': {
        const now = new Date();
        const keys = await apiKeys.list(ctx);
        process.stdout.write(keys.length ? `${keys.map((k) => describe(k, now)).join('\n')}\n` : 'No API keys.\n');
        break;
      }
      case 'revoke': {
        let id = values.id;
        if (!id && values.name) {
          const wanted = values.name.toLowerCase();
          id = (await apiKeys.list(ctx)).find((k) => k.name.toLowerCase() === wanted)?.id;
          if (!id) throw new UsageError(`No API key is named "${values.name}"; see \`npm run apikey -- list\``);
        }
        if (!id) throw new UsageError(`revoke needs --id <id> or --name <name>\n${USAGE}`);
        const revoked = await apiKeys.revoke(ctx, { id });
        process.stdout.write(
          `Revoked API key "${revoked.name}" (id ${revoked.id}) at ${revoked.revokedAt?.toISOString()}.\n`,
        );
        break;
      }
    }
  } finally {
    await dataSource.destroy();
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof DomainError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  // parseArgs rejects unknown options with a TypeError whose message names the option.
  if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`apikey failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
