/**
 * GraphQL and HTTP limits over real HTTP: depth, aliases, tokens and cost (graphql-armor), batching off,
 * Apollo's CSRF prevention, the 256 kB body limit, introspection, playground and "did you mean" off in
 * production, no stack traces, x-request-id, and one debug log line per request without variables.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { CONNECTION_FIELDS, CREATE_CONNECTION, SEND_TEST_EMAIL } from '../api/operations.js';
import { generateToken } from '../../src/auth/api-key-token.js';

interface Raw {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

const seen: Raw[] = [];

async function raw(t: TestApp, init: RequestInit & { path?: string; auth?: boolean } = {}): Promise<Raw> {
  const { path = '', auth = true, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (auth && !headers.has('authorization')) headers.set('authorization', `Bearer ${t.adminToken}`);
  const response = await fetch(t.url + path, { ...rest, headers });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = null; // an HTML or empty body
  }
  const result = { status: response.status, headers: response.headers, text, json };
  seen.push(result);
  return result;
}

function post(t: TestApp, body: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  return raw(t, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function refused(res: Raw, pattern: RegExp, status = 400): void {
  assert.equal(res.status, status, res.text);
  assert.ok(res.json?.errors?.length >= 1, res.text);
  assert.equal(res.json.errors[0].extensions.code, 'BAD_USER_INPUT', res.text);
  assert.match(res.json.errors[0].message, pattern);
  assert.equal(res.json.data ?? undefined, undefined, 'nothing executed');
}

/** An inline-fragment chain: every `... on SmtpConnection` adds one level (graphql-armor counts them). */
function nested(depth: number): string {
  // connection (1) + (depth - 2) fragments + id (1)
  const open = '... on SmtpConnection { '.repeat(depth - 2);
  const close = '}'.repeat(depth - 2);
  return `query Deep { connection(id: "00000000-0000-4000-8000-000000000000") { ${open} id ${close} } }`;
}

function aliases(count: number): string {
  return `query Aliased { ${Array.from({ length: count }, (_, i) => `a${i}: defaultConnection { id }`).join(' ')} }`;
}

const PROD_KEY = `k1:${randomBytes(32).toString('base64')}`;

let dev: TestApp;
let prod: TestApp;
let sink: SmtpSink;

before(async () => {
  sink = await startSmtpSink({ tls: 'none' });
  // One token for both: on PGlite the two apps share typeorm-pglite's process-wide instance (one database).
  const BOOTSTRAP_API_KEY = generateToken().token;
  dev = await startTestApp({
    env: { BOOTSTRAP_API_KEY, EGRESS_ALLOWED_HOSTS: '127.0.0.1', EGRESS_ALLOWED_PORTS: `587,${sink.port}` },
  });
  prod = await startTestApp({ env: { BOOTSTRAP_API_KEY, NODE_ENV: 'production', SECRET_KEYS: PROD_KEY } });
});
after(async () => {
  await dev?.close();
  await prod?.close();
  await sink?.close();
});

describe('query limits (graphql-armor)', () => {
  test('depth 10 runs; depth 11 is refused before execution', async () => {
    const ten = await post(dev, { query: nested(10) });
    assert.equal(ten.status, 200, ten.text);
    assert.deepEqual(ten.json, { data: { connection: null } });
    refused(await post(dev, { query: nested(11) }), /Query depth limit of 10 exceeded/);
    refused(await post(prod, { query: nested(12) }), /depth limit of 10 exceeded/);
  });

  test('15 aliases run; 16 are refused', async () => {
    const fifteen = await post(dev, { query: aliases(15) });
    assert.equal(fifteen.status, 200, fifteen.text);
    assert.equal(Object.keys(fifteen.json.data).length, 15);
    refused(await post(dev, { query: aliases(16) }), /Aliases limit of 15 exceeded/);
  });

  test('more than 2000 tokens is refused', async () => {
    const query = `query Many { ${'__typename '.repeat(2100)} }`;
    refused(await post(dev, { query }), /Document contains more tha[nt] 2000 tokens/);
  });

  test('cost over 100,000 is refused; a full page of 200 connections with every field is not', async () => {
    const page = (alias: string) => `${alias}: connections(first: 200) { totalCount nodes { ${CONNECTION_FIELDS} } }`;
    const one = await post(dev, { query: `query OnePage { ${page('a')} }` });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.errors, undefined, one.text);
    // A literal first: multiplies the cost (about 60,000 a page), so two full pages in one request exceed it.
    refused(
      await post(dev, { query: `query TwoPages { ${page('a')} ${page('b')} }` }),
      /Cost limit of 100000 exceeded/,
    );
  });

  test('directives over 20 are refused', async () => {
    const query = `query Directed { __typename ${'@include(if: true) '.repeat(21)} }`;
    refused(await post(dev, { query }), /Directives limit of 20 exceeded/);
  });
});

