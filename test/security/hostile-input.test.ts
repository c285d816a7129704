/**
 * Hostile input over HTTP: CR, LF and NUL in every string field of every write; 200 kB and 1 MB strings;
 * deeply nested variables; and a canary secret searched for (raw and base64) in every response body and
 * every log line of this file.
 *
 * Covered elsewhere, not repeated here: every operation with no token, a bad token, an expired key and a
 * revoked key, per role (test/auth/access-matrix.test.ts, test/auth/api-keys.test.ts); hostile hosts
 * 127.1, 0x7f000001, [::1], [::ffff:127.0.0.1], 169.254.169.254, names resolving private, DNS rebinding
 * (test/egress/*.test.ts); depth, alias, token, batch and CSRF limits (test/security/limits.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.js';
import { createTestCa } from '../helpers/test-ca.js';
import { CONNECTION, CREATE_CONNECTION, ROTATE_SECRET, UPDATE_CONNECTION } from '../api/operations.js';
import { IMPORT_CONNECTION, basicForm } from '../form-api/form-api-fixtures.js';
import { CREATE_API_KEY } from '../auth/operations.js';
import { assertNoCanary, ok } from './support.js';

const CANARY = 'Hostile-Canary-Secret-4b1d9e77';
const TOKEN_URL = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token';
const CONTROL = [
  ['CR', '\r'],
  ['LF', '\n'],
  ['NUL', '\0'],
] as const;

let t: TestApp;
const bodies: string[] = [];
let caPem: string;

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> {
  const res = await t.gql(query, variables);
  bodies.push(res.body);
  return res;
}

async function counts(): Promise<{ connections: number; keys: number; events: number }> {
  const [row] = (await t.app.dataSource.query(
    `SELECT (SELECT count(*)::int FROM connection) AS connections, (SELECT count(*)::int FROM api_key) AS keys,
            (SELECT count(*)::int FROM audit_event) AS events`,
  )) as [{ connections: number; keys: number; events: number }];
  return row;
}

/** Deep copy of `base` with `value` at the dotted `path`. */
function withValue(base: Record<string, any>, path: string, value: unknown): Record<string, any> {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key];
  node[keys.at(-1)!] = value;
  return copy;
}

function valueAt(base: Record<string, any>, path: string): string {
  return path.split('.').reduce((node: any, key) => node[key], base) as string;
}

let names = 0;
const basicCreate = (): Record<string, any> => ({
  name: `Hostile ${++names}`,
  description: 'Reports mailbox',
  url: 'smtp.example.com:587',
  caCertificate: caPem,
  fromAddress: 'reports@example.com',
  fromDisplayName: 'Reports',
  auth: { basic: { username: 'reports@example.com', password: CANARY } },
});
const oauth2Create = (): Record<string, any> => ({
  name: `Hostile OAuth2 ${++names}`,
  url: 'smtp.office365.com:587',
  fromAddress: 'reports@contoso.com',
  auth: {
    oauth2ClientCredentials: {
      username: 'reports@contoso.com',
      clientId: '0b7d8a4e-3c1f-4a55-9e2d-6f1b2c3d4e5f',
      clientSecret: CANARY,
      tokenUrl: TOKEN_URL,
      scope: 'https://outlook.office365.com/.default',
    },
  },
});

/** Fields where line breaks are legitimate: accepted and stored verbatim; NUL is still refused. */
const MULTILINE = new Set(['description', 'caCertificate', 'form.configuration', 'form.description']);

interface Target {
  label: string;
  /** The dotted paths of the string fields in `variables` that the test poisons. */
  fields: string[];
  variables: () => Record<string, any>;
  send: (variables: Record<string, any>) => Promise<GraphQLResponse>;
  /** The field path in extensions.fields for a variable path (default: without its first segment). */
  errorPath?: (path: string) => string;
  /** Where a created/updated value can be read back (for accepted multiline values). */
  readBack?: (res: GraphQLResponse, path: string) => Promise<string | null>;
}

let basicId = '';
let oauthId = '';

