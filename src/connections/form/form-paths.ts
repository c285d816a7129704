/**
 * Moves the service's field paths (CreateConnectionInput: `fromAddress`, `auth.oauth2ClientCredentials.tokenUrl`)
 * onto the admin form (`configuration.FromAddress`, `configuration.TokenUrl`), so an import reports every
 * error where the admin typed the value, whichever layer found it.
 */
import type { FieldError } from '../../errors.js';

const FORM_PATH: Readonly<Record<string, string>> = {
  type: 'type',
  name: 'name',
  description: 'description',
  url: 'url',
  isDefault: 'name',
  tls: 'configuration.UseSsl',
  caCertificate: 'configuration.CaCertificate',
  fromAddress: 'configuration.FromAddress',
  fromDisplayName: 'configuration.FromDisplayName',
  auth: 'configuration',
  'auth.basic': 'configuration',
  'auth.basic.username': 'userName',
  'auth.basic.password': 'password',
  'auth.oauth2ClientCredentials': 'configuration',
  'auth.oauth2ClientCredentials.username': 'userName',
  'auth.oauth2ClientCredentials.clientSecret': 'password',
  'auth.oauth2ClientCredentials.secretExpiresAt': 'password',
  'auth.oauth2ClientCredentials.clientId': 'configuration.ClientID',
  'auth.oauth2ClientCredentials.tokenUrl': 'configuration.TokenUrl',
  'auth.oauth2ClientCredentials.scope': 'configuration.Scope',
  'auth.oauth2ClientCredentials.clientAuthType': 'configuration.ClientAuthType',
};

/** The form path for a CreateConnectionInput path (an optional leading "input." is dropped); unknown paths pass through. */
export function toFormPath(inputPath: string): string {
  const path = inputPath.replace(/^input\./, '');
  return FORM_PATH[path] ?? path;
}

export function toFormErrors(errors: readonly FieldError[]): FieldError[] {
  return errors.map((e) => ({ ...e, path: toFormPath(e.path) }));
}
