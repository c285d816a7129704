import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestStage } from '../../src/mail/test-outcome.js';
import { TlsMode } from '../../src/mail/tls-mode.js';
import { TOKEN_RETRY_NOTE } from '../../src/mail/smtp-test.js';
import { TokenError } from '../../src/oauth2/token-error.js';
import { startSmtpSink, type SmtpSinkOptions } from '../helpers/smtp-sink.js';
import { basic, oauth2, reply, sut, testCa } from './mail-test-context.js';

async function withSink<T>(
  options: Omit<SmtpSinkOptions, 'ca'>,
  fn: (sink: Awaited<ReturnType<typeof startSmtpSink>>) => Promise<T>,
) {
  const sink = await startSmtpSink({ ca: testCa(), ...options });
  try {
    return await fn(sink);
  } finally {
    await sink.close();
  }
}

const EXCHANGE_5_7_139 = '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.';
const EXCHANGE_5_7_3 = '5.7.3 Authentication unsuccessful [SN4PR0601CA0001.namprd06.prod.outlook.com]';

test('Basic 535: AUTH stage with code, enhanced code, masked reply and hint', async () => {
  const password = 'CANARY-basic-Zx81';
  await withSink(
    { tls: 'starttls', onAuth: () => reply(535, `5.7.8 Username and Password not accepted (you sent ${password})`) },
    async (sink) => {
      const outcome = await sut(sink, { tls: TlsMode.STARTTLS, auth: basic(password) });
      assert.equal(outcome.ok, false);
      assert.equal(outcome.stage, TestStage.AUTH);
      assert.equal(outcome.smtpCode, 535);
      assert.equal(outcome.enhancedCode, '5.7.8');
      assert.equal(outcome.serverResponse, '535 5.7.8 Username and Password not accepted (you sent ***)');
      assert.match(outcome.hint ?? '', /username or password/);
      assert.match(outcome.hint ?? '', /OAuth2/);
      assert.equal(sink.messages.length, 0);
    },
  );
});

test('a password with quotes, backslash, colon, percent, emoji and outer spaces arrives unchanged', async () => {
  const password = ' p"a\\s:s%w0rd 🔑 ';
  for (const method of ['PLAIN', 'LOGIN']) {
    await withSink(
      {
        tls: 'starttls',
        authMethods: [method],
        onAuth: (a) => (a.password === password ? true : reply(535, '5.7.8 wrong')),
      },
      async (sink) => {
        const outcome = await sut(sink, { tls: TlsMode.STARTTLS, auth: basic(password) });
        assert.equal(outcome.ok, true, JSON.stringify(outcome, null, 2));
        assert.equal(sink.authAttempts[0]?.method, method);
        assert.equal(sink.authAttempts[0]?.password, password);
      },
    );
  }
});

test('canary secrets never appear in an outcome, failing or succeeding, raw or base64', async (t) => {
  const password = 'CANARY-pw-7f3a9c';
  const token = 'CANARY-token-eyJhbGciOi.x9';
  const forbidden = [password, token, Buffer.from(password).toString('base64'), Buffer.from(token).toString('base64')];
  const assertClean = (outcome: unknown) => {
    const json = JSON.stringify(outcome);
    for (const secret of forbidden) assert.ok(!json.includes(secret), `leaked ${secret}: ${json}`);
  };
  for (const method of ['PLAIN', 'LOGIN']) {
    await t.test(`basic ${method}`, async () => {
      await withSink({ tls: 'none', authMethods: [method] }, async (sink) => {
        assertClean(await sut(sink, { tls: TlsMode.NONE, auth: basic(password) }));
      });
      await withSink(
        { tls: 'none', authMethods: [method], onAuth: () => reply(535, `5.7.8 bad password ${password}`) },
        async (sink) => {
          const outcome = await sut(sink, { tls: TlsMode.NONE, auth: basic(password) });
          assert.equal(outcome.stage, TestStage.AUTH);
          assertClean(outcome);
        },
      );
    });
  }
  await t.test('oauth2', async () => {
    await withSink({ tls: 'none', authMethods: ['XOAUTH2'] }, async (sink) => {
      assertClean(await sut(sink, { tls: TlsMode.NONE, auth: oauth2([token]).auth }));
    });
    await withSink(
      { tls: 'none', authMethods: ['XOAUTH2'], onAuth: () => reply(535, `5.7.3 token ${token} rejected`) },
      async (sink) => {
        const outcome = await sut(sink, { tls: TlsMode.NONE, auth: oauth2([token]).auth, dryRun: true });
        assert.equal(outcome.stage, TestStage.AUTH);
        assertClean(outcome);
      },
    );
  });
});

test('XOAUTH2 success sends user= the mailbox and the token', async () => {
  await withSink({ tls: 'starttls', authMethods: ['XOAUTH2'] }, async (sink) => {
    const { auth, calls } = oauth2(['tok-1'], 'reports@contoso.example');
    const outcome = await sut(sink, { tls: TlsMode.STARTTLS, auth });
    assert.equal(outcome.ok, true, JSON.stringify(outcome, null, 2));
    assert.deepEqual(sink.authAttempts, [
      { method: 'XOAUTH2', username: 'reports@contoso.example', password: undefined, accessToken: 'tok-1' },
    ]);
    assert.deepEqual(calls, [{ forceRefresh: false }]);
    assert.ok(outcome.transcript.includes('C: AUTH XOAUTH2 ***'));
  });
});