const targets = (): Target[] => [
  {
    label: 'createConnection (Basic)',
    fields: [
      'input.name',
      'input.description',
      'input.url',
      'input.caCertificate',
      'input.fromAddress',
      'input.fromDisplayName',
      'input.auth.basic.username',
      'input.auth.basic.password',
    ],
    variables: () => ({ input: basicCreate() }),
    send: (v) => gql(CREATE_CONNECTION, v),
    readBack: async (res, path) => stored((res.data as any).createConnection.id, path),
  },
  {
    label: 'createConnection (OAuth2)',
    fields: [
      'input.auth.oauth2ClientCredentials.username',
      'input.auth.oauth2ClientCredentials.clientId',
      'input.auth.oauth2ClientCredentials.clientSecret',
      'input.auth.oauth2ClientCredentials.tokenUrl',
      'input.auth.oauth2ClientCredentials.scope',
    ],
    variables: () => ({ input: oauth2Create() }),
    send: (v) => gql(CREATE_CONNECTION, v),
  },
  {
    label: 'updateConnection (Basic)',
    fields: [
      'input.name',
      'input.description',
      'input.url',
      'input.caCertificate',
      'input.fromAddress',
      'input.fromDisplayName',
      'input.username',
      'input.secret',
    ],
    variables: () => ({
      id: basicId,
      input: {
        name: `Renamed ${++names}`,
        description: 'Updated',
        url: 'smtp.example.com:587',
        caCertificate: caPem,
        fromAddress: 'reports@example.com',
        fromDisplayName: 'Reports',
        username: 'reports@example.com',
        secret: CANARY,
      },
    }),
    send: (v) => gql(UPDATE_CONNECTION, v),
    readBack: async (_res, path) => stored(basicId, path),
  },
  {
    label: 'updateConnection (OAuth2)',
    fields: ['input.clientId', 'input.tokenUrl', 'input.scope', 'input.auth.oauth2ClientCredentials.clientSecret'],
    variables: () => ({
      id: oauthId,
      input: {
        clientId: '0b7d8a4e-3c1f-4a55-9e2d-6f1b2c3d4e5f',
        tokenUrl: TOKEN_URL,
        scope: 'https://outlook.office365.com/.default',
        secret: CANARY,
        auth: undefined,
      },
    }),
    send: (v) => {
      // The whole-auth replacement is its own request shape.
      const input = v.input as Record<string, any>;
      if (input.auth?.oauth2ClientCredentials) {
        return gql(UPDATE_CONNECTION, {
          id: v.id,
          input: { auth: { oauth2ClientCredentials: input.auth.oauth2ClientCredentials } },
        });
      }
      return gql(UPDATE_CONNECTION, v);
    },
  },
  {
    label: 'rotateSecret',
    fields: ['input.secret'],
    variables: () => ({ id: basicId, input: { secret: CANARY } }),
    send: (v) => gql(ROTATE_SECRET, v),
  },
  {
    label: 'importConnection',
    fields: [
      'form.type',
      'form.name',
      'form.description',
      'form.url',
      'form.userName',
      'form.password',
      'form.configuration',
    ],
    variables: () => ({ form: basicForm({ name: `Imported ${++names}`, password: CANARY }) }),
    send: (v) => gql(IMPORT_CONNECTION, v),
    readBack: async (res, path) => {
      const id = (res.data as any).importConnection.id as string;
      if (path === 'form.description') return stored(id, 'input.description');
      return null;
    },
  },
  {
    label: 'createApiKey',
    fields: ['name'],
    variables: () => ({ name: `hostile-key-${++names}`, role: 'VIEWER' }),
    send: (v) => gql(CREATE_API_KEY, v),
    errorPath: (path) => path,
  },
];

async function stored(id: string, path: string): Promise<string | null> {
  const field = path.split('.').at(-1)!;
  const connection = ok(await gql(CONNECTION, { id })).connection as Record<string, any>;
  return (connection[field] as string | null) ?? null;
}

/** The auth fields of updateConnection for OAuth2 need the full member; fill it in. */
function prepare(target: Target, path: string, value?: string): Record<string, any> {
  const base = target.variables();
  if (path === 'input.auth.oauth2ClientCredentials.clientSecret' && target.label.startsWith('updateConnection')) {
    base.input = { auth: { oauth2ClientCredentials: { ...oauth2Create().auth.oauth2ClientCredentials } } };
  }
  return value === undefined ? base : withValue(base, path, value);
}

/** A PEM keeps its shape: CRLF line endings, the LF it already has, or a NUL after its first line. */
function poisonPem(pem: string, char: string): string {
  const trimmed = pem.trim().replace(/\r\n/g, '\n'); // node-forge writes CRLF
  if (char === '\r') return trimmed.replace(/\n/g, '\r\n');
  if (char === '\n') return trimmed;
  return trimmed.replace('-----\n', `-----\n${char}`);
}

function assertRefused(res: GraphQLResponse, expectedPath: string, where: string): void {
  assert.ok(res.errors?.length, `${where}: expected BAD_USER_INPUT, got ${res.body.slice(0, 300)}`);
  const error = res.errors[0]!;
  assert.equal(error.extensions.code, 'BAD_USER_INPUT', `${where}: ${res.body.slice(0, 400)}`);
  const paths = (error.extensions.fields ?? []).map((f) => f.path);
  assert.ok(
    paths.includes(expectedPath),
    `${where}: field paths ${JSON.stringify(paths)} should include ${expectedPath}`,
  );
}

