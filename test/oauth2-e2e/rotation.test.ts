/**
 * Secret expiry dates and rotation without downtime, over GraphQL: expiringSecrets, rotateSecret with verify for
 * OAuth2 (the new secret must obtain a token first) and Basic (it must pass SMTP AUTH first); on failure the old
 * secret stays stored and keeps working; on success the old secret's cached tokens and MSAL clients are dropped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  TEST_TENANT_ID,
  type RegisteredClient,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import {
  assertNoLeak,
  badInput,
  EXCHANGE,
  leakForms,
  MAILBOX,
  oauth2Input,
  ok,
  RECIPIENT,
  startExchangeSink,
  startRecordedApp,
  type ExchangeSink,
  type RecordedApp,
} from './harness.js';
import { CREATE, EXPIRING, GET, ROTATE, SEND } from './operations.js';

const DAY = 86_400_000;
const ROTATING_CLIENT = 'b7c6d5e4-f3a2-4b1c-9d8e-7f6a5b4c3d2e';
const OLD_SECRET = 'Old~Secret.Value_canary-1111aaaa2222';
const NEW_SECRET = 'New~Secret.Value_canary-3333bbbb4444';
const BAD_SECRET = 'Bad~Secret.Value_canary-5555cccc6666';
const OLD_PASSWORD = 'Old-basic-Password-canary-77';
const NEW_PASSWORD = 'New-basic-Password-canary-88';
const WRONG_PASSWORD = 'Wrong-basic-Password-canary-99';

describe('secret expiry and rotation without downtime', () => {
  let endpoint: TokenEndpoint;
  let exchange: ExchangeSink;
  let basicSink: SmtpSink;
  let app: RecordedApp;
  // What the Basic sink accepts right now (the mail provider's current password).
  let serverPassword = OLD_PASSWORD;
  const oldSecret: RegisteredClient = { clientId: ROTATING_CLIENT, secret: OLD_SECRET };
  let names = 0;

  const posts = () => endpoint.requests.filter((r) => r.method === 'POST');
  async function create(
    clientId: string,
    clientSecret: string,
    extra: Record<string, unknown> = {},
  ): Promise<Record<string, any>> {
    names += 1;
    const input = oauth2Input(`Rotation ${names}`, exchange.sink, {
      clientId,
      clientSecret,
      tokenUrl: endpoint.tokenUrl(TEST_TENANT_ID),
      ...extra,
    });
    return ok(await app.gql(CREATE, { input })).createConnection;
  }
  const send = async (id: string) => ok(await app.gql(SEND, { id, to: RECIPIENT })).sendTestEmail;
  const get = async (id: string) => ok(await app.gql(GET, { id })).connection;

  before(async () => {
    endpoint = await startTokenEndpoint({
      clients: [{ clientId: TEST_CLIENT_ID, secret: TEST_CLIENT_SECRET }, oldSecret],
    });
    exchange = await startExchangeSink([endpoint]);
    basicSink = await startSmtpSink({
      tls: 'starttls',
      onAuth: (a) =>
        a.username === MAILBOX && a.password === serverPassword
          ? true
          : { code: 535, message: '5.7.8 Authentication credentials invalid' },
    });
    app = await startRecordedApp({ env: { OAUTH2_ALLOWED_TOKEN_HOSTS: endpoint.host }, caPems: [endpoint.caPem] });
  });
  after(async () => {
    await app.t.close();
    await exchange.sink.close();
    await basicSink.close();
    await endpoint.close();
  });

  test('secretExpiresAt on create, expiresAt on rotateSecret; expiringSecrets: window + already expired, soonest first', async () => {
    const now = Date.now();
    const iso = (offsetDays: number) => new Date(now + offsetDays * DAY).toISOString();
    const inFive = await create(TEST_CLIENT_ID, TEST_CLIENT_SECRET, { secretExpiresAt: iso(5) });
    const expired = await create(TEST_CLIENT_ID, TEST_CLIENT_SECRET, { secretExpiresAt: iso(-2) });
    const later = await create(TEST_CLIENT_ID, TEST_CLIENT_SECRET, { secretExpiresAt: iso(60) });
    const undated = await create(TEST_CLIENT_ID, TEST_CLIENT_SECRET);
    assert.equal(inFive.auth.clientSecret.expiresAt, iso(5));
    assert.equal(undated.auth.clientSecret.expiresAt, null);

    const rotated = ok(
      await app.gql(ROTATE, { id: undated.id, input: { secret: TEST_CLIENT_SECRET, expiresAt: iso(10) } }),
    ).rotateSecret;
    assert.equal(rotated.auth.clientSecret.expiresAt, iso(10));
    assert.equal(rotated.version, undated.version + 1);

    const within30 = ok(await app.gql(EXPIRING, { withinDays: 30 })).expiringSecrets as Array<Record<string, any>>;
    assert.deepEqual(
      within30.map((c) => c.id),
      [expired.id, inFive.id, undated.id],
      'expired first, then by date; the 60-day one left out',
    );
    const byDefault = ok(await app.gql(EXPIRING, {})).expiringSecrets as Array<Record<string, any>>;
    assert.deepEqual(
      byDefault.map((c) => c.id),
      within30.map((c) => c.id),
      'withinDays defaults to 30',
    );
    const within0 = ok(await app.gql(EXPIRING, { withinDays: 0 })).expiringSecrets as Array<Record<string, any>>;
    assert.deepEqual(
      within0.map((c) => c.id),
      [expired.id],
    );
    const within90 = ok(await app.gql(EXPIRING, { withinDays: 90 })).expiringSecrets as Array<Record<string, any>>;
    assert.deepEqual(
      within90.map((c) => c.id),
      [expired.id, inFive.id, undated.id, later.id],
    );
    assert.equal(badInput(await app.gql(EXPIRING, { withinDays: -1 })).fields[0]!.path, 'withinDays');
  });

  test('OAuth2 rotateSecret(verify) with a new registered secret → replaced; the next send fetches a token with it', async () => {
    const created = await create(ROTATING_CLIENT, OLD_SECRET);
    assert.equal((await send(created.id)).ok, true);
    assert.equal((await send(created.id)).ok, true);
    const clientsBefore = app.t.app.tokens.stats().msalClients;
    const before = posts().length;

    endpoint.addClient({ clientId: ROTATING_CLIENT, secret: NEW_SECRET }); // "New client secret" in Entra ID
    const expiresAt = new Date(Date.now() + 180 * DAY).toISOString();
    const response = await app.gql(ROTATE, { id: created.id, input: { secret: NEW_SECRET, expiresAt, verify: true } });
    const rotated = ok(response).rotateSecret;
    assert.equal(rotated.version, created.version + 1);
    assert.equal(rotated.auth.clientSecret.hint, `…${NEW_SECRET.slice(-4)}`);
    assert.equal(rotated.auth.clientSecret.expiresAt, expiresAt);
    const verifyCalls = posts().slice(before);
    assert.equal(verifyCalls.length, 1, 'verification obtained one token');
    assert.equal(verifyCalls[0]!.status, 200);
    for (const form of leakForms(NEW_SECRET)) assert.ok(!response.body.includes(form));

    // The old secret is deleted in Entra ID: anything still using it (or its cached token) would now fail.
    oldSecret.secretExpired = true;
    const afterRotation = posts().length;
    const result = await send(created.id);
    assert.equal(result.ok, true, JSON.stringify(result));
    const fresh = posts().slice(afterRotation);
    assert.equal(fresh.length, 1, 'the old cached token was dropped: one fresh token request');
    assert.equal(fresh[0]!.status, 200, 'and it succeeded, so it carried the new secret (the old one is refused now)');
    assert.equal(exchange.sink.authAttempts.at(-1)!.accessToken, endpoint.issuedTokens.at(-1)!.accessToken);
    assert.equal(
      app.t.app.tokens.stats().msalClients,
      clientsBefore,
      "the old secret's MSAL client (and the verification's) were dropped",
    );

    assert.equal((await send(created.id)).ok, true);
    assert.equal(posts().length - afterRotation, 1, 'the new token is cached');
    assert.ok(
      posts()
        .slice(afterRotation)
        .every((r) => r.status === 200),
      'the old secret was never used again',
    );
  });

  test('OAuth2 rotateSecret(verify) with a bad secret → BAD_USER_INPUT with stage and hint; the old secret stays and works', async () => {
    const created = await create(TEST_CLIENT_ID, TEST_CLIENT_SECRET, {
      secretExpiresAt: new Date(Date.now() + 20 * DAY).toISOString(),
    });
    assert.equal((await send(created.id)).ok, true);
    const before = await get(created.id);
    const clientsBefore = app.t.app.tokens.stats().msalClients;

    const response = await app.gql(ROTATE, {
      id: created.id,
      input: { secret: BAD_SECRET, expiresAt: new Date(Date.now() + 365 * DAY).toISOString(), verify: true },
    });
    const error = badInput(response);
    assert.equal(error.extensions.stage, 'TOKEN');
    assert.equal(error.extensions.errorCode, 'AADSTS7000215');
    assert.match(String(error.extensions.hint), /Secret ID/);
    assert.equal(error.fields[0]!.path, 'secret');
    assert.match(error.fields[0]!.message, /old secret is still stored/);
    for (const form of leakForms(BAD_SECRET))
      assert.ok(!response.body.includes(form), 'the rejected secret is not echoed');
    assert.equal(
      app.t.app.tokens.stats().msalClients,
      clientsBefore,
      'no MSAL client holding the rejected secret is kept',
    );

    const after = await get(created.id);
    assert.equal(after.version, before.version, 'nothing written');
    assert.deepEqual(after.auth.clientSecret, before.auth.clientSecret, 'hint, updatedAt and expiresAt unchanged');

    const beforeSend = posts().length;
    assert.equal((await send(created.id)).ok, true, 'the cached token of the stored secret still works');
    assert.equal(posts().length - beforeSend, 0);
    // A 535 forces a fresh token from the stored secret: it must still be the old, good one.
    exchange.controls.queue.push(EXCHANGE.authUnsuccessful);
    const forced = await send(created.id);
    assert.equal(forced.ok, true, JSON.stringify(forced));
    const refetched = posts().slice(beforeSend);
    assert.equal(refetched.length, 1);
    assert.equal(refetched[0]!.status, 200);
  });

  test('Basic rotateSecret(verify) against a server that accepts only the new password → replaced, sends work', async () => {
    const created = ok(
      await app.gql(CREATE, {
        input: {
          name: 'Basic rotation',
          url: `localhost:${basicSink.port}`,
          tls: 'STARTTLS',
          caCertificate: basicSink.ca.certPem,
          fromAddress: MAILBOX,
          auth: { basic: { username: MAILBOX, password: OLD_PASSWORD } },
        },
      }),
    ).createConnection;
    assert.equal((await send(created.id)).ok, true);

    serverPassword = NEW_PASSWORD; // the provider changed the password; the stored one no longer works
    const stale = await send(created.id);
    assert.equal(stale.ok, false);
    assert.equal(stale.stage, 'AUTH');

    const messages = basicSink.messages.length;
    const wrong = await app.gql(ROTATE, { id: created.id, input: { secret: WRONG_PASSWORD, verify: true } });
    const error = badInput(wrong);
    assert.equal(error.extensions.stage, 'AUTH');
    assert.equal(typeof error.extensions.hint, 'string');
    assert.match(String(error.extensions.hint), /username or password/);
    assert.equal((await get(created.id)).version, created.version, 'nothing written');
    assert.equal(basicSink.authAttempts.at(-1)!.password, WRONG_PASSWORD, 'the candidate was tried against the server');

    const rotated = ok(
      await app.gql(ROTATE, { id: created.id, input: { secret: NEW_PASSWORD, verify: true } }),
    ).rotateSecret;
    assert.equal(rotated.version, created.version + 1);
    assert.equal(rotated.auth.password.isSet, true);
    assert.equal(basicSink.messages.length, messages, 'verification sends nothing (AUTH only)');
    const result = await send(created.id);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(basicSink.messages.at(-1)!.user, MAILBOX);
    assert.equal(basicSink.authAttempts.at(-1)!.password, NEW_PASSWORD);
  });

  test('Basic rotateSecret(verify) with a wrong password while the old one works → refused; the old one keeps working', async () => {
    serverPassword = OLD_PASSWORD;
    const created = ok(
      await app.gql(CREATE, {
        input: {
          name: 'Basic rotation 2',
          url: `localhost:${basicSink.port}`,
          tls: 'STARTTLS',
          caCertificate: basicSink.ca.certPem,
          fromAddress: MAILBOX,
          auth: { basic: { username: MAILBOX, password: OLD_PASSWORD } },
        },
      }),
    ).createConnection;
    const error = badInput(await app.gql(ROTATE, { id: created.id, input: { secret: WRONG_PASSWORD, verify: true } }));
    assert.equal(error.extensions.stage, 'AUTH');
    const result = await send(created.id);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(basicSink.authAttempts.at(-1)!.password, OLD_PASSWORD);
  });

  test('canary: no secret, password or issued access token in any response body or log line', () => {
    const credentials = [
      TEST_CLIENT_SECRET,
      OLD_SECRET,
      NEW_SECRET,
      BAD_SECRET,
      OLD_PASSWORD,
      NEW_PASSWORD,
      WRONG_PASSWORD,
      ...endpoint.issuedTokens.map((t) => t.accessToken),
    ];
    assertNoLeak(app.bodies, credentials, 'response bodies');
    assertNoLeak(app.t.logs, credentials, 'log lines', { mayBeEmpty: true });
  });
});
