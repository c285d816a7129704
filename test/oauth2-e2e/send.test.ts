/**
 * OAuth2 client credentials over GraphQL, end to end: createConnection → sendTestEmail through an Entra-like token
 * endpoint (MSAL path and generic RFC 6749 path) and an Exchange-like SMTP sink; token reuse, expiry, the one forced
 * refresh on 535, and each SMTP-side diagnosis.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startTokenEndpoint,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  TEST_TENANT_ID,
  type TokenEndpoint,
} from '../helpers/token-endpoint.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { TokenProvider } from '../../src/oauth2/token-provider.js';
import { TOKEN_RETRY_NOTE } from '../../src/mail/smtp-test.js';
import {
  assertNoLeak,
  EXCHANGE,
  MAILBOX,
  oauth2Input,
  ok,
  RECIPIENT,
  sleep,
  SMTP_SCOPE,
  startExchangeSink,
  startRecordedApp,
  type ExchangeSink,
  type RecordedApp,
} from './harness.js';
import { CREATE, SEND } from './operations.js';

const BASIC_PASSWORD = 'Basic-canary-Password-4711!';

describe('OAuth2 sendTestEmail end to end', () => {
  let endpoint: TokenEndpoint;
  let exchange: ExchangeSink;
  let sink: SmtpSink;
  let app: RecordedApp;
  // The generic token cache reads this clock; MSAL reads the system time.
  let clockOffsetMs = 0;
  const extraSinks: SmtpSink[] = [];
  let names = 0;

  const posts = (): number => endpoint.tokenRequests;
  const lastPost = () => endpoint.requests.filter((r) => r.method === 'POST').at(-1)!;

  async function create(
    auth: Partial<Parameters<typeof oauth2Input>[2]> = {},
    target: SmtpSink = sink,
  ): Promise<string> {
    names += 1;
    const data = ok(
      await app.gql(CREATE, {
        input: oauth2Input(`OAuth2 ${names}`, target, {
          clientId: TEST_CLIENT_ID,
          clientSecret: TEST_CLIENT_SECRET,
          tokenUrl: endpoint.tokenUrl(TEST_TENANT_ID),
          ...auth,
        }),
      }),
    );
    return data.createConnection.id as string;
  }

  async function send(id: string, dryRun = false): Promise<Record<string, any>> {
    return ok(await app.gql(SEND, { id, to: RECIPIENT, dryRun })).sendTestEmail;
  }

  before(async () => {
    endpoint = await startTokenEndpoint();
    exchange = await startExchangeSink([endpoint]);
    sink = exchange.sink;
    app = await startRecordedApp({
      env: { OAUTH2_ALLOWED_TOKEN_HOSTS: endpoint.host },
      caPems: [endpoint.caPem],
      tokens: new TokenProvider({
        caPems: [endpoint.caPem],
        timeoutMs: 3_000,
        clock: { now: () => Date.now() + clockOffsetMs },
      }),
    });
  });
  after(async () => {
    await app.t.close();
    await sink.close();
    await Promise.all(extraSinks.map((s) => s.close()));
    await endpoint.close();
  });

  test('happy path, Microsoft token URL (MSAL): DONE, the sink got the message, XOAUTH2 user= is the mailbox', async () => {
    const created = ok(
      await app.gql(CREATE, {
        input: oauth2Input('Office 365', sink, {
          clientId: TEST_CLIENT_ID,
          clientSecret: TEST_CLIENT_SECRET,
          tokenUrl: endpoint.tokenUrl(TEST_TENANT_ID),
        }),
      }),
    ).createConnection;
    assert.equal(created.auth.__typename, 'OAuth2ClientCredentials');
    assert.equal(created.auth.tenantId, TEST_TENANT_ID);
    assert.equal(created.auth.scope, SMTP_SCOPE, 'scope defaults to the Exchange Online resource');
    assert.equal(created.auth.clientAuthType, 'SEND_CLIENT_CREDENTIALS_IN_BODY');
    assert.equal(created.auth.clientSecret.isSet, true);

    const before = { posts: posts(), messages: sink.messages.length, attempts: sink.authAttempts.length };
    const result = await send(created.id);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.stage, 'DONE');
    assert.ok(result.messageId, 'a messageId when ok');
    assert.equal(result.hint, null);

    assert.equal(posts() - before.posts, 1, 'one token request');
    const tokenRequest = lastPost();
    assert.equal(tokenRequest.path, `/${TEST_TENANT_ID}/oauth2/v2.0/token`);
    assert.equal(tokenRequest.grantType, 'client_credentials');
    assert.equal(tokenRequest.clientId, TEST_CLIENT_ID);
    assert.equal(tokenRequest.scope, SMTP_SCOPE);
    assert.equal(tokenRequest.credentialsIn, 'body', 'MSAL sends the secret in the form body');
    assert.equal(tokenRequest.status, 200);

    assert.equal(sink.messages.length - before.messages, 1);
    const message = sink.messages.at(-1)!;
    assert.equal(message.user, MAILBOX);
    assert.equal(message.mailFrom, MAILBOX);
    assert.deepEqual(message.rcptTo, [RECIPIENT]);
    assert.equal(sink.authAttempts.length - before.attempts, 1);
    const attempt = sink.authAttempts.at(-1)!;
    assert.equal(attempt.method, 'XOAUTH2');
    assert.equal(attempt.username, MAILBOX);
    assert.equal(attempt.accessToken, endpoint.issuedTokens.at(-1)!.accessToken, 'the token the endpoint issued last');
    assert.ok(result.transcript.includes('C: AUTH XOAUTH2 ***'), 'the SASL string is masked in the transcript');
    assert.ok(result.transcript.includes('* fetching access token'));
  });

  test('generic RFC 6749 endpoint, SEND_CLIENT_CREDENTIALS_IN_BODY: client_id/client_secret in the form body', async () => {
    endpoint.genericClientAuth = 'client_secret_post';
    try {
      const id = await create({
        tokenUrl: endpoint.genericTokenUrl,
        clientAuthType: 'SEND_CLIENT_CREDENTIALS_IN_BODY',
      });
      const before = { posts: posts(), messages: sink.messages.length };
      const result = await send(id);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.stage, 'DONE');
      assert.equal(posts() - before.posts, 1);
      const seen = lastPost();
      assert.equal(seen.path, '/token');
      assert.equal(seen.credentialsIn, 'body');
      assert.equal(seen.clientId, TEST_CLIENT_ID);
      assert.equal(seen.scope, SMTP_SCOPE);
      assert.equal(seen.status, 200);
      assert.equal(sink.messages.length - before.messages, 1);
      assert.equal(sink.messages.at(-1)!.user, MAILBOX);
    } finally {
      endpoint.genericClientAuth = 'any';
    }
  });

  test('generic RFC 6749 endpoint, BASIC_AUTH_HEADER: credentials in HTTP Basic, none in the body', async () => {
    endpoint.genericClientAuth = 'client_secret_basic';
    try {
      const id = await create({ tokenUrl: endpoint.genericTokenUrl, clientAuthType: 'BASIC_AUTH_HEADER' });
      const before = { posts: posts(), messages: sink.messages.length };
      const result = await send(id);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(posts() - before.posts, 1);
      const seen = lastPost();
      assert.equal(seen.path, '/token');
      assert.equal(seen.credentialsIn, 'basic', 'the endpoint decoded the client id and secret from the Basic header');
      assert.equal(seen.clientId, TEST_CLIENT_ID);
      assert.equal(seen.status, 200);
      assert.equal(sink.messages.length - before.messages, 1);
    } finally {
      endpoint.genericClientAuth = 'any';
    }
  });

  test('generic endpoint that only takes Basic, connection sends body → stage TOKEN invalid_client, hint names the other clientAuthType', async () => {
    endpoint.genericClientAuth = 'client_secret_basic';
    try {
      const id = await create({
        tokenUrl: endpoint.genericTokenUrl,
        clientAuthType: 'SEND_CLIENT_CREDENTIALS_IN_BODY',
      });
      const result = await send(id);
      assert.equal(result.ok, false);
      assert.equal(result.stage, 'TOKEN');
      assert.equal(result.errorCode, 'invalid_client');
      assert.match(result.hint, /BASIC_AUTH_HEADER/);
      assert.equal(lastPost().credentialsIn, 'body');
    } finally {
      endpoint.genericClientAuth = 'any';
    }
  });

  test('token reuse: 20 sends → exactly 1 token request, one token for all 20 AUTHs', async () => {
    const id = await create();
    const before = {
      posts: posts(),
      stats: app.t.app.tokens.stats().tokenRequests,
      messages: sink.messages.length,
      attempts: sink.authAttempts.length,
    };
    for (let i = 0; i < 20; i += 1) {
      const result = await send(id);
      assert.equal(result.ok, true, `send ${i + 1}: ${JSON.stringify(result)}`);
    }
    assert.equal(posts() - before.posts, 1, 'the endpoint saw exactly one token request');
    assert.equal(app.t.app.tokens.stats().tokenRequests - before.stats, 1, 'the provider sent exactly one');
    assert.equal(sink.messages.length - before.messages, 20);
    const tokens = new Set(sink.authAttempts.slice(before.attempts).map((a) => a.accessToken));
    assert.equal(tokens.size, 1);
  });

  test('token reuse under concurrency: 8 parallel sends on a cold cache → exactly 1 token request', async () => {
    const id = await create();
    const before = posts();
    const results = await Promise.all(Array.from({ length: 8 }, () => send(id)));
    assert.deepEqual(
      results.map((r) => r.ok),
      Array(8).fill(true),
    );
    assert.equal(posts() - before, 1);
  });

  test('MSAL: a token that expires between two sends → both ok, exactly two token requests', async () => {
    // MSAL renews 300 s before expiry, so a 303 s token is usable for about 3 s.
    endpoint.expiresIn = 303;
    try {
      const id = await create();
      const before = posts();
      const first = await send(id);
      assert.equal(first.ok, true, JSON.stringify(first));
      assert.equal(posts() - before, 1);
      await sleep(4_500);
      const second = await send(id);
      assert.equal(second.ok, true, JSON.stringify(second));
      assert.equal(posts() - before, 2, 'two token requests total');
      const [a, b] = endpoint.issuedTokens.slice(-2);
      assert.notEqual(a!.accessToken, b!.accessToken);
    } finally {
      endpoint.expiresIn = 3599;
    }
  });

  test('generic path with a moved clock: reuse within the lifetime, one refresh after it', async () => {
    const id = await create({ tokenUrl: endpoint.genericTokenUrl });
    const before = posts();
    assert.equal((await send(id)).ok, true);
    assert.equal((await send(id)).ok, true);
    assert.equal(posts() - before, 1, 'reused inside the lifetime');
    clockOffsetMs += 3_600_000;
    try {
      const second = await send(id);
      assert.equal(second.ok, true, JSON.stringify(second));
      assert.equal(posts() - before, 2, 'two token requests total');
      assert.equal((await send(id)).ok, true);
      assert.equal(posts() - before, 2, 'the refreshed token is cached again');
    } finally {
      clockOffsetMs = 0;
    }
  });

  test('535 5.7.3 on the first AUTH, then accepted → ok, exactly one extra (forced) token request', async () => {
    const id = await create();
    assert.equal((await send(id)).ok, true); // warms the cache
    const before = { posts: posts(), attempts: sink.authAttempts.length };
    exchange.controls.queue.push(EXCHANGE.authUnsuccessful);
    const result = await send(id);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.stage, 'DONE');
    assert.equal(posts() - before.posts, 1, 'one forced refresh, the cache skipped');
    assert.equal(sink.authAttempts.length - before.attempts, 2, 'two AUTH attempts');
    const [first, second] = sink.authAttempts.slice(before.attempts);
    assert.notEqual(first!.accessToken, second!.accessToken, 'the retry used the fresh token');
    assert.ok(
      result.transcript.includes(TOKEN_RETRY_NOTE) ||
        result.transcript.some((l: string) => l.includes(TOKEN_RETRY_NOTE)),
    );
  });

  test('535 5.7.3 every time → AUTH, one forced refresh only (no loop), hint names New-ServicePrincipal and Add-MailboxPermission', async () => {
    const id = await create();
    assert.equal((await send(id)).ok, true);
    const before = { posts: posts(), attempts: sink.authAttempts.length };
    exchange.controls.always = EXCHANGE.authUnsuccessful;
    try {
      const result = await send(id);
      assert.equal(result.ok, false);
      assert.equal(result.stage, 'AUTH');
      assert.equal(result.smtpCode, 535);
      assert.equal(result.enhancedCode, '5.7.3');
      assert.match(result.hint, /New-ServicePrincipal/);
      assert.match(result.hint, /Add-MailboxPermission/);
      assert.match(result.hint, /https:\/\/outlook\.office365\.com\/\.default/);
      assert.equal(posts() - before.posts, 1, 'exactly one forced refresh');
      assert.equal(sink.authAttempts.length - before.attempts, 2, 'two attempts, never more');
    } finally {
      exchange.controls.always = null;
    }
  });

  test('user= not the mailbox → the sink refuses with 535 5.7.3 and the hint says to check user=', async () => {
    const id = await create({ username: 'someone.else@contoso.com' });
    const result = await send(id);
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'AUTH');
    assert.equal(result.enhancedCode, '5.7.3');
    assert.match(result.hint, /user=/);
    assert.equal(sink.authAttempts.at(-1)!.username, 'someone.else@contoso.com');
  });

  test('535 5.7.139 (SMTP AUTH disabled) → AUTH, no token refetch, hint Set-CASMailbox -SmtpClientAuthenticationDisabled', async () => {
    const id = await create();
    assert.equal((await send(id)).ok, true);
    const before = { posts: posts(), attempts: sink.authAttempts.length };
    exchange.controls.always = EXCHANGE.smtpAuthDisabled;
    try {
      const result = await send(id);
      assert.equal(result.ok, false);
      assert.equal(result.stage, 'AUTH');
      assert.equal(result.smtpCode, 535);
      assert.equal(result.enhancedCode, '5.7.139');
      assert.match(result.hint, /Set-CASMailbox/);
      assert.match(result.hint, /SmtpClientAuthenticationDisabled \$false/);
      assert.match(result.serverResponse, /5\.7\.139/);
      assert.equal(posts() - before.posts, 0, 'no token request: a new token cannot fix a policy error');
      assert.equal(sink.authAttempts.length - before.attempts, 1, 'no retry');
      assert.ok(!result.transcript.some((l: string) => l.includes(TOKEN_RETRY_NOTE)));
    } finally {
      exchange.controls.always = null;
    }
  });

  test('554 5.2.252 SendAsDenied after DATA → hint about fromAddress and Send As', async () => {
    const denying = await startExchangeSink([endpoint], { rejectData: EXCHANGE.sendAsDenied });
    extraSinks.push(denying.sink);
    const id = await create({}, denying.sink);
    const result = await send(id);
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'MESSAGE');
    assert.equal(result.smtpCode, 554);
    assert.equal(result.enhancedCode, '5.2.252');
    assert.match(result.hint, /fromAddress/);
    assert.match(result.hint, /Send As/);
  });

  test('550 5.7.60 at MAIL FROM → stage SENDER, hint about fromAddress and Send As', async () => {
    const denying = await startExchangeSink([endpoint], { rejectMailFrom: EXCHANGE.sendAsNoPermission });
    extraSinks.push(denying.sink);
    const id = await create({}, denying.sink);
    const result = await send(id);
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'SENDER');
    assert.equal(result.smtpCode, 550);
    assert.equal(result.enhancedCode, '5.7.60');
    assert.match(result.hint, /fromAddress/);
    assert.match(result.hint, /Send As/);
  });

  test('server does not advertise AUTH XOAUTH2 → stage AUTH, the capability named, the token never sent', async () => {
    const plainOnly = await startSmtpSink({ tls: 'starttls', authMethods: ['PLAIN', 'LOGIN'] });
    extraSinks.push(plainOnly);
    const id = await create({}, plainOnly);
    const result = await send(id);
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'AUTH');
    assert.equal(result.errorCode, 'XOAUTH2_NOT_OFFERED');
    assert.match(result.hint, /AUTH XOAUTH2/);
    assert.equal(plainOnly.authAttempts.length, 0, 'no AUTH command carried the token');
  });

  test('550 5.7.30 on a Basic connection → AUTH, hint: switch to OAuth2', async () => {
    const basicSink = await startSmtpSink({ tls: 'starttls', onAuth: () => EXCHANGE.basicNotSupported });
    extraSinks.push(basicSink);
    const created = ok(
      await app.gql(CREATE, {
        input: {
          name: 'Basic 5.7.30',
          url: `localhost:${basicSink.port}`,
          tls: 'STARTTLS',
          caCertificate: basicSink.ca.certPem,
          fromAddress: MAILBOX,
          auth: { basic: { username: MAILBOX, password: BASIC_PASSWORD } },
        },
      }),
    ).createConnection;
    const result = await send(created.id);
    assert.equal(result.ok, false);
    assert.equal(result.stage, 'AUTH');
    assert.equal(result.smtpCode, 550);
    assert.equal(result.enhancedCode, '5.7.30');
    assert.match(result.hint, /OAuth2/);
    assert.match(result.hint, /[Ss]witch/);
    assert.equal(basicSink.authAttempts.at(-1)!.password, BASIC_PASSWORD, 'the password did reach the server');
  });

  test('canary: no client secret, password or issued access token in any response body or log line', () => {
    assert.ok(endpoint.issuedTokens.length >= 10, 'tokens were issued');
    const credentials = [TEST_CLIENT_SECRET, BASIC_PASSWORD, ...endpoint.issuedTokens.map((t) => t.accessToken)];
    assertNoLeak(app.bodies, credentials, 'response bodies');
    // The app logs little on this path (no request log); whatever it logged must be clean.
    assertNoLeak(app.t.logs, credentials, 'log lines', { mayBeEmpty: true });
  });
});

describe('testConnectionSettings with OAuth2 leaves no MSAL client and no cached token behind', () => {
  // Its own app: the stored connections above keep their clients and tokens, which would hide a leak here.
  let endpoint: TokenEndpoint;
  let exchange: ExchangeSink;
  let app: RecordedApp;
  before(async () => {
    endpoint = await startTokenEndpoint();
    exchange = await startExchangeSink([endpoint]);
    app = await startRecordedApp({
      env: { OAUTH2_ALLOWED_TOKEN_HOSTS: endpoint.host },
      caPems: [endpoint.caPem],
      tokens: new TokenProvider({ caPems: [endpoint.caPem], timeoutMs: 3_000 }),
    });
  });
  after(async () => {
    await app.t.close();
    await exchange.sink.close();
    await endpoint.close();
  });

  const TEST_SETTINGS = `mutation TestSettings($input: CreateConnectionInput!, $to: EmailAddress!, $dryRun: Boolean) {
    testConnectionSettings(input: $input, to: $to, dryRun: $dryRun) { ok stage errorCode hint }
  }`;

  for (const [path, tokenUrl] of [
    ['Microsoft token URL (MSAL)', () => endpoint.tokenUrl(TEST_TENANT_ID)],
    ['generic token URL', () => endpoint.genericTokenUrl],
  ] as const) {
    test(`${path}: three tests of unsaved settings → each fetched a token and sent; afterwards 0 MSAL clients and 0 cached tokens`, async () => {
      const before = { posts: endpoint.tokenRequests, messages: exchange.sink.messages.length };
      for (let i = 0; i < 3; i += 1) {
        const result = ok(
          await app.gql(TEST_SETTINGS, {
            input: oauth2Input(`Unsaved ${i}`, exchange.sink, {
              clientId: TEST_CLIENT_ID,
              clientSecret: TEST_CLIENT_SECRET,
              tokenUrl: tokenUrl(),
            }),
            to: RECIPIENT,
            dryRun: i === 0,
          }),
        ).testConnectionSettings;
        assert.equal(result.ok, true, JSON.stringify(result));
        assert.equal(result.stage, 'DONE');
      }
      // A failed token request leaves nothing behind either.
      const refused = ok(
        await app.gql(TEST_SETTINGS, {
          input: oauth2Input('Unsaved wrong secret', exchange.sink, {
            clientId: TEST_CLIENT_ID,
            clientSecret: 'Not-the-registered-secret-0815',
            tokenUrl: tokenUrl(),
          }),
          to: RECIPIENT,
        }),
      ).testConnectionSettings;
      assert.equal(refused.ok, false, JSON.stringify(refused));
      assert.equal(refused.stage, 'TOKEN');
      assert.equal(endpoint.tokenRequests - before.posts, 4, 'each test fetched its own token (nothing reused)');
      assert.equal(exchange.sink.messages.length - before.messages, 2, 'the two non-dry runs were delivered');
      const stats = app.t.app.tokens.stats();
      assert.equal(stats.msalClients, 0, 'no MSAL client (it holds the plaintext secret) is kept');
      assert.equal(stats.genericCachedTokens, 0, 'no token of unsaved settings is cached');
    });
  }

  test('canary: no client secret or issued access token in any response body or log line', () => {
    assert.ok(endpoint.issuedTokens.length >= 6, 'tokens were issued');
    const credentials = [TEST_CLIENT_SECRET, ...endpoint.issuedTokens.map((t) => t.accessToken)];
    assertNoLeak(app.bodies, credentials, 'response bodies');
    assertNoLeak(app.t.logs, credentials, 'log lines', { mayBeEmpty: true });
  });
});
