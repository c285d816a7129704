/**
 * Secrets never leave: a canary password and client secret go through create, update, rotate and tests,
 * and then appear in no response body and no log line, in any encoding. Reads never decrypt; a sealed
 * secret moved to another row fails to open and the test says what to do instead of crashing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTokenEndpoint, TEST_CLIENT_ID, TEST_TENANT_ID, type TokenEndpoint } from '../helpers/token-endpoint.js';
import {
  CONNECTION_BY_NAME,
  CONNECTIONS,
  CREATE_CONNECTION,
  ROTATE_SECRET,
  SEND_TEST_EMAIL,
  TEST_CONNECTION_SETTINGS,
  UPDATE_CONNECTION,
} from './operations.js';
import { assertBadInput, basicInput, fetchConnection, ok, secretForms, startApiApp } from './support.js';

const TAG = 'CANARY-7f3a91c2';
const PASSWORD = `${TAG}-password-Zq`;
const ROTATED = `${TAG}-rotated-Wx`;
const WRONG = `${TAG}-wrong-password`;
const CLIENT_SECRET = `${TAG}-client~secret.Vk`;
const ROTATED_CLIENT_SECRET = `${TAG}-client~rotated.Jm`;
const USERNAME = 'reports@example.com';
const ALL = [PASSWORD, ROTATED, WRONG, CLIENT_SECRET, ROTATED_CLIENT_SECRET];

let t: TestApp & { bodies: string[] };
let sink: SmtpSink;
let endpoint: TokenEndpoint;
const accepted = new Set([PASSWORD, ROTATED]);

before(async () => {
  endpoint = await startTokenEndpoint({ clients: [{ clientId: TEST_CLIENT_ID, secret: CLIENT_SECRET }] });
  sink = await startSmtpSink({
    tls: 'starttls',
    authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
    onAuth: (attempt) =>
      attempt.accessToken !== undefined
        ? endpoint.isIssued(attempt.accessToken) || { code: 535, message: '5.7.3 Authentication unsuccessful' }
        : accepted.has(attempt.password ?? '') || { code: 535, message: '5.7.8 Authentication credentials invalid' },
  });
  t = await startApiApp({
    sinkPorts: [sink.port],
    caPems: [endpoint.caPem],
    env: { OAUTH2_ALLOWED_TOKEN_HOSTS: endpoint.host },
  });
});
after(async () => {
  await t?.close();
  await sink?.close();
  await endpoint?.close();
});

type Json = any;

function sinkBasic(name: string, password: string): Record<string, unknown> {
  return basicInput(
    { name, url: `localhost:${sink.port}`, caCertificate: sink.ca.certPem, fromAddress: 'sender@example.com' },
    password,
  );
}

function sinkOAuth2(name: string, clientSecret: string): Record<string, unknown> {
  return {
    name,
    url: `localhost:${sink.port}`,
    caCertificate: sink.ca.certPem,
    fromAddress: 'sender@contoso.com',
    auth: {
      oauth2ClientCredentials: {
        username: 'sender@contoso.com',
        clientId: TEST_CLIENT_ID,
        clientSecret,
        tokenUrl: endpoint.tokenUrl(TEST_TENANT_ID),
      },
    },
  };
}

async function sealed(id: string): Promise<string> {
  const rows: Array<{ secret_sealed: string }> = await t.app.dataSource.query(
    'SELECT secret_sealed FROM connection WHERE id = $1',
    [id],
  );
  return rows[0]!.secret_sealed;
}

/** Everything a leak could look like: each canary raw, trimmed, base64(url), URL-encoded, and inside SASL PLAIN. */
function needles(): string[] {
  const forms = ALL.flatMap((secret) => [
    ...secretForms(secret),
    Buffer.from(`\0${USERNAME}\0${secret}`).toString('base64'),
    Buffer.from(`${USERNAME}\0${secret}`).toString('base64'),
  ]);
  return [...new Set([TAG, ...forms])];
}

