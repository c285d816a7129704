/** GraphQL inputs to domain shapes: the auth @oneOf becomes a tagged union here, checked once. */
import type { FieldError } from '../errors.js';
import { DEFAULT_OAUTH2_SCOPE, type AuthMethodInput, type CreateConnectionInput } from './connection.inputs.js';
import { ClientAuthType } from '../oauth2/client-auth-type.js';
import { ConnectionType, type AuthSettingsInput, type NewConnection } from './connection.model.js';

type Mapped<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const ONE_OF_MESSAGE = 'set exactly one of basic or oauth2ClientCredentials';

export function toAuthSettings(auth: AuthMethodInput, path = 'auth'): Mapped<AuthSettingsInput> {
  const { basic, oauth2ClientCredentials: oauth2 } = auth;
  if (basic && !oauth2) {
    return { ok: true, value: { kind: 'basic', username: basic.username.trim(), password: basic.password } };
  }
  if (oauth2 && !basic) {
    return {
      ok: true,
      value: {
        kind: 'oauth2ClientCredentials',
        username: oauth2.username.trim(),
        clientId: oauth2.clientId.trim(),
        clientSecret: oauth2.clientSecret,
        tokenUrl: oauth2.tokenUrl.trim(),
        scope: oauth2.scope?.trim() || DEFAULT_OAUTH2_SCOPE,
        clientAuthType: oauth2.clientAuthType ?? ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY,
        secretExpiresAt: oauth2.secretExpiresAt ?? null,
      },
    };
  }
  return { ok: false, errors: [{ path, message: `${path}: ${ONE_OF_MESSAGE}` }] };
}

function emptyToNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

export function toNewConnection(input: CreateConnectionInput): Mapped<NewConnection> {
  const auth = toAuthSettings(input.auth);
  if (!auth.ok) return auth;
  return {
    ok: true,
    value: {
      type: input.type ?? ConnectionType.SMTP,
      name: input.name.trim(),
      description: emptyToNull(input.description),
      url: input.url.trim(),
      tls: input.tls ?? null,
      caCertificate: emptyToNull(input.caCertificate),
      fromAddress: input.fromAddress.trim(),
      // Display names keep inner spacing; only the ends are trimmed.
      fromDisplayName: emptyToNull(input.fromDisplayName),
      auth: auth.value,
      isDefault: input.isDefault ?? false,
    },
  };
}