describe('transport', () => {
  test('a batched request (JSON array body) is refused', async () => {
    const res = await post(dev, [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /batch/i);
    assert.ok(!res.text.includes('"__typename"'), 'neither operation ran');
  });

  test('CSRF: a text/plain POST and a simple GET with a query are refused by Apollo', async () => {
    const plain = await raw(dev, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { revokeApiKey(id: "00000000-0000-4000-8000-000000000000") { id } }' }),
    });
    refused(plain, /Cross-Site Request Forgery \(CSRF\)/);
    const form = await raw(dev, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B__typename%7D',
    });
    refused(form, /Cross-Site Request Forgery/);
    const get = await raw(dev, { method: 'GET', path: `?query=${encodeURIComponent('{ __typename }')}` });
    refused(get, /Cross-Site Request Forgery/);
    // The preflight header that a browser cannot send cross-site without CORS lets the same GET through.
    const preflighted = await raw(dev, {
      method: 'GET',
      path: `?query=${encodeURIComponent('{ __typename }')}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    assert.equal(preflighted.status, 200, preflighted.text);
    assert.deepEqual(preflighted.json, { data: { __typename: 'Query' } });
  });

  test('a body over 256 kB is refused with 413 and a JSON error, before authentication', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(300 * 1024) } });
    for (const t of [dev, prod]) {
      const res = await raw(t, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
        auth: false,
      });
      refused(res, /larger than the limit of 256kb/, 413);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    }
    const justUnder = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(250 * 1024) } });
    const fits = await post(dev, justUnder);
    assert.equal(fits.status, 200, fits.text.slice(0, 300));
  });

  test('malformed JSON is a JSON error, never an HTML page with a stack', async () => {
    for (const t of [dev, prod]) {
      const res = await raw(t, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
      refused(res, /could not be read/);
      assert.ok(!/<html|at .*\.js:\d+/i.test(res.text), res.text);
    }
  });
});

describe('production hides the schema', () => {
  const introspection = '{ __schema { queryType { name } } }';

  test('introspection works in development and is refused in production', async () => {
    const open = await post(dev, { query: introspection });
    assert.deepEqual(open.json, { data: { __schema: { queryType: { name: 'Query' } } } });
    refused(await post(prod, { query: introspection }), /introspection is not allowed/i);
    refused(await post(prod, { query: '{ __type(name: "Connection") { name } }' }), /introspection is not allowed/i);
  });

  test('the playground HTML is served in development only', async () => {
    const page = await raw(dev, { method: 'GET', headers: { accept: 'text/html' }, auth: false });
    assert.equal(page.status, 200);
    assert.match(page.text, /<html/i);
    const none = await raw(prod, { method: 'GET', headers: { accept: 'text/html' }, auth: false });
    assert.notEqual(none.status, 200);
    assert.ok(!/<html/i.test(none.text), none.text.slice(0, 200));
  });

  test('"did you mean" suggestions appear in development and never in production', async () => {
    const query = '{ connectionz { totalCount } }';
    const hinted = await post(dev, { query });
    refused(hinted, /Cannot query field "connectionz" on type "Query"\. Did you mean "connection/);
    const hidden = await post(prod, { query });
    refused(hidden, /Cannot query field "connectionz" on type "Query"/);
    assert.ok(!/did you mean/i.test(hidden.text), hidden.text);
    const badArg = await post(prod, { query: '{ connections(firts: 5) { totalCount } }' });
    assert.equal(badArg.json.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.ok(!/did you mean|"first"/i.test(badArg.text), badArg.text);
    const badEnum = await post(prod, { query: '{ connections(filter: { type: SMPT }) { totalCount } }' });
    assert.equal(badEnum.json.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.ok(!/did you mean|"SMTP"/i.test(badEnum.text), badEnum.text);
  });
});

describe('request ids and logs', () => {
  test('x-request-id is echoed when plain, generated otherwise, on every response kind', async () => {
    const echoed = await post(dev, { query: '{ __typename }' }, { 'x-request-id': 'req-abc.123' });
    assert.equal(echoed.headers.get('x-request-id'), 'req-abc.123');
    const generated = await post(dev, { query: '{ __typename }' });
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const hostile = await post(dev, { query: '{ __typename }' }, { 'x-request-id': 'a b<script>' });
    assert.match(hostile.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const long = await post(dev, { query: '{ __typename }' }, { 'x-request-id': 'x'.repeat(101) });
    assert.match(long.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const unauthenticated = await raw(dev, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-401' },
      body: JSON.stringify({ query: '{ __typename }' }),
      auth: false,
    });
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.headers.get('x-request-id'), 'req-401');
    const tooBig = await raw(dev, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-413' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(300 * 1024) } }),
    });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.headers.get('x-request-id'), 'req-413');
  });

  test('one debug line per request with id, operation, duration and codes; never variables or query text', async () => {
    const password = `Log-Canary-${randomBytes(6).toString('hex')}`;
    const input = {
      name: 'Logged',
      url: `127.0.0.1:${sink.port}`,
      tls: 'NONE',
      fromAddress: 'sender@example.com',
      auth: { basic: { username: 'logged@example.com', password } },
    };
    const created = await post(
      dev,
      { query: CREATE_CONNECTION, variables: { input } },
      { 'x-request-id': 'req-create' },
    );
    const id = created.json.data.createConnection.id as string;
    const sent = await post(
      dev,
      { query: SEND_TEST_EMAIL, variables: { id, to: 'admin@example.com' } },
      { 'x-request-id': 'req-send' },
    );
    assert.equal(sent.json.data.sendTestEmail.ok, true, sent.text);
    await post(dev, { query: CREATE_CONNECTION, variables: { input } }, { 'x-request-id': 'req-conflict' });
    await raw(dev, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-anon' },
      body: JSON.stringify({ query: '{ __typename }' }),
      auth: false,
    });

    const lines = dev.logs.map((line) => JSON.parse(line) as Record<string, any>);
    const byId = (id: string) => lines.filter((l) => l.requestId === id);
    const [create] = byId('req-create');
    assert.equal(byId('req-create').length, 1, 'exactly one line per request');
    assert.equal(create!.level, 20, 'debug');
    assert.equal(create!.operationName, 'CreateConnection');
    assert.equal(create!.operationType, 'mutation');
    assert.equal(create!.actor, 'apiKey:bootstrap');
    assert.equal(typeof create!.durationMs, 'number');
    assert.equal(create!.errorCodes, undefined);
    assert.deepEqual(byId('req-conflict')[0]!.errorCodes, ['CONFLICT']);
    assert.equal(byId('req-send')[0]!.operationName, 'SendTestEmail');
    assert.deepEqual(
      { status: byId('req-anon')[0]!.status, codes: byId('req-anon')[0]!.errorCodes },
      { status: 401, codes: ['UNAUTHENTICATED'] },
    );

    const text = dev.logs.join('\n');
    for (const needle of [
      password,
      Buffer.from(password).toString('base64'),
      'mutation CreateConnection',
      '"variables"',
    ]) {
      assert.ok(!text.includes(needle), `logs contain ${needle.slice(0, 12)}…`);
    }
    // nodemailer's own output (the SMTP conversation) goes to the transcript only, never to the logs.
    assert.ok(!/EHLO|AUTH PLAIN|\[nodemailer\]|msal/i.test(text), 'no nodemailer or MSAL output in the logs');
    assert.ok(sink.messages.length >= 1, 'a message was really sent');
  });

  test('no error anywhere carried a stack trace', () => {
    assert.ok(seen.length > 20);
    for (const res of seen) {
      assert.ok(!/stacktrace/i.test(res.text), res.text.slice(0, 300));
      assert.ok(!/\n\s+at .+:\d+:\d+/.test(res.text), res.text.slice(0, 300));
    }
  });
});
