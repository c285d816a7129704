import assert from 'node:assert/strict';
import type { FieldError } from '../../src/errors.js';
import type { NewConnection } from '../../src/connections/connection.model.js';
import type { ConnectionFormFields } from '../../src/connections/form/connection-form.js';
import { formToNewConnection } from '../../src/connections/form/form-to-connection.js';

/** Method 1 of the documented admin form, verbatim. */
export const DOCUMENTED_BASIC_CONFIGURATION =
  '{ "UseSsl" : true, "FromDisplayName" : "ACME Reporting", "FromAddress" : "reports@acme.com" }';

/** Method 2 of the documented admin form, verbatim, placeholders included. */
export const DOCUMENTED_OAUTH2_CONFIGURATION =
  '{ "UseSsl" : true, "FromDisplayName" : "ACME Reporting", "FromAddress" : "reports@acme.com", "GrantType":"ClientCredentials", "AuthType":"OAuth2", "ClientID": "YOUR_CLIENT_ID", "Scope":"https://outlook.office365.com/.default", "TokenUrl":"https://login.microsoftonline.com/YOUR_TENANT_ID/oauth2/v2.0/token", "ClientAuthType":"SendClientCredentialsInBody" }';

export const CLIENT_ID = '3f2b7c1e-9a4d-4e8b-b1c2-5d6e7f8a9b0c';
export const TENANT_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const CLIENT_SECRET = 'Xy9~kQ2.abcdefghijklmnopQRSTUV_0123456';

export const OAUTH2_CONFIGURATION_FILLED = DOCUMENTED_OAUTH2_CONFIGURATION.replace('YOUR_CLIENT_ID', CLIENT_ID).replace(
  'YOUR_TENANT_ID',
  TENANT_ID,
);

export function basicForm(overrides: Partial<ConnectionFormFields> = {}): ConnectionFormFields {
  return {
    type: 'SMTP',
    name: 'Default',
    description: 'Reports mailbox',
    url: 'smtp.outlook.com:587',
    userName: 'reports@acme.com',
    password: 'correct horse battery staple',
    configuration: DOCUMENTED_BASIC_CONFIGURATION,
    ...overrides,
  };
}

export function oauth2Form(overrides: Partial<ConnectionFormFields> = {}): ConnectionFormFields {
  return {
    type: 'SMTP',
    name: 'Default',
    description: null,
    url: 'smtp.office365.com:587',
    userName: 'reports@yourcompany.com',
    password: CLIENT_SECRET,
    configuration: OAUTH2_CONFIGURATION_FILLED,
    ...overrides,
  };
}

/** A basic form whose configuration is the given object (serialised) or text. */
export function withConfiguration(configuration: string | Record<string, unknown>): ConnectionFormFields {
  return basicForm({
    configuration: typeof configuration === 'string' ? configuration : JSON.stringify(configuration),
  });
}

export function accept(form: ConnectionFormFields): NewConnection {
  const result = formToNewConnection(form);
  if (!result.ok) assert.fail(`expected the form to be accepted, got ${JSON.stringify(result.errors, null, 2)}`);
  return result.value;
}

export function refuse(form: ConnectionFormFields): FieldError[] {
  const result = formToNewConnection(form);
  if (result.ok) assert.fail(`expected the form to be refused, got ${JSON.stringify(result.value)}`);
  assert.ok(result.errors.length > 0);
  return result.errors;
}

/** Asserts an error with exactly this path whose message contains every fragment. */
export function assertError(errors: FieldError[], path: string, ...fragments: string[]): FieldError {
  const onPath = errors.filter((e) => e.path === path);
  assert.ok(onPath.length > 0, `no error on path ${path}; errors: ${JSON.stringify(errors, null, 2)}`);
  const match = onPath.find((e) => fragments.every((f) => e.message.includes(f)));
  assert.ok(
    match,
    `no error on ${path} containing ${JSON.stringify(fragments)}; got ${JSON.stringify(onPath, null, 2)}`,
  );
  return match;
}

export function assertOnlyPaths(errors: FieldError[], paths: string[]): void {
  assert.deepEqual(errors.map((e) => e.path).sort(), [...paths].sort(), `errors: ${JSON.stringify(errors, null, 2)}`);
}
