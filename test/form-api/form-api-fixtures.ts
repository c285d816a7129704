/** Operations and form builders for the paste-in form API tests. */
import assert from 'node:assert/strict';
import { CONNECTION_FIELDS } from '../api/operations.js';
import type { GraphQLResponse } from '../helpers/test-app.js';
import {
  CLIENT_ID,
  TENANT_ID,
  basicForm as documentedBasicForm,
  oauth2Form as documentedOAuth2Form,
} from '../form/form-fixtures.js';

export { CONNECTION_FIELDS };

export const FORM_FIELDS = 'type name description url userName configuration';

export const IMPORT_CONNECTION = `mutation ImportConnection($form: ConnectionFormInput!, $dryRun: Boolean) {
  importConnection(form: $form, dryRun: $dryRun) { ${CONNECTION_FIELDS} }
}`;

export const IMPORT_CONNECTIONS = `mutation ImportConnections($forms: [ConnectionFormInput!]!, $dryRun: Boolean) {
  importConnections(forms: $forms, dryRun: $dryRun) { ${CONNECTION_FIELDS} }
}`;

export const EXPORT_CONNECTION = `query ExportConnection($id: ID!) { exportConnection(id: $id) { ${FORM_FIELDS} } }`;

export const EXPORT_CONNECTIONS = `query ExportConnections($filter: ConnectionFilter) {
  exportConnections(filter: $filter) { ${FORM_FIELDS} }
}`;

export const TOTAL_COUNT = `query Total { connections(first: 0) { totalCount } }`;

export {
  CLIENT_ID,
  CLIENT_SECRET,
  DOCUMENTED_BASIC_CONFIGURATION,
  DOCUMENTED_OAUTH2_CONFIGURATION,
  OAUTH2_CONFIGURATION_FILLED,
  TENANT_ID,
} from '../form/form-fixtures.js';
export const TOKEN_URL = `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`;

export interface FormVars {
  type: string;
  name: string;
  description?: string | null;
  url: string;
  userName?: string | null;
  password?: string | null;
  configuration?: string | null;
}

/** The documented forms (test/form/form-fixtures.ts), as GraphQL variables. */
export const basicForm = (overrides: Partial<FormVars> = {}): FormVars => documentedBasicForm(overrides);
export const oauth2Form = (overrides: Partial<FormVars> = {}): FormVars => documentedOAuth2Form(overrides);

/** A Basic form whose Configuration is this object (serialised) or text. */
export function withConfiguration(
  configuration: string | Record<string, unknown>,
  overrides: Partial<FormVars> = {},
): FormVars {
  return basicForm({
    configuration: typeof configuration === 'string' ? configuration : JSON.stringify(configuration),
    ...overrides,
  });
}

/** An OAuth2 form whose Configuration is this object. */
export function oauth2With(configuration: Record<string, unknown>, overrides: Partial<FormVars> = {}): FormVars {
  return oauth2Form({ configuration: JSON.stringify(configuration), ...overrides });
}

export const OAUTH2_CONFIG = {
  UseSsl: true,
  FromAddress: 'reports@acme.com',
  GrantType: 'ClientCredentials',
  AuthType: 'OAuth2',
  ClientID: CLIENT_ID,
  TokenUrl: TOKEN_URL,
};

type Field = { path: string; message: string };

/** The error of a failed response, asserting its code. */
export function errorOf(
  res: GraphQLResponse,
  code: string,
): { message: string; fields: Field[]; extensions: Record<string, unknown> } {
  assert.ok(res.errors && res.errors.length === 1, `expected one error, got ${res.body}`);
  const error = res.errors[0]!;
  assert.equal(error.extensions.code, code, res.body);
  return { message: error.message, fields: error.extensions.fields ?? [], extensions: error.extensions };
}

/** BAD_USER_INPUT with an entry on exactly `path` whose message holds every fragment. */
export function assertFieldError(res: GraphQLResponse, path: string, ...fragments: string[]): Field {
  const { fields } = errorOf(res, 'BAD_USER_INPUT');
  const onPath = fields.filter((f) => f.path === path);
  assert.ok(onPath.length > 0, `no error on ${path}: ${JSON.stringify(fields, null, 2)}`);
  const match = onPath.find((f) => fragments.every((fragment) => f.message.includes(fragment)));
  assert.ok(match, `no error on ${path} containing ${JSON.stringify(fragments)}: ${JSON.stringify(onPath, null, 2)}`);
  return match;
}

export function pathsOf(res: GraphQLResponse): string[] {
  return (res.errors?.[0]?.extensions.fields ?? []).map((f) => f.path).sort();
}

export function assertOk<T>(res: GraphQLResponse<T>): T {
  assert.equal(res.errors, undefined, res.body);
  assert.ok(res.data, res.body);
  return res.data;
}