describe('canary secrets through every operation', () => {
  const ids: Record<string, string> = {};

  test('create Basic and OAuth2 with canaries; a test email authenticates with the exact password', async () => {
    const basic = ok(await t.gql(CREATE_CONNECTION, { input: sinkBasic('Canary Basic', PASSWORD) })).createConnection;
    ids.basic = basic.id;
    assert.equal(basic.auth.password.isSet, true);
    assert.equal(basic.auth.password.hint, `…${PASSWORD.slice(-4)}`);
    const sent = ok(await t.gql(SEND_TEST_EMAIL, { id: basic.id, to: 'admin@example.com' })).sendTestEmail;
    assert.equal(sent.ok, true, JSON.stringify(sent));
    assert.equal(sink.authAttempts.at(-1)?.password, PASSWORD);
    assert.ok(
      sent.transcript.some((line: string) => /AUTH/i.test(line)),
      'the transcript shows the AUTH step, masked',
    );
    ok(await t.gql(SEND_TEST_EMAIL, { id: basic.id, to: 'admin@example.com', dryRun: true }));

    const oauth = ok(
      await t.gql(CREATE_CONNECTION, { input: sinkOAuth2('Canary OAuth2', CLIENT_SECRET) }),
    ).createConnection;
    ids.oauth = oauth.id;
    assert.equal(oauth.auth.clientSecret.hint, `…${CLIENT_SECRET.slice(-4)}`);
    const oauthSent = ok(await t.gql(SEND_TEST_EMAIL, { id: oauth.id, to: 'admin@example.com' })).sendTestEmail;
    assert.equal(typeof oauthSent.ok, 'boolean', 'a result, not an error, whatever the OAuth2 state');
  });

  test('a wrong password: AUTH 535 result without the password', async () => {
    const wrong = ok(await t.gql(CREATE_CONNECTION, { input: sinkBasic('Canary Wrong', WRONG) })).createConnection;
    const sent = ok(await t.gql(SEND_TEST_EMAIL, { id: wrong.id, to: 'admin@example.com' })).sendTestEmail;
    assert.equal(sent.ok, false);
    assert.equal(sent.stage, 'AUTH');
    assert.equal(sent.smtpCode, 535);
  });

  test('update with the secret re-entered, and a failing update that carries it', async () => {
    ok(
      await t.gql(UPDATE_CONNECTION, {
        id: ids.basic,
        input: { tls: 'STARTTLS', url: `127.0.0.1:${sink.port}`, secret: PASSWORD },
      }),
    );
    assertBadInput(
      await t.gql(UPDATE_CONNECTION, { id: ids.basic, input: { url: 'smtp.example.com', secret: PASSWORD } }),
      'url',
    );
    assertBadInput(await t.gql(CREATE_CONNECTION, { input: sinkBasic('', PASSWORD) }), 'name');
    const typed = await t.gql(CREATE_CONNECTION, {
      input: { ...sinkBasic('Typed', PASSWORD), auth: { basic: { username: USERNAME, password: [PASSWORD] } } },
    });
    assertBadInput(typed, 'auth.basic.password');
    const unknownField = await t.gql(CREATE_CONNECTION, {
      input: { ...sinkBasic('Unknown', PASSWORD), colour: `x; ${PASSWORD}` },
    });
    assert.equal(unknownField.errors?.[0]?.extensions.code, 'BAD_USER_INPUT');
    ok(await t.gql(UPDATE_CONNECTION, { id: ids.oauth, input: { secret: CLIENT_SECRET } }));
    ok(await t.gql(SEND_TEST_EMAIL, { id: ids.basic, to: 'admin@example.com' }));
  });

  test('rotate (with verify) and test unsaved settings with canaries', async () => {
    const rotated = ok(
      await t.gql(ROTATE_SECRET, { id: ids.basic, input: { secret: ROTATED, verify: true } }),
    ).rotateSecret;
    assert.equal(rotated.auth.password.hint, `…${ROTATED.slice(-4)}`);
    const refused = await t.gql(ROTATE_SECRET, { id: ids.basic, input: { secret: WRONG, verify: true } });
    assertBadInput(refused, 'secret', 'did not work');
    endpoint.addClient({ clientId: TEST_CLIENT_ID, secret: ROTATED_CLIENT_SECRET });
    ok(await t.gql(ROTATE_SECRET, { id: ids.oauth, input: { secret: ROTATED_CLIENT_SECRET } }));
    ok(await t.gql(SEND_TEST_EMAIL, { id: ids.oauth, to: 'admin@example.com', dryRun: true }));
    const settings = ok(
      await t.gql(TEST_CONNECTION_SETTINGS, { input: sinkBasic('Unsaved', ROTATED), to: 'admin@example.com' }),
    ).testConnectionSettings;
    assert.equal(settings.ok, true, JSON.stringify(settings));
    ok(
      await t.gql(TEST_CONNECTION_SETTINGS, {
        input: sinkBasic('Unsaved', WRONG),
        to: 'admin@example.com',
        dryRun: true,
      }),
    );
    ok(
      await t.gql(TEST_CONNECTION_SETTINGS, {
        input: sinkOAuth2('Unsaved OAuth2', ROTATED_CLIENT_SECRET),
        to: 'admin@example.com',
      }),
    );
    ok(await t.gql(CONNECTIONS, { first: 200 }));
  });

  test('stored secrets are v1 envelopes that contain no form of the plaintext', async () => {
    for (const [id, plain] of [
      [ids.basic!, ROTATED],
      [ids.oauth!, ROTATED_CLIENT_SECRET],
    ] as const) {
      const value = await sealed(id);
      assert.match(value, /^v1:test:[A-Za-z0-9+/]+={0,2}$/);
      for (const form of [...secretForms(plain), TAG]) assert.ok(!value.includes(form));
    }
    assert.notEqual(await sealed(ids.basic!), await sealed(ids.oauth!));
  });

  test('no canary in any response body, nor in any log line', () => {
    assert.ok(t.bodies.length >= 15, `bodies recorded: ${t.bodies.length}`);
    assert.ok(t.logs.length > 0, 'logs were captured');
    const found: string[] = [];
    for (const needle of needles()) {
      t.bodies.forEach((body, i) => body.includes(needle) && found.push(`response ${i} has "${needle.slice(0, 12)}…"`));
      t.logs.forEach((line, i) => line.includes(needle) && found.push(`log line ${i} has "${needle.slice(0, 12)}…"`));
    }
    assert.deepEqual(found, []);
  });
});

