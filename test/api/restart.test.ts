/**
 * Restart keeps data: two app instances one after the other on the same database (PGlite on disk, and
 * PostgreSQL when DATABASE_URL is set) and the same key ring. Every connection is intact and its secret
 * still opens, so a test email still authenticates.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseTarget } from '../../src/db/data-source.js';
import { createTestDatabase, testKeyRing } from '../helpers/test-app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import {
  CONNECTIONS,
  CREATE_CONNECTION,
  DEFAULT_CONNECTION,
  SEND_TEST_EMAIL,
  SET_DEFAULT,
  UPDATE_CONNECTION,
} from './operations.js';
import { basicInput, oauth2Input, ok, startApiApp } from './support.js';

const PASSWORD = 'restart-password-1234';

let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink({
    tls: 'starttls',
    onAuth: (attempt) =>
      attempt.password === PASSWORD || { code: 535, message: '5.7.8 Authentication credentials invalid' },
  });
});
after(async () => {
  await sink?.close();
});

function restartSuite(
  label: string,
  target: () => Promise<{ target: DatabaseTarget; cleanup(): Promise<void> }>,
): void {
  describe(label, () => {
    let database: { target: DatabaseTarget; cleanup(): Promise<void> };
    const keyRing = testKeyRing();
    before(async () => {
      database = await target();
    });
    after(async () => {
      await database?.cleanup();
    });

    test('connections, defaults, versions and lastTest survive a restart; the secret still authenticates', async () => {
      const first = await startApiApp({ databaseTarget: database.target, keyRing, sinkPorts: [sink.port] });
      let before: unknown;
      let basicId: string;
      try {
        assert.ok(first.app.migrationsApplied.length >= 1, 'the first start migrates');
        const basic = ok(
          await first.gql(CREATE_CONNECTION, {
            input: basicInput(
              {
                name: 'Survivor',
                url: `127.0.0.1:${sink.port}`,
                caCertificate: sink.ca.certPem,
                fromDisplayName: 'Reports, "Finance" Ünit',
              },
              PASSWORD,
            ),
          }),
        ).createConnection;
        basicId = basic.id;
        ok(await first.gql(CREATE_CONNECTION, { input: oauth2Input({ name: 'Survivor OAuth2' }) }));
        ok(await first.gql(UPDATE_CONNECTION, { id: basic.id, input: { description: 'changed once' } }));
        ok(await first.gql(SET_DEFAULT, { id: basic.id }));
        const sent = ok(await first.gql(SEND_TEST_EMAIL, { id: basic.id, to: 'admin@example.com' })).sendTestEmail;
        assert.equal(sent.ok, true, JSON.stringify(sent));
        before = ok(await first.gql(CONNECTIONS, { first: 200 })).connections;
      } finally {
        await first.close();
      }

      const second = await startApiApp({ databaseTarget: database.target, keyRing, sinkPorts: [sink.port] });
      try {
        assert.deepEqual(second.app.migrationsApplied, [], 'nothing left to migrate on the second start');
        const afterRestart = ok<{
          connections: {
            totalCount: number;
            nodes: Array<{ name: string; version: number; lastTest: { ok: boolean } }>;
          };
        }>(await second.gql(CONNECTIONS, { first: 200 })).connections;
        assert.deepEqual(afterRestart, before);
        assert.equal(afterRestart.totalCount, 2);
        assert.equal(ok(await second.gql(DEFAULT_CONNECTION, {})).defaultConnection.id, basicId!);
        const survivor = afterRestart.nodes.find((n) => n.name === 'Survivor')!;
        assert.equal(survivor.version, 3);
        assert.equal(survivor.lastTest.ok, true);
        const attempts = sink.authAttempts.length;
        const sent = ok(await second.gql(SEND_TEST_EMAIL, { id: basicId!, to: 'admin@example.com' })).sendTestEmail;
        assert.equal(sent.ok, true, JSON.stringify(sent));
        assert.equal(sink.authAttempts.at(-1)?.password, PASSWORD);
        assert.equal(sink.authAttempts.length, attempts + 1);
      } finally {
        await second.close();
      }

      // A start with other key material keeps the rows but cannot open the secret: a CONFIG result, no crash.
      const third = await startApiApp({
        databaseTarget: database.target,
        keyRing: testKeyRing(),
        sinkPorts: [sink.port],
      });
      try {
        const sent = ok(await third.gql(SEND_TEST_EMAIL, { id: basicId!, to: 'admin@example.com' })).sendTestEmail;
        assert.equal(sent.ok, false);
        assert.equal(sent.stage, 'CONFIG');
        assert.match(sent.hint, /re-enter the password/);
      } finally {
        await third.close();
      }
    });
  });
}

restartSuite('embedded PGlite on disk', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'postroom-restart-'));
  return {
    target: { kind: 'pglite', dataDir: path.join(dir, 'pglite') },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

if (process.env.DATABASE_URL) {
  restartSuite('PostgreSQL (DATABASE_URL)', async () => {
    const database = await createTestDatabase();
    return { target: database.target, cleanup: () => database.drop() };
  });
}
