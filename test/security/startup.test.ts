/**
 * Production start-up refusals, as an operator meets them: `node dist/src/main.js` exits 2 with a message
 * naming the variable, and never prints the value (key material or the rejected entry).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DOCUMENTATION_EXAMPLE_KEY } from '../../src/secrets/key-ring.js';
import { DIST_SRC, childEnv, runServer } from '../auth/child-process.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function run(extra: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'postroom-startup-'));
  dirs.push(dataDir);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(DIST_SRC, 'main.js')], { env: childEnv(dataDir, extra) });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('error', reject);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.js did not exit within 60 s: ${output.slice(0, 2000)}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Log lines are JSON (pino): their messages, one a line; other lines as they are. */
function messages(output: string): string {
  return output
    .split('\n')
    .map((line) => {
      try {
        return String((JSON.parse(line) as { msg?: unknown }).msg ?? line);
      } catch {
        return line;
      }
    })
    .join('\n');
}

const goodKey = `k1:${randomBytes(32).toString('base64')}`;

interface Case {
  name: string;
  env: Record<string, string>;
  message: RegExp;
  /** Strings that must not appear anywhere in stdout or stderr. */
  never: string[];
}

const shortKey = randomBytes(16).toString('base64');
const exampleKey = DOCUMENTATION_EXAMPLE_KEY.slice(DOCUMENTATION_EXAMPLE_KEY.indexOf(':') + 1);
const badEgressEntry = 'not a host/99';

const cases: Case[] = [
  {
    name: 'NODE_ENV=production without SECRET_KEYS',
    env: { NODE_ENV: 'production' },
    message: /Configuration error: SECRET_KEYS is required when NODE_ENV=production/,
    never: [],
  },
  {
    name: 'a key shorter than 32 bytes',
    env: { NODE_ENV: 'production', SECRET_KEYS: `k1:${shortKey}` },
    message: /Configuration error: SECRET_KEYS entry 1 \(id "k1"\): key must be 32 bytes, base64/,
    never: [shortKey],
  },
  {
    name: 'the documentation example key',
    env: { NODE_ENV: 'production', SECRET_KEYS: DOCUMENTATION_EXAMPLE_KEY },
    message: /Configuration error: SECRET_KEYS entry 1 \(id "k1"\): key is a published example/,
    never: [exampleKey],
  },
  {
    name: 'the example key as the second entry',
    env: { NODE_ENV: 'production', SECRET_KEYS: `${goodKey},k9:${exampleKey}` },
    message: /SECRET_KEYS entry 2 \(id "k9"\): key is a published example/,
    never: [exampleKey, goodKey.slice(3)],
  },
  {
    name: 'a hex key (64 hex characters, 32 bytes) in production',
    env: { NODE_ENV: 'production', SECRET_KEYS: `k1:${randomBytes(32).toString('hex')}` },
    message: /SECRET_KEYS entry 1 \(id "k1"\): key must be 32 bytes, base64 \(this looks like hex\)/,
    never: [],
  },
  {
    name: 'a malformed EGRESS_ALLOWED_HOSTS entry',
    env: { NODE_ENV: 'production', SECRET_KEYS: goodKey, EGRESS_ALLOWED_HOSTS: `relay.example,${badEgressEntry}` },
    message: /Configuration error: EGRESS_ALLOWED_HOSTS: entry 2 is not a valid CIDR/,
    never: [badEgressEntry, goodKey.slice(3)],
  },
  {
    name: 'a bad EGRESS_ALLOWED_PORTS value',
    env: { NODE_ENV: 'production', SECRET_KEYS: goodKey, EGRESS_ALLOWED_PORTS: '587,70000' },
    message: /Configuration error: EGRESS_ALLOWED_PORTS must be a comma-separated list of ports from 1 to 65535/,
    never: ['70000', goodKey.slice(3)],
  },
  {
    name: 'AUTH_JWKS_URL without AUTH_ISSUER',
    env: { NODE_ENV: 'production', SECRET_KEYS: goodKey, AUTH_JWKS_URL: 'https://idp.example/jwks' },
    message: /Configuration error: AUTH_ISSUER must be set when AUTH_JWKS_URL is set/,
    never: [goodKey.slice(3)],
  },
  {
    // Without AUTH_JWKS_URL, JWT is off: an issuer or audience alone would look configured and do nothing.
    name: 'AUTH_ISSUER without AUTH_JWKS_URL',
    env: { NODE_ENV: 'production', SECRET_KEYS: goodKey, AUTH_ISSUER: 'https://idp.example/' },
    message:
      /Configuration error: AUTH_ISSUER and AUTH_AUDIENCE take effect only with AUTH_JWKS_URL: set all three, or none/,
    never: [goodKey.slice(3)],
  },
  {
    name: 'AUTH_AUDIENCE without AUTH_JWKS_URL',
    env: { NODE_ENV: 'production', SECRET_KEYS: goodKey, AUTH_AUDIENCE: 'api://postroom' },
    message: /Configuration error: AUTH_ISSUER and AUTH_AUDIENCE take effect only with AUTH_JWKS_URL/,
    never: [goodKey.slice(3)],
  },
  {
    name: 'AUTH_ISSUER and AUTH_AUDIENCE without AUTH_JWKS_URL (not in production either)',
    env: { AUTH_ISSUER: 'https://idp.example/', AUTH_AUDIENCE: 'api://postroom' },
    message: /Configuration error: AUTH_ISSUER and AUTH_AUDIENCE take effect only with AUTH_JWKS_URL/,
    never: [],
  },
  {
    name: 'a rate limit that is not a number',
    env: { NODE_ENV: 'production', SECRET_KEYS: goodKey, TEST_EMAIL_RATE_PER_KEY: 'lots' },
    message: /Configuration error: TEST_EMAIL_RATE_PER_KEY must be a whole number from 0 to 1000000/,
    never: ['lots', goodKey.slice(3)],
  },
];

for (const c of cases) {
  test(`refuses to start: ${c.name} → exit 2, the variable named, its value never printed`, async () => {
    const { code, output } = await run(c.env);
    assert.equal(code, 2, output);
    assert.match(messages(output), c.message);
    for (const value of c.never) assert.ok(!output.includes(value), `the output contains "${value.slice(0, 6)}…"`);
    assert.ok(!/ready at|"url":"http/.test(output), 'it never listened');
    assert.ok(!/\n\s+at /.test(output), 'no stack trace');
  });
}

test('GRAPHQL_INTROSPECTION=true turns introspection and the playground back on in production', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'postroom-startup-'));
  dirs.push(dataDir);
  const token = `introspection-test-${randomBytes(16).toString('hex')}`;
  const env = { NODE_ENV: 'production', SECRET_KEYS: goodKey, GRAPHQL_INTROSPECTION: 'true', BOOTSTRAP_API_KEY: token };
  await runServer(childEnv(dataDir, env), async (url) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    assert.deepEqual(await response.json(), { data: { __schema: { queryType: { name: 'Query' } } } });
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
  });
});

test('with a good SECRET_KEYS, production starts (the refusals above are not vacuous)', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'postroom-startup-'));
  dirs.push(dataDir);
  const finished = await runServer(childEnv(dataDir, { NODE_ENV: 'production', SECRET_KEYS: goodKey }), async (url) => {
    const health = await fetch(url.replace('/graphql', '/healthz'));
    assert.equal(health.status, 200);
  });
  assert.match(finished.stdout, /Postroom GraphQL API ready at/);
  assert.ok(!(finished.stdout + finished.stderr).includes(goodKey.slice(3)), 'the key is never printed');
});
