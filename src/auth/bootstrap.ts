/**
 * First start: with no API keys at all, create the admin key "bootstrap" so `npm start` stays a
 * one-command first run. A generated token is printed once, straight to stdout (never through the
 * logger, whose lines are shipped and kept); later starts find a key and print nothing.
 */
import type { Logger } from '../logger.js';
import type { ApiKeyService } from './api-key.service.js';

export function bootstrapBanner(token: string): string {
  const rule = '='.repeat(78);
  return [
    '',
    rule,
    '  Postroom created the first admin API key ("bootstrap"). It is shown ONLY NOW:',
    '',
    `    ${token}`,
    '',
    '  Send it as:  Authorization: Bearer <the key above>',
    '  Store it in a password manager, then create named keys (createApiKey, or',
    '  `npm run apikey -- create --name ops --role admin`) and revoke this one.',
    rule,
    '',
  ].join('\n');
}

export async function bootstrapApiKeys(deps: {
  apiKeys: ApiKeyService;
  /** BOOTSTRAP_API_KEY, when set. */
  configuredToken: string | undefined;
  logger: Logger;
  /** Where a generated token is shown; stdout by default. */
  announce?: (text: string) => void;
}): Promise<void> {
  const result = await deps.apiKeys.ensureBootstrapKey({ token: deps.configuredToken });
  if (!result.created) return;
  deps.logger.info(
    { apiKeyId: result.apiKey.id, source: result.source },
    `created the admin API key "${result.apiKey.name}" (no API keys existed)`,
  );
  if (result.source === 'generated') {
    (deps.announce ?? ((text) => process.stdout.write(`${text}\n`)))(bootstrapBanner(result.token));
  }
}