before(async () => {
  caPem = createTestCa('Hostile CA').certPem;
  t = await startTestApp();
  basicId = ok(await gql(CREATE_CONNECTION, { input: basicCreate() })).createConnection.id;
  oauthId = ok(await gql(CREATE_CONNECTION, { input: oauth2Create() })).createConnection.id;
});
after(async () => {
  await t?.close();
});

describe('CR, LF and NUL in every string field', () => {
  for (const target of targets()) {
    test(target.label, async () => {
      for (const path of target.fields) {
        for (const [label, char] of CONTROL) {
          const where = `${target.label} ${path} with ${label}`;
          const base = valueAt(prepare(target, path), path);
          // Inside the value, before the end: an echo of a secret field would include the whole canary.
          const poisoned = path.endsWith('caCertificate')
            ? poisonPem(base, char)
            : path === 'form.configuration'
              ? base.replace('{', `{${char}`) // JSON whitespace, where line breaks are legitimate
              : `${base}${char}tail`;
          const before = await counts();
          const res = await target.send(prepare(target, path, poisoned));
          if (process.env.HOSTILE_DEBUG) console.log(where, res.body.slice(0, 300));
          const leaf = path.replace(/^(input|form)\./, '');
          const expectedPath = target.errorPath ? target.errorPath(path) : leaf;
          const multiline = MULTILINE.has(leaf) || MULTILINE.has(path);
          if (multiline && char !== '\0') {
            assert.equal(res.errors, undefined, `${where} should be accepted: ${res.body.slice(0, 400)}`);
            const back = target.readBack ? await target.readBack(res, path) : null;
            if (back !== null) assert.equal(back, poisoned, `${where} is stored verbatim`);
            continue;
          }
          assertRefused(res, expectedPath, where);
          assert.deepEqual(await counts(), before, `${where}: nothing stored, no audit event`);
        }
      }
    });
  }
});

describe('oversized strings', () => {
  test('1 MB in any field: 413 from the body limit, quickly, nothing stored', async () => {
    const huge = 'A'.repeat(1024 * 1024);
    for (const target of targets()) {
      for (const path of target.fields) {
        const before = await counts();
        const started = Date.now();
        const response = await fetch(t.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
          body: JSON.stringify({ query: CREATE_CONNECTION, variables: prepare(target, path, huge) }),
        });
        const body = await response.text();
        bodies.push(body);
        assert.equal(response.status, 413, `${target.label} ${path}: ${body.slice(0, 200)}`);
        assert.ok(Date.now() - started < 2000, `${target.label} ${path} took ${Date.now() - started} ms`);
        assert.deepEqual(await counts(), before);
      }
    }
  });

  test('200 kB in any field (under the body limit): BAD_USER_INPUT naming the field, quickly', async () => {
    const big = 'a'.repeat(200 * 1024);
    for (const target of targets()) {
      for (const path of target.fields) {
        const before = await counts();
        const started = Date.now();
        const res = await target.send(prepare(target, path, big));
        const leaf = path.replace(/^(input|form)\./, '');
        assertRefused(res, target.errorPath ? target.errorPath(path) : leaf, `${target.label} ${path} 200 kB`);
        assert.ok(Date.now() - started < 2000, `${target.label} ${path} took ${Date.now() - started} ms`);
        assert.deepEqual(await counts(), before);
      }
    }
  });
});

describe('deep and odd request shapes', () => {
  test('deeply nested variables are a BAD_USER_INPUT, not a crash', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 2000; i += 1) deep = { a: deep };
    const res = await gql(CREATE_CONNECTION, { input: deep as Record<string, unknown> });
    assert.equal(res.status, 200 <= res.status && res.status < 500 ? res.status : -1, res.body.slice(0, 200));
    assert.equal(res.errors![0]!.extensions.code, 'BAD_USER_INPUT');
    const alive = await gql('{ __typename }');
    assert.deepEqual(alive.data, { __typename: 'Query' });
  });

  test('a string where an object is expected, and an object where a string is expected', async () => {
    const asString = await gql(CREATE_CONNECTION, { input: CANARY });
    assert.equal(asString.errors![0]!.extensions.code, 'BAD_USER_INPUT');
    const asObject = await gql(CREATE_CONNECTION, { input: withValue(basicCreate(), 'name', { $gt: '' }) });
    assert.equal(asObject.errors![0]!.extensions.code, 'BAD_USER_INPUT');
    assert.deepEqual(
      asObject.errors![0]!.extensions.fields!.map((f) => f.path),
      ['name'],
    );
  });
});

test('the canary appears in no response body and no log line of this file', () => {
  assert.ok(bodies.length > 100, `${bodies.length} responses captured`);
  assertNoCanary(bodies, CANARY, 'responses');
  assertNoCanary(t.logs, CANARY, 'logs');
});