test('535 5.7.3: refresh the token once and retry; success on the second attempt', async () => {
  await withSink(
    {
      tls: 'starttls',
      authMethods: ['XOAUTH2'],
      onAuth: (a) => (a.accessToken === 'fresh' ? true : reply(535, EXCHANGE_5_7_3)),
    },
    async (sink) => {
      const { auth, calls } = oauth2(['stale', 'fresh']);
      const outcome = await sut(sink, { tls: TlsMode.STARTTLS, auth });
      assert.equal(outcome.ok, true, JSON.stringify(outcome, null, 2));
      assert.deepEqual(calls, [{ forceRefresh: false }, { forceRefresh: true }]);
      assert.ok(outcome.transcript.includes(`* ${TOKEN_RETRY_NOTE}`));
      assert.equal(sink.messages.length, 1);
    },
  );
});

test('535 5.7.3 twice: two token calls at most, then the Exchange checklist', async () => {
  await withSink(
    { tls: 'starttls', authMethods: ['XOAUTH2'], onAuth: () => reply(535, EXCHANGE_5_7_3) },
    async (sink) => {
      const { auth, calls } = oauth2(['a', 'b']);
      const outcome = await sut(sink, { tls: TlsMode.STARTTLS, auth });
      assert.equal(outcome.stage, TestStage.AUTH);
      assert.equal(outcome.enhancedCode, '5.7.3');
      assert.equal(calls.length, 2);
      for (const needle of [
        'New-ServicePrincipal',
        'Add-MailboxPermission',
        'https://outlook.office365.com/.default',
        'user=',
      ]) {
        assert.ok(outcome.hint?.includes(needle), `hint lacks ${needle}`);
      }
    },
  );
});

test('535 5.7.139: no token refresh, Set-CASMailbox hint', async () => {
  await withSink(
    { tls: 'starttls', authMethods: ['XOAUTH2'], onAuth: () => reply(535, EXCHANGE_5_7_139) },
    async (sink) => {
      const { auth, calls } = oauth2(['a']);
      const outcome = await sut(sink, { tls: TlsMode.STARTTLS, auth });
      assert.equal(outcome.stage, TestStage.AUTH);
      assert.equal(outcome.smtpCode, 535);
      assert.equal(outcome.enhancedCode, '5.7.139');
      assert.equal(calls.length, 1);
      assert.equal(sink.authAttempts.length, 1);
      assert.match(outcome.hint ?? '', /Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled \$false/);
    },
  );
});

test('550 5.7.30 on a Basic connection: switch to OAuth2', async () => {
  await withSink(
    {
      tls: 'starttls',
      onAuth: () => reply(550, '5.7.30 Basic authentication is not supported for Client Submission.'),
    },
    async (sink) => {
      const outcome = await sut(sink, { tls: TlsMode.STARTTLS });
      assert.equal(outcome.stage, TestStage.AUTH);
      assert.equal(outcome.enhancedCode, '5.7.30');
      assert.match(outcome.hint ?? '', /OAuth2 client credentials/);
    },
  );
});

test('XOAUTH2 not advertised: AUTH stage, token never sent', async () => {
  await withSink({ tls: 'starttls', authMethods: ['PLAIN', 'LOGIN'] }, async (sink) => {
    const { auth } = oauth2(['CANARY-never-sent']);
    const outcome = await sut(sink, { tls: TlsMode.STARTTLS, auth });
    assert.equal(outcome.stage, TestStage.AUTH, JSON.stringify(outcome, null, 2));
    assert.equal(outcome.errorCode, 'XOAUTH2_NOT_OFFERED');
    assert.match(outcome.hint ?? '', /AUTH XOAUTH2/);
    assert.equal(sink.authAttempts.length, 0);
    assert.ok(!outcome.transcript.some((l) => l.startsWith('C: AUTH')));
  });
});

test('no AUTH advertised with OPPORTUNISTIC: not reported as success', async () => {
  await withSink({ tls: 'none', disableAuth: true }, async (sink) => {
    const outcome = await sut(sink, { tls: TlsMode.OPPORTUNISTIC, dryRun: true });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.stage, TestStage.AUTH);
    assert.equal(outcome.errorCode, 'AUTH_NOT_OFFERED');
  });
});

test('no AUTH advertised with STARTTLS: AUTH stage, nothing sent', async () => {
  await withSink({ tls: 'starttls', disableAuth: true }, async (sink) => {
    const outcome = await sut(sink, { tls: TlsMode.STARTTLS });
    assert.equal(outcome.stage, TestStage.AUTH, JSON.stringify(outcome, null, 2));
    assert.equal(outcome.errorCode, 'AUTH_NOT_OFFERED');
    assert.equal(sink.messages.length, 0);
  });
});

test('a TokenError becomes the TOKEN stage with its details and transcript', async () => {
  const auth = {
    kind: 'oauth2' as const,
    username: 'mailbox@example.com',
    accessToken: async () => {
      throw new TokenError('token request failed', {
        host: 'login.microsoftonline.com',
        errorCode: 'AADSTS7000215',
        httpStatus: 401,
        serverResponse: 'AADSTS7000215: Invalid client secret provided.',
        hint: 'Rotate the client secret.',
        secretExpired: false,
        transcript: ['POST https://login.microsoftonline.com/t/oauth2/v2.0/token', '401 invalid_client'],
      });
    },
  };
  const outcome = await sut({ host: '127.0.0.1', port: 1 }, { tls: TlsMode.STARTTLS, auth });
  assert.equal(outcome.stage, TestStage.TOKEN);
  assert.equal(outcome.errorCode, 'AADSTS7000215');
  assert.equal(outcome.hint, 'Rotate the client secret.');
  assert.ok(outcome.transcript.some((l) => l.includes('401 invalid_client')));
});
