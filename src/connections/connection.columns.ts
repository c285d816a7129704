/** How the auth variants map onto the connection row's columns. */
import type { ConnectionEntity } from './connection.entity.js';
import type { AuthSettingsInput } from './connection.model.js';

/** The field name a secret is sealed under (part of its AAD). */
export type SecretField = 'password' | 'clientSecret';

export function secretFieldOf(kind: AuthSettingsInput['kind'] | string): SecretField {
  return kind === 'basic' ? 'password' : 'clientSecret';
}

export function authColumns(auth: AuthSettingsInput): Partial<ConnectionEntity> {
  switch (auth.kind) {
    case 'basic':
      return {
        authKind: auth.kind,
        username: auth.username,
        clientId: null,
        tokenUrl: null,
        scope: null,
        clientAuthType: null,
      };
    case 'oauth2ClientCredentials':
      return {
        authKind: auth.kind,
        username: auth.username,
        clientId: auth.clientId,
        tokenUrl: auth.tokenUrl,
        scope: auth.scope,
        clientAuthType: auth.clientAuthType,
      };
    default: {
      const never: never = auth;
      throw new Error(`unknown auth kind ${JSON.stringify(never)}`);
    }
  }
}

export function secretOf(auth: AuthSettingsInput): string {
  return auth.kind === 'basic' ? auth.password : auth.clientSecret;
}
