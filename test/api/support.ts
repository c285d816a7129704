/** Shared inputs and assertions of the API tests: what a client sends, and what it must get back. */
import assert from 'node:assert/strict';
import { startTestApp, type GraphQLResponse, type TestApp, type TestAppOptions } from '../helpers/test-app.js';
import { CONNECTION, CONNECTIONS } from './operations.js';

/**
 * The app as these tests need it: test-email rate limits lifted (the suites send many), loopback sinks
 * allowed as egress destinations on their ephemeral ports, and every response body recorded.
 */
export async function startApiApp(
  options: TestAppOptions & { sinkPorts?: number[] } = {},
): Promise<TestApp & { bodies: string[] }> {
  const { sinkPorts = [], ...rest } = options;
  const t = await startTestApp({
    ...rest,
    env: {
      TEST_EMAIL_RATE_PER_CONNECTION: '100000',
      TEST_EMAIL_RATE_PER_KEY: '100000',
      EGRESS_ALLOWED_HOSTS: 'localhost,127.0.0.1,::1',
      EGRESS_ALLOWED_PORTS: [25, 465, 587, 2525, ...sinkPorts].join(','),
      ...rest.env,
    },
  });
  const bodies: string[] = [];
  const gql = t.gql.bind(t);
  return Object.assign(t, {
    bodies,
    gql: (async (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => {
      const response = await gql(query, variables, headers);
      bodies.push(response.body);
      return response;
    }) as TestApp['gql'],
  });
}

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '0b7d8a4e-3c1f-4a55-9e2d-6f1b2c3d4e5f';
export const TOKEN_URL = `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`;

export function basicInput(
  overrides: Record<string, unknown> = {},
  password = 'basic-password-1',
): Record<string, unknown> {
  return {
    name: 'Reports',
    url: 'smtp.example.com:587',
    fromAddress: 'reports@example.com',
    auth: { basic: { username: 'reports@example.com', password } },
    ...overrides,
  };
}

export function oauth2Input(
  overrides: Record<string, unknown> = {},
  clientSecret = 'oauth2-client-secret-Value~1',
): Record<string, unknown> {
  return {
    name: 'Office 365',
    url: 'smtp.office365.com:587',
    fromAddress: 'reports@contoso.com',
    auth: {
      oauth2ClientCredentials: {
        username: 'reports@contoso.com',
        clientId: CLIENT_ID,
        clientSecret,
        tokenUrl: TOKEN_URL,
      },
    },
    ...overrides,
  };
}

type GraphQLErrorBody = NonNullable<GraphQLResponse['errors']>[number];

/** The first error is BAD_USER_INPUT naming `path`, with a message (field and top level) containing every fragment. */
export function assertBadInput(res: GraphQLResponse, path: string, ...fragments: Array<string | RegExp>): void {
  assert.ok(res.errors && res.errors.length >= 1, `expected an error, got ${res.body}`);
  const error = res.errors[0]!;
  assert.equal(error.extensions.code, 'BAD_USER_INPUT', res.body);
  const fields = error.extensions.fields ?? [];
  const field = fields.find((f) => f.path === path);
  assert.ok(field, `expected a field error at "${path}", got ${JSON.stringify(fields)}`);
  for (const fragment of fragments) {
    if (typeof fragment === 'string') {
      assert.ok(field.message.includes(fragment), `"${field.message}" lacks "${fragment}"`);
      assert.ok(error.message.includes(fragment), `top message "${error.message}" lacks "${fragment}"`);
    } else {
      assert.match(field.message, fragment);
    }
  }
}

export function assertCode(res: GraphQLResponse, code: string): GraphQLErrorBody {
  assert.ok(res.errors && res.errors.length >= 1, `expected ${code}, got ${res.body}`);
  assert.equal(res.errors[0]!.extensions.code, code, res.body);
  return res.errors[0]!;
}

/** The data of a response that must have succeeded. */

export function ok<T = any>(res: GraphQLResponse<any>): T {
  assert.equal(res.errors, undefined, res.body);
  assert.equal(res.status, 200, res.body);
  return res.data as T;
}

export async function totalCount(t: TestApp): Promise<number> {
  return ok(await t.gql(CONNECTIONS, { first: 0 })).connections.totalCount;
}

export async function fetchConnection(t: TestApp, id: string): Promise<any> {
  return ok(await t.gql(CONNECTION, { id })).connection;
}

/** Every form a secret could leak in: raw, trimmed, base64 and URL-encoded. */
export function secretForms(secret: string): string[] {
  return [
    ...new Set([
      secret,
      secret.trim(),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
    ]),
  ];
}

export function assertNoSecret(text: string, secret: string, where: string): void {
  for (const form of secretForms(secret)) {
    assert.ok(!text.includes(form), `${where} contains the secret (a form starting "${form.slice(0, 6)}")`);
  }
}
