/**
 * Every root operation × every kind of caller: no token, malformed, unknown, expired and revoked keys,
 * each role by API key and by JWT, and JWTs that must fail. "Allowed" means the call got past
 * authentication and authorization (it may still fail with NOT_FOUND or BAD_USER_INPUT).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.js';
import { createSchema } from '../../src/schema.js';
import { ACCESS_RULES } from '../../src/auth/access-rules.js';
import { Role, roleAtLeast } from '../../src/auth/role.js';
import { generateToken } from '../../src/auth/api-key-token.js';
import { systemContext } from '../../src/request-context.js';
import { TestStage } from '../../src/mail/test-outcome.js';
import { rootOperations, type RootOperation } from './schema-operations.js';
import { startJwksServer, type JwksServer } from './jwks-server.js';

type Expect =
  | { kind: 'unauthenticated'; status: number; message: RegExp }
  | { kind: 'forbidden-token' }
  | { kind: 'role'; role: Role };

interface Caller {
  name: string;
  authorization: string;
  expect: Expect;
}

let t: TestApp;
let jwks: JwksServer;
let ops: RootOperation[];
const callers: Caller[] = [];

before(async () => {
  jwks = await startJwksServer();
  t = await startTestApp({
    env: jwks.env,
    // No real SMTP: operators' test mutations must get past authorization, not reach the network.
    smtp: async () => ({
      ok: false,
      stage: TestStage.CONNECT,
      durationMs: 1,
      messageId: null,
      smtpCode: null,
      enhancedCode: null,
      serverResponse: null,
      errorCode: 'ECONNREFUSED',
      hint: 'stub',
      transcript: [],
      testedAt: new Date(),
    }),
  });
  ops = rootOperations(await createSchema());
  const keys = t.app.services.apiKeys;
  const system = systemContext('test', Role.ADMIN);
  const key = async (name: string, role: Role) => (await keys.create(system, { name, role, expiresAt: null })).token;
  const expired = await keys.create(system, {
    name: 'expired',
    role: Role.ADMIN,
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  await t.app.dataSource.query(`UPDATE "api_key" SET "expires_at" = now() - interval '1 hour' WHERE "id" = $1`, [
    expired.apiKey.id,
  ]);
  const revoked = await keys.create(system, { name: 'revoked', role: Role.ADMIN, expiresAt: null });
  await keys.revoke(system, { id: revoked.apiKey.id });

  const unauthenticated = (status: number, message: RegExp): Expect => ({ kind: 'unauthenticated', status, message });
  callers.push(
    {
      name: 'no token',
      authorization: '',
      expect: unauthenticated(401, /Authentication required: send the header `Authorization: Bearer <token>`/),
    },
    {
      name: 'malformed (Basic scheme)',
      authorization: 'Basic dXNlcjpwYXNz',
      expect: unauthenticated(401, /must be `Bearer <token>`/),
    },
    {
      name: 'malformed (two tokens)',
      authorization: `Bearer ${t.adminToken} extra`,
      expect: unauthenticated(401, /must be `Bearer <token>`/),
    },
    {
      name: 'malformed (short garbage)',
      authorization: 'Bearer abc',
      expect: unauthenticated(401, /The API key is not valid/),
    },
    {
      name: 'unknown key',
      authorization: `Bearer ${generateToken().token}`,
      expect: unauthenticated(401, /The API key is not valid/),
    },
    {
      name: 'right id, wrong secret',
      authorization: `Bearer ${t.adminToken.slice(0, -4)}AAAA`,
      expect: unauthenticated(401, /The API key is not valid/),
    },
    {
      name: 'expired key',
      authorization: `Bearer ${expired.token}`,
      expect: unauthenticated(401, /API key "expired" expired at .*ask an admin for a new one/),
    },
    {
      name: 'revoked key',
      authorization: `Bearer ${revoked.token}`,
      expect: unauthenticated(401, /API key "revoked" was revoked at .*use another key/),
    },
    {
      name: 'viewer key',
      authorization: `Bearer ${await key('viewer', Role.VIEWER)}`,
      expect: { kind: 'role', role: Role.VIEWER },
    },
    {
      name: 'operator key',
      authorization: `Bearer ${await key('operator', Role.OPERATOR)}`,
      expect: { kind: 'role', role: Role.OPERATOR },
    },
    {
      name: 'admin key',
      authorization: `Bearer ${await key('admin', Role.ADMIN)}`,
      expect: { kind: 'role', role: Role.ADMIN },
    },
    { name: 'bootstrap key', authorization: `Bearer ${t.adminToken}`, expect: { kind: 'role', role: Role.ADMIN } },
    {
      name: 'JWT viewer',
      authorization: `Bearer ${await jwks.sign({ claims: { role: 'viewer' } })}`,
      expect: { kind: 'role', role: Role.VIEWER },
    },
    {
      name: 'JWT operator (array claim)',
      authorization: `Bearer ${await jwks.sign({ claims: { role: ['other', 'Operator'] } })}`,
      expect: { kind: 'role', role: Role.OPERATOR },
    },
    {
      name: 'JWT admin (upper case)',
      authorization: `Bearer ${await jwks.sign({ claims: { role: 'ADMIN' } })}`,
      expect: { kind: 'role', role: Role.ADMIN },
    },
    {
      name: 'JWT without a role',
      authorization: `Bearer ${await jwks.sign({ claims: { role: 'superuser' } })}`,
      expect: { kind: 'forbidden-token' },
    },
    {
      name: 'JWT bad signature',
      authorization: `Bearer ${await jwks.sign({ claims: { role: 'admin' }, foreignKey: true })}`,
      expect: unauthenticated(401, /signature does not verify .*AUTH_JWKS_URL/),
    },
    {
      name: 'JWT wrong issuer',
      authorization: `Bearer ${await jwks.sign({ claims: { role: 'admin' }, issuer: 'https://evil.example/' })}`,
      expect: unauthenticated(401, /"iss" claim is not accepted \(AUTH_ISSUER\)/),
    },
    {
      name: 'JWT wrong audience',
      authorization: `Bearer ${await jwks.sign({ claims: { role: 'admin' }, audience: 'api://other' })}`,
      expect: unauthenticated(401, /"aud" claim is not accepted \(AUTH_AUDIENCE\)/),
    },
    {
      name: 'JWT expired',
      authorization: `Bearer ${await jwks.sign({ claims: { role: 'admin' }, expiresIn: -120 })}`,
      expect: unauthenticated(401, /access token has expired/),
    },
    {
      name: 'JWT without sub',
      authorization: `Bearer ${await jwks.sign({ claims: { role: 'admin' }, sub: null })}`,
      expect: unauthenticated(401, /no "sub" claim/),
    },
  );
});

after(async () => {
  await t?.close();
  await jwks?.close();
});

function codes(response: GraphQLResponse): string[] {
  return (response.errors ?? []).map((e) => e.extensions.code);
}

test('every Query and Mutation field of the built schema has exactly one access rule', async () => {
  const schema = await createSchema();
  const fields = rootOperations(schema).map((op) => op.field);
  assert.ok(fields.includes('Query.connections') && fields.includes('Mutation.createApiKey'), fields.join(', '));
  const missing = fields.filter((field) => !(field in ACCESS_RULES));
  assert.deepEqual(missing, [], `root fields without a rule in src/auth/access-rules.ts: ${missing.join(', ')}`);
  // Rules for fields the contract (API.md) names but that may land later are fine; any other stale rule is a typo.
  const planned = new Set([
    'Query.connectionHistory',
    'Query.auditEvents',
    'Query.exportConnection',
    'Query.exportConnections',
    'Mutation.importConnection',
    'Mutation.importConnections',
  ]);
  const stale = Object.keys(ACCESS_RULES).filter((rule) => !fields.includes(rule) && !planned.has(rule));
  assert.deepEqual(stale, [], `rules naming no field: ${stale.join(', ')}`);
});

test('the roles of the issue: viewers only read, operators also test and rotate, apiKeys and auditEvents are admin only', () => {
  for (const [field, role] of Object.entries(ACCESS_RULES)) {
    if (field === 'Query.apiKeys' || field === 'Query.auditEvents') assert.equal(role, Role.ADMIN, field);
    else if (field.startsWith('Query.')) assert.equal(role, Role.VIEWER, field);
    else if (['Mutation.sendTestEmail', 'Mutation.testConnectionSettings', 'Mutation.rotateSecret'].includes(field))
      assert.equal(role, Role.OPERATOR, field);
    else assert.equal(role, Role.ADMIN, field);
  }
});

describe('operation × caller', () => {
  test('the matrix', async (tc) => {
    assert.ok(ops.length >= 12, `only ${ops.length} operations found`);
    for (const op of ops) {
      const needed = ACCESS_RULES[op.field]!;
      for (const caller of callers) {
        await tc.test(`${op.field} as ${caller.name}`, async () => {
          const response = await t.gql(op.query, op.variables, { authorization: caller.authorization });
          const expect = caller.expect;
          switch (expect.kind) {
            case 'unauthenticated':
              assert.equal(response.status, expect.status, response.body);
              assert.deepEqual(codes(response), ['UNAUTHENTICATED'], response.body);
              assert.match(response.errors![0]!.message, expect.message);
              assert.equal(response.data, undefined, 'nothing executes before authentication');
              break;
            case 'forbidden-token':
              assert.equal(response.status, 403, response.body);
              assert.deepEqual(codes(response), ['FORBIDDEN'], response.body);
              assert.match(
                response.errors![0]!.message,
                /no Postroom role: its "role" claim \(AUTH_ROLE_CLAIM\) must be admin, operator or viewer/,
              );
              break;
            case 'role':
              if (roleAtLeast(expect.role, needed)) {
                const bad = codes(response).filter(
                  (c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN' || c === 'INTERNAL_SERVER_ERROR',
                );
                assert.deepEqual(bad, [], `${caller.name} should be allowed ${op.field}: ${response.body}`);
                // A `data` key means the document was valid and execution ran (not a vacuous validation error).
                assert.ok(
                  'data' in (JSON.parse(response.body) as object),
                  `${op.field} did not execute: ${response.body}`,
                );
              } else {
                assert.equal(response.status, 200, response.body);
                assert.deepEqual(codes(response), ['FORBIDDEN'], response.body);
                const error = response.errors![0]!;
                assert.match(error.message, new RegExp(`^${op.field.replace('.', '\\.')} needs the ${needed} role`));
                assert.match(error.message, new RegExp(`has the ${expect.role} role$`));
                assert.equal(error.extensions.requiredRole, needed);
                assert.deepEqual(error.path, [op.field.split('.')[1]]);
              }
              break;
            default: {
              const never: never = expect;
              throw new Error(`unknown expectation ${JSON.stringify(never)}`);
            }
          }
        });
      }
    }
  });
});

test('no token, key or JWT used in the matrix appears in any log line', () => {
  const secrets = callers
    .map((c) => c.authorization.replace(/^Bearer /, '').split(' ')[0]!)
    .filter((s) => s.length >= 20);
  secrets.push(t.adminToken);
  assert.ok(secrets.length >= 15);
  for (const line of t.logs) {
    for (const secret of secrets) {
      assert.ok(!line.includes(secret), `a token leaked into a log line: ${line.slice(0, 200)}`);
      const randomPart = secret.startsWith('pr_') ? secret.slice(-43) : secret.split('.')[2]!;
      assert.ok(!line.includes(randomPart), `a token's secret part leaked into a log line`);
    }
  }
});
