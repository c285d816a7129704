/**
 * The mail side of the bench, in its own process: a lean smtp-server sink (STARTTLS, PLAIN/LOGIN/XOAUTH2,
 * counts messages and drains them; no parsing, so the sink is never the bottleneck) and an HTTPS token
 * endpoint that answers like Entra ID (test/helpers/token-endpoint.ts), both signed by one generated CA.
 * IPC: sends {type:'ready', …}; answers {type:'stats'}.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createTestCa } from '../../test/helpers/test-ca.js';
import { startTokenEndpoint, TEST_CLIENT_ID } from '../../test/helpers/token-endpoint.js';

export const SINK_USER = 'bench@example.com';
export const SINK_PASSWORD = 'bench-password-0123456789';

async function main(): Promise<void> {
  const ca = createTestCa('Postroom Bench CA');
  const leaf = ca.issue(['localhost', '127.0.0.1']);
  const endpoint = await startTokenEndpoint({ ca, expiresIn: 3599 });
  const stats = { messages: 0, authOk: 0, authRejected: 0, xoauth2: 0 };

  const server = new SMTPServer({
    secure: false,
    key: leaf.keyPem,
    cert: leaf.certPem,
    name: 'sink.bench',
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 100,
    authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
    allowInsecureAuth: false,
    onAuth(auth, _session, callback) {
      const ok =
        auth.method === 'XOAUTH2'
          ? auth.username === SINK_USER && endpoint.isIssued(auth.accessToken ?? '')
          : auth.username === SINK_USER && auth.password === SINK_PASSWORD;
      if (auth.method === 'XOAUTH2') stats.xoauth2 += 1;
      if (ok) {
        stats.authOk += 1;
        callback(null, { user: auth.username });
      } else {
        stats.authRejected += 1;
        callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      }
    },
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        stats.messages += 1;
        callback(null);
      });
    },
  });
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;

  process.on('message', (raw) => {
    const message = raw as { id: number; type: string };
    if (message.type === 'stats') {
      process.send?.({
        id: message.id,
        ...stats,
        tokenRequests: endpoint.tokenRequests,
        discoveryRequests: endpoint.requests.length - endpoint.tokenRequests,
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => {
    server.close(() => undefined);
    void endpoint.close().finally(() => process.exit(0));
  });
  process.send?.({
    type: 'ready',
    sinkPort: port,
    caPem: ca.certPem,
    tokenUrl: endpoint.tokenUrl(),
    tokenHost: endpoint.host,
    clientId: TEST_CLIENT_ID,
  });
}

main().catch((error: unknown) => {
  console.error('smtp fixture failed:', error);
  process.exit(1);
});