describe('reads never decrypt; a moved ciphertext fails safely', () => {
  test('reads work with an unreadable sealed secret: they never open it', async () => {
    const c = ok(await t.gql(CREATE_CONNECTION, { input: sinkBasic('Garbled', PASSWORD) })).createConnection;
    await t.app.dataSource.query(
      `UPDATE connection SET secret_sealed = 'v1:test:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = $1`,
      [c.id],
    );
    const read = await fetchConnection(t, c.id);
    assert.deepEqual(read.auth.password, c.auth.password);
    assert.equal(ok(await t.gql(CONNECTION_BY_NAME, { name: 'garbled' })).connectionByName.id, c.id);
    assert.ok(ok(await t.gql(CONNECTIONS, { first: 200 })).connections.nodes.some((n: Json) => n.id === c.id));
    const sent = ok(await t.gql(SEND_TEST_EMAIL, { id: c.id, to: 'admin@example.com' })).sendTestEmail;
    assert.equal(sent.ok, false);
    assert.equal(sent.stage, 'CONFIG');
  });

  test("another row's ciphertext: sendTestEmail → ok:false, stage CONFIG, a hint to re-enter the secret; nothing sent, nothing leaked", async () => {
    const victim = ok(await t.gql(CREATE_CONNECTION, { input: sinkBasic('Victim', PASSWORD) })).createConnection;
    const donor = ok(await t.gql(CREATE_CONNECTION, { input: sinkBasic('Donor', ROTATED) })).createConnection;
    await t.app.dataSource.query(
      'UPDATE connection SET secret_sealed = (SELECT secret_sealed FROM connection WHERE id = $2) WHERE id = $1',
      [victim.id, donor.id],
    );
    assert.equal(await sealed(victim.id), await sealed(donor.id));
    const attempts = sink.authAttempts.length;
    const logLines = t.logs.length;
    const res = await t.gql(SEND_TEST_EMAIL, { id: victim.id, to: 'admin@example.com' });
    const sent = ok(res).sendTestEmail;
    assert.equal(sent.ok, false);
    assert.equal(sent.stage, 'CONFIG');
    assert.equal(sent.errorCode, 'SECRET_UNREADABLE');
    assert.match(sent.hint, /re-enter the password or client secret/);
    assert.equal(sink.authAttempts.length, attempts, 'no AUTH was attempted with anything');
    for (const needle of needles()) {
      assert.ok(!res.body.includes(needle));
      assert.ok(t.logs.slice(logLines).every((line) => !line.includes(needle)));
    }
    assert.equal((await fetchConnection(t, victim.id)).lastTest.stage, 'CONFIG', 'the outcome is saved as lastTest');
    assert.equal(
      ok(await t.gql(SEND_TEST_EMAIL, { id: donor.id, to: 'admin@example.com' })).sendTestEmail.ok,
      true,
      'the donor still works',
    );
    ok(await t.gql(ROTATE_SECRET, { id: victim.id, input: { secret: PASSWORD } }));
    assert.equal(
      ok(await t.gql(SEND_TEST_EMAIL, { id: victim.id, to: 'admin@example.com' })).sendTestEmail.ok,
      true,
      'rotating repairs it',
    );
  });
});

describe('hints', () => {
  const cases: Array<[string, string | null]> = [
    ['fifteen-chars-1', null],
    ['sixteen-chars-12', '…s-12'],
    ['abcdefghijklmn😀', null], // 15 characters (16 UTF-16 units)
    ['abcdefghijklmno😀', '…mno😀'], // 16 characters
    ['  spaced secret value  ', '…ue  '],
  ];
  for (const [secret, hint] of cases) {
    test(`"${secret}" (${Array.from(secret).length} characters) → hint ${hint === null ? 'null' : `"${hint}"`}, on create and on rotate`, async () => {
      const created = ok(
        await t.gql(CREATE_CONNECTION, { input: basicInput({ name: `Hint ${secret}` }, secret) }),
      ).createConnection;
      assert.equal(created.auth.password.hint, hint);
      const rotated = ok(await t.gql(ROTATE_SECRET, { id: created.id, input: { secret: `x${secret}` } })).rotateSecret;
      const expected = Array.from(`x${secret}`).length >= 16 ? `…${Array.from(secret).slice(-4).join('')}` : null;
      assert.equal(rotated.auth.password.hint, expected);
    });
  }
});
