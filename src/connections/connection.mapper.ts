/** The one place where a stored row becomes what the API may show. Reads never decrypt. */
import type { ConnectionEntity, StoredTestOutcome } from './connection.entity.js';
import type { AuthView, ConnectionType, ConnectionView, SecretInfoView } from './connection.model.js';
import type { TestOutcome } from '../mail/test-outcome.js';
import type { TlsMode } from '../mail/tls-mode.js';
import type { ClientAuthType } from '../oauth2/client-auth-type.js';
import { tenantIdFromTokenUrl } from '../oauth2/token-url.js';
import { formatSmtpUrl } from './smtp-url.js';

function secretInfo(row: ConnectionEntity): SecretInfoView {
  return {
    isSet: row.secretSealed.length > 0,
    hint: row.secretHint,
    updatedAt: row.secretUpdatedAt,
    expiresAt: row.secretExpiresAt,
  };
}

function authView(row: ConnectionEntity): AuthView {
  const kind = row.authKind as AuthView['kind'];
  switch (kind) {
    case 'basic':
      return { kind, username: row.username, password: secretInfo(row) };
    case 'oauth2ClientCredentials': {
      const tokenUrl = row.tokenUrl ?? '';
      return {
        kind,
        username: row.username,
        clientId: row.clientId ?? '',
        tenantId: tenantIdFromTokenUrl(tokenUrl),
        tokenUrl,
        scope: row.scope ?? '',
        clientAuthType: row.clientAuthType as ClientAuthType,
        clientSecret: secretInfo(row),
      };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown auth kind ${String(never)}`);
    }
  }
}

export function storedOutcome(outcome: TestOutcome): StoredTestOutcome {
  return { ...outcome, testedAt: outcome.testedAt.toISOString() };
}

function outcomeView(stored: StoredTestOutcome | null): TestOutcome | null {
  return stored ? { ...stored, testedAt: new Date(stored.testedAt) } : null;
}

/** `defaultId` is the id defaultConnection(type) returns for this row's type, or null. */
export function toConnectionView(row: ConnectionEntity, defaultId: string | null): ConnectionView {
  return {
    id: row.id,
    type: row.type as ConnectionType,
    name: row.name,
    description: row.description,
    isDefault: row.id === defaultId,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    host: row.host,
    port: row.port,
    url: formatSmtpUrl(row),
    tls: row.tls as TlsMode,
    caCertificate: row.caCertificate,
    fromAddress: row.fromAddress,
    fromDisplayName: row.fromDisplayName,
    auth: authView(row),
    lastTest: outcomeView(row.lastTest),
  };
}
