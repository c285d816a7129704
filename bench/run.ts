/**
 * `npm run bench [-- --quick] [-- --pglite] [-- --cpu-prof]`: Postroom against bare baselines in one run.
 * Every server under test is its own child process on 127.0.0.1 with a fresh database; cases are
 * interleaved round by round and ratios are the median of the per-round ratios. Prints the tables and
 * writes bench/results/latest.json. Exits 0 whatever the ratios are; non-zero only when the harness breaks
 * (a server does not start, or a case gets wrong answers).
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONNECTION, CONNECTIONS, SEND_TEST_EMAIL } from '../test/api/operations.js';
import { TEST_CLIENT_SECRET } from '../test/helpers/token-endpoint.js';
import { freePort, startChild, waitForHttp, type Child, type Memory } from './lib/child.js';
import {
  copyConnections,
  createDatabase,
  DEFAULT_ADMIN_URL,
  detectDatabase,
  redactUrl,
  withClient,
  type DatabaseMode,
  type FreshDatabase,
} from './lib/db.js';
import { runLoad, runSequential, type LoadResult } from './lib/load.js';
import { fmt, machine, median, table } from './lib/report.js';
import { SINK_PASSWORD, SINK_USER } from './servers/smtp-fixture.js';

const ROOT = path.resolve(__dirname, '../..');
// The outDir this file was compiled into (dist/ for npm run bench).
const DIST = path.resolve(__dirname, '..');

interface Settings {
  mode: 'quick' | 'full';
  rounds: number;
  warmupSec: number;
  durationSec: number;
  connections: number;
  mailRounds: number;
  mailDurationSec: number;
  mailConcurrency: number;
  t1DurationSec: number;
  p2Rows: number;
  growth: number[];
  probeRequests: number;
}

const FULL: Settings = {
  mode: 'full',
  rounds: 3,
  warmupSec: 2,
  durationSec: 10,
  connections: 10,
  mailRounds: 3,
  mailDurationSec: 8,
  mailConcurrency: 4,
  t1DurationSec: 8,
  p2Rows: 200,
  growth: [50, 500, 5_000],
  probeRequests: 50,
};

const QUICK: Settings = {
  mode: 'quick',
  rounds: 1,
  warmupSec: 0.5,
  durationSec: 1.5,
  connections: 10,
  mailRounds: 1,
  mailDurationSec: 1.5,
  mailConcurrency: 4,
  t1DurationSec: 1.5,
  p2Rows: 60,
  growth: [20, 100, 500],
  probeRequests: 10,
};

const TARGETS = { p1b1: 0.5, p2b1: 0.25, p1r1: 0.8, s1s0: 0.7, idleRssMb: 150 };
const HELLO = JSON.stringify({ query: '{ hello }' });
const noErrors = (body: string): boolean => !body.includes('"errors"');

/** What a case measured in one round. */
interface Measured extends LoadResult {
  round: number;
}

interface CaseRecord {
  id: string;
  what: string;
  unit: 'req/s' | 'msg/s';
  rounds: Measured[];
  memory?: { bootMb: number; idleMb: number; afterMb: number; peakMb: number };
  statementsPerRequest?: number | null;
  notes: string[];
}

/** A running server under test. */
interface Server {
  name: string;
  child: Child;
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

class Bench {
  readonly tmp = mkdtempSync(path.join(os.tmpdir(), 'postroom-bench-'));
  readonly apiKey = `bench_${randomBytes(24).toString('base64url')}`;
  readonly secretKeys = `bench:${randomBytes(32).toString('base64')}`;
  readonly headers: Record<string, string>;
  readonly cases = new Map<string, CaseRecord>();
  readonly cleanups: Array<() => Promise<void>> = [];
  readonly notes: string[] = [];
  mailEnv: Record<string, string> = {};
  cpuProfDir: string | null = null;

  constructor(
    readonly settings: Settings,
    readonly db: DatabaseMode,
  ) {
    this.headers = { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` };
  }

  record(id: string, what: string, unit: CaseRecord['unit'] = 'req/s'): CaseRecord {
    let entry = this.cases.get(id);
    if (!entry) {
      entry = { id, what, unit, rounds: [], notes: [] };
      this.cases.set(id, entry);
    }
    return entry;
  }

  baseEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of ['PATH', 'HOME', 'LANG', 'TZ', 'BENCH_LOG_SQL']) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    return env;
  }

  async freshDatabase(label: string): Promise<{ database: FreshDatabase | null; dataDir: string }> {
    const dataDir = path.join(this.tmp, label);
    mkdirSync(dataDir, { recursive: true });
    if (this.db.kind !== 'postgres') return { database: null, dataDir };
    const database = await createDatabase(this.db.adminUrl, label);
    this.cleanups.push(() => database.drop());
    return { database, dataDir };
  }

  /** `node dist/src/main.js` with a fresh database (or PGlite under dataDir). */
  async startPostroom(name: string, target: { database: FreshDatabase | null; dataDir: string }): Promise<Server> {
    const port = await freePort();
    const env: Record<string, string> = {
      ...this.baseEnv(),
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: target.dataDir,
      SECRET_KEYS: this.secretKeys,
      BOOTSTRAP_API_KEY: this.apiKey,
      TEST_EMAIL_RATE_PER_KEY: '1000000',
      TEST_EMAIL_RATE_PER_CONNECTION: '1000000',
      EGRESS_ALLOWED_HOSTS: '127.0.0.1,localhost',
      ...this.mailEnv,
      ...(target.database ? { DATABASE_URL: target.database.url } : {}),
    };
    const nodeArgs = ['--require', path.join(DIST, 'bench/lib/pg-count-preload.js')];
    if (this.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.join(this.cpuProfDir, name)}`);
    const launch = async (): Promise<Child> => {
      const child = startChild({
        name: `Postroom (${name})`,
        script: path.join(DIST, 'src/main.js'),
        env,
        logPath: path.join(this.tmp, `${name}.log`),
        port,
        nodeArgs,
        // Postroom takes ~9 s to exit on SIGTERM even when idle; wait for it only when a profile must be written.
        stopGraceMs: this.cpuProfDir ? 30_000 : 2_000,
      });
      await waitForHttp(child, `http://127.0.0.1:${port}/healthz`, 60_000);
      return child;
    };
    return this.server(name, `http://127.0.0.1:${port}/graphql`, launch);
  }

  async startBaseline(
    name: string,
    mode: 'hello' | 'pg' | 'pglite',
    env: Record<string, string> = {},
  ): Promise<Server> {
    const port = await freePort();
    const launch = async (): Promise<Child> => {
      const child = startChild({
        name: `baseline (${name})`,
        script: path.join(DIST, 'bench/servers/baseline-server.js'),
        args: [mode],
        env: { ...this.baseEnv(), NODE_ENV: 'production', PORT: String(port), ...env },
        logPath: path.join(this.tmp, `${name}.log`),
        port,
        nodeArgs: ['--require', path.join(DIST, 'bench/lib/pg-count-preload.js')],
      });
      await waitForHttp(child, `http://127.0.0.1:${port}/healthz`, 60_000);
      return child;
    };
    return this.server(name, `http://127.0.0.1:${port}/graphql`, launch);
  }

  private async server(name: string, url: string, launch: () => Promise<Child>): Promise<Server> {
    const server: Server = {
      name,
      child: await launch(),
      url,
      restart: async () => {
        await server.child.stop();
        server.child = await launch();
      },
      stop: () => server.child.stop(),
    };
    this.cleanups.push(() => server.stop());
    return server;
  }

  async gql<T = Record<string, any>>(
    server: Server,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const parsed = JSON.parse(text) as { data?: T; errors?: unknown[] };
    if (parsed.errors?.length || !parsed.data) throw new Error(`${server.name}: GraphQL error ${text.slice(0, 500)}`);
    return parsed.data;
  }

  /** createConnection through GraphQL, `parallel` at a time; returns the ids. */
  async createConnections(server: Server, count: number, prefix: string, parallel = 8): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += parallel) {
      const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, i) => start + i);
      const created = await Promise.all(
        batch.map((n) =>
          this.gql<{ createConnection: { id: string } }>(server, CREATE_ID, {
            input: basicInput(`${prefix}${String(n).padStart(6, '0')}`, '127.0.0.1:587', null),
          }),
        ),
      );
      ids.push(...created.map((c) => c.createConnection.id));
    }
    return ids;
  }

  async load(
    server: Server,
    body: string,
    check: (body: string) => boolean,
    durationSec: number,
    connections: number,
  ): Promise<LoadResult> {
    const result = await runLoad({ url: server.url, body, headers: this.headers, connections, durationSec, check });
    if (result.good === 0 || result.bad > Math.max(2, result.requests * 0.01)) {
      throw new Error(
        `${server.name}: ${result.bad} wrong answers of ${result.requests} (errors ${result.errors}, timeouts ${result.timeouts}); first: ${result.sampleBad}\n${server.child.logTail(10)}`,
      );
    }
    return result;
  }

  /** Warm-up then measurement of one case in one round. */
  async measure(
    id: string,
    server: Server,
    body: string,
    check: (body: string) => boolean,
    round: number,
    connections = this.settings.connections,
  ): Promise<Measured> {
    if (this.settings.mode === 'full') await this.load(server, body, check, this.settings.warmupSec, connections);
    const result = { ...(await this.load(server, body, check, this.settings.durationSec, connections)), round };
    this.cases.get(id)!.rounds.push(result);
    log(
      `  ${id.padEnd(6)} round ${round}: ${fmt(result.rps)} ${this.cases.get(id)!.unit}, p50 ${fmt(result.p50, 1)} ms, p99 ${fmt(result.p99, 1)} ms`,
    );
    return result;
  }

  /** Statements sent to PostgreSQL per request, counted in the server process (pg-count-preload). */
  async statementsPerRequest(server: Server, body: string): Promise<number | null> {
    if (this.db.kind !== 'postgres') return null;
    const count = async (): Promise<number> =>
      (await server.child.ask<{ statements: number }>({ type: 'pgQueries' })).statements;
    await sleep(this.settings.mode === 'full' ? 1_000 : 300); // requests still in flight from an earlier load finish first
    const before = await count();
    await runSequential({ url: server.url, body, headers: this.headers, count: this.settings.probeRequests });
    return ((await count()) - before) / this.settings.probeRequests;
  }

  async idleMemory(server: Server): Promise<Memory> {
    await sleep(1_500);
    return server.child.memory();
  }

  async cleanup(): Promise<void> {
    for (const cleanup of this.cleanups.reverse())
      await cleanup().catch((error: unknown) => log(`cleanup: ${(error as Error).message}`));
    this.cleanups.length = 0;
  }
}

const CREATE_ID = `mutation CreateConnection($input: CreateConnectionInput!) { createConnection(input: $input) { id } }`;

function basicInput(name: string, url: string, caPem: string | null): Record<string, unknown> {
  return {
    name,
    url,
    tls: 'STARTTLS',
    caCertificate: caPem,
    fromAddress: SINK_USER,
    fromDisplayName: 'Postroom bench',
    auth: { basic: { username: SINK_USER, password: SINK_PASSWORD } },
  };
}

const T0 = performance.now();
function log(line: string): void {
  process.stderr.write(`[${((performance.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
}

const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function parseArgs(argv: string[]): {
  quick: boolean;
  pglite: boolean;
  cpuProf: boolean;
  keep: boolean;
  out: string;
  durationSec: number | null;
} {
  const known = ['--quick', '--pglite', '--cpu-prof', '--keep', '--out', '--duration'];
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.includes(arg)) throw new Error(`unknown option ${arg}; use ${known.join(', ')}`);
  }
  const outAt = argv.indexOf('--out');
  const durationAt = argv.indexOf('--duration');
  const durationSec = durationAt >= 0 ? Number(argv[durationAt + 1]) : null;
  if (durationSec !== null && !(durationSec > 0 && durationSec <= 120))
    throw new Error('--duration takes seconds, from 1 to 120');
  return {
    quick: argv.includes('--quick'),
    pglite: argv.includes('--pglite'),
    cpuProf: argv.includes('--cpu-prof'),
    keep: argv.includes('--keep'),
    durationSec,
    out: outAt >= 0 && argv[outAt + 1] ? path.resolve(argv[outAt + 1]!) : path.join(ROOT, 'bench/results/latest.json'),
  };
}

/** B1, P1, P2, R1 interleaved round by round. */
async function readCases(bench: Bench): Promise<void> {
  const { settings } = bench;
  log('read cases: B1, P1, P2, R1');
  const b1Record = bench.record('B1', 'bare Apollo Server 5 + express 5, { hello }');
  const p1Record = bench.record('P1', 'Postroom connection(id), 1 stored');
  const p2Record = bench.record('P2', `Postroom connections(first: 50), ${settings.p2Rows} stored`);
  const r1Record = bench.record('R1', 'bare pg, same SQL as P1, plain Apollo resolver');

  const readTarget = await bench.freshDatabase('read');
  const listTarget = await bench.freshDatabase('list');
  const [b1, p1, p2] = await Promise.all([
    bench.startBaseline('B1', 'hello'),
    bench.startPostroom('P1', readTarget),
    bench.startPostroom('P2', listTarget),
  ]);
  const bootP1 = p1.child.memory();
  const bootP2 = p2.child.memory();
  const [id] = await bench.createConnections(p1, 1, 'Default');
  await bench.createConnections(p2, settings.p2Rows, 'conn-');

  let r1: Server;
  if (readTarget.database) {
    r1 = await bench.startBaseline('R1', 'pg', { DATABASE_URL: readTarget.database.url });
  } else {
    // PGlite allows one process per directory: R1 reads a copy taken while P1 is stopped.
    await p1.stop();
    const copy = path.join(bench.tmp, 'read-copy');
    cpSync(path.join(readTarget.dataDir, 'pglite'), copy, { recursive: true });
    await p1.restart();
    r1 = await bench.startBaseline('R1', 'pglite', { PGLITE_DIR: copy });
  }

  const p1Body = JSON.stringify({ query: CONNECTION, variables: { id } });
  const p2Body = JSON.stringify({ query: CONNECTIONS, variables: { first: 50 } });
  const p1Check = (body: string): boolean => noErrors(body) && body.includes(id!);
  const p2Check = (body: string): boolean => noErrors(body) && body.includes('"nodes":[{');

  // Same answer from R1 as from P1, or the comparison means nothing.
  const [p1Answer, r1Answer] = await Promise.all(
    [p1, r1].map(async (s) => (await fetch(s.url, { method: 'POST', headers: bench.headers, body: p1Body })).text()),
  );
  if (p1Answer !== r1Answer) {
    const note = 'R1 answer differs from P1 answer (see latest.json)';
    r1Record.notes.push(note);
    log(`  note: ${note}\n  P1: ${p1Answer.slice(0, 400)}\n  R1: ${r1Answer!.slice(0, 400)}`);
  } else r1Record.notes.push('answer identical to P1, byte for byte');

  // Warm every server once, then take idle memory.
  for (const [server, body, check] of [
    [b1, HELLO, noErrors],
    [p1, p1Body, p1Check],
    [p2, p2Body, p2Check],
    [r1, p1Body, p1Check],
  ] as const) {
    await bench.load(server, body, check, settings.warmupSec, settings.connections);
  }
  await sleep(1_500);
  const idle = new Map<string, Memory>([b1, p1, p2, r1].map((s) => [s.name, s.child.memory()]));
  const boot = new Map<string, Memory>([
    ['P1', bootP1],
    ['P2', bootP2],
  ]);

  p1Record.statementsPerRequest = await bench.statementsPerRequest(p1, p1Body);
  p2Record.statementsPerRequest = await bench.statementsPerRequest(p2, p2Body);
  r1Record.statementsPerRequest = await bench.statementsPerRequest(r1, p1Body);

  for (let round = 1; round <= settings.rounds; round++) {
    // Alternate the order so no case always runs first or last.
    const order = round % 2 ? ['B1', 'P1', 'R1', 'P2'] : ['P2', 'R1', 'P1', 'B1'];
    for (const id of order) {
      if (id === 'B1') await bench.measure('B1', b1, HELLO, (b) => b.includes('"hello":"world"'), round);
      if (id === 'P1') await bench.measure('P1', p1, p1Body, p1Check, round);
      if (id === 'R1') await bench.measure('R1', r1, p1Body, p1Check, round);
      if (id === 'P2') await bench.measure('P2', p2, p2Body, p2Check, round);
    }
  }
  for (const [record, server] of [
    [b1Record, b1],
    [p1Record, p1],
    [p2Record, p2],
    [r1Record, r1],
  ] as const) {
    const after = server.child.memory();
    const i = idle.get(server.name)!;
    record.memory = {
      bootMb: boot.get(server.name)?.rssMb ?? NaN,
      idleMb: i.rssMb,
      afterMb: after.rssMb,
      peakMb: after.peakMb,
    };
  }
  await Promise.all([b1, p1, p2, r1].map((s) => s.stop()));
}

interface FixtureReady {
  sinkPort: number;
  caPem: string;
  tokenUrl: string;
  tokenHost: string;
  clientId: string;
}

interface FixtureStats {
  messages: number;
  authOk: number;
  authRejected: number;
  xoauth2: number;
  tokenRequests: number;
  discoveryRequests: number;
}

/** S0 and S1 interleaved, then T1. */
async function mailCases(bench: Bench, fixture: Child, ready: FixtureReady): Promise<void> {
  const { settings } = bench;
  log('mail cases: S0, S1, T1');
  const s0Record = bench.record(
    'S0',
    `bare nodemailer, fresh connection per message, STARTTLS, ${settings.mailConcurrency} at a time`,
    'msg/s',
  );
  const s1Record = bench.record(
    'S1',
    `Postroom sendTestEmail, Basic auth, STARTTLS, ${settings.mailConcurrency} at a time`,
    'msg/s',
  );
  const t1Record = bench.record(
    'T1',
    `Postroom sendTestEmail, OAuth2 (MSAL path), STARTTLS, ${settings.mailConcurrency} at a time`,
    'msg/s',
  );

  const mailTarget = await bench.freshDatabase('mail');
  const s1 = await bench.startPostroom('S1', mailTarget);
  const driver = startChild({
    name: 'S0 driver',
    script: path.join(DIST, 'bench/servers/nodemailer-driver.js'),
    env: bench.baseEnv(),
    logPath: path.join(bench.tmp, 'S0.log'),
  });
  bench.cleanups.push(() => driver.stop());
  await driver.waitFor('ready', 30_000);

  const sinkUrl = `127.0.0.1:${ready.sinkPort}`;
  const s1Id = (
    await bench.gql<{ createConnection: { id: string } }>(s1, CREATE_ID, {
      input: basicInput('S1', sinkUrl, ready.caPem),
    })
  ).createConnection.id;
  const s1Body = JSON.stringify({ query: SEND_TEST_EMAIL, variables: { id: s1Id, to: 'recipient@example.com' } });
  const sentOk = (body: string): boolean => body.includes('"ok":true');

  const s0Run = async (durationSec: number): Promise<LoadResult> => {
    const stats0 = await settled();
    const r = await driver.ask<{
      sent: number;
      failed: number;
      elapsedMs: number;
      p50: number;
      p99: number;
      firstError: string | null;
    }>(
      {
        type: 'run',
        durationMs: durationSec * 1000,
        concurrency: settings.mailConcurrency,
        maxMessages: 100_000,
        host: '127.0.0.1',
        port: ready.sinkPort,
        caPem: ready.caPem,
        user: SINK_USER,
        pass: SINK_PASSWORD,
      },
      durationSec * 1000 + 60_000,
    );
    const stats1 = await fixture.ask<FixtureStats>({ type: 'stats' });
    if (r.failed > 0 || r.sent === 0 || stats1.messages - stats0.messages !== r.sent) {
      throw new Error(
        `S0: ${r.failed} failed, ${r.sent} sent, sink received ${stats1.messages - stats0.messages}; first error: ${r.firstError}`,
      );
    }
    const sec = r.elapsedMs / 1000;
    return {
      rps: r.sent / sec,
      p50: r.p50,
      p99: r.p99,
      requests: r.sent,
      good: r.sent,
      bad: 0,
      errors: 0,
      timeouts: 0,
      durationSec: sec,
      sampleBad: null,
    };
  };

  /** Waits until the sink's count stops moving (sends still in flight when autocannon stopped). */
  const settled = async (): Promise<FixtureStats> => {
    let last = await fixture.ask<FixtureStats>({ type: 'stats' });
    for (let i = 0; i < 50; i++) {
      await sleep(200);
      const now = await fixture.ask<FixtureStats>({ type: 'stats' });
      if (now.messages === last.messages) return now;
      last = now;
    }
    return last;
  };

  const s1Run = async (durationSec: number): Promise<LoadResult> => {
    const stats0 = await settled();
    const r = await bench.load(s1, s1Body, sentOk, durationSec, settings.mailConcurrency);
    const stats1 = await settled();
    // Rate = answers with ok:true within the window; the sink must have received at least those.
    if (stats1.messages - stats0.messages < r.good) {
      throw new Error(`S1: ${r.good} answers said ok but the sink received ${stats1.messages - stats0.messages}`);
    }
    return r;
  };

  await s0Run(settings.warmupSec);
  await s1Run(settings.warmupSec);
  const s1Idle = await bench.idleMemory(s1);
  for (let round = 1; round <= settings.mailRounds; round++) {
    const order = round % 2 ? ['S0', 'S1'] : ['S1', 'S0'];
    for (const id of order) {
      const result = {
        ...(id === 'S0' ? await s0Run(settings.mailDurationSec) : await s1Run(settings.mailDurationSec)),
        round,
      };
      bench.cases.get(id)!.rounds.push(result);
      log(
        `  ${id.padEnd(6)} round ${round}: ${fmt(result.rps, 1)} msg/s, p50 ${fmt(result.p50, 1)} ms, p99 ${fmt(result.p99, 1)} ms`,
      );
    }
  }
  const s1After = s1.child.memory();
  s1Record.memory = { bootMb: NaN, idleMb: s1Idle.rssMb, afterMb: s1After.rssMb, peakMb: s1After.peakMb };
  s0Record.memory = { bootMb: NaN, idleMb: NaN, afterMb: driver.memory().rssMb, peakMb: driver.memory().peakMb };
  s1Record.statementsPerRequest = await bench.statementsPerRequest(s1, s1Body);
  await s1.stop();

  // T1: its own process, so the token cache starts cold; the very first sends are concurrent.
  const t1 = await bench.startPostroom('T1', mailTarget);
  const t1Id = (
    await bench.gql<{ createConnection: { id: string } }>(t1, CREATE_ID, {
      input: {
        name: 'T1',
        url: sinkUrl,
        tls: 'STARTTLS',
        caCertificate: ready.caPem,
        fromAddress: SINK_USER,
        auth: {
          oauth2ClientCredentials: {
            username: SINK_USER,
            clientId: ready.clientId,
            clientSecret: TEST_CLIENT_SECRET,
            tokenUrl: ready.tokenUrl,
            scope: 'https://outlook.office365.com/.default',
          },
        },
      },
    })
  ).createConnection.id;
  const t1Body = JSON.stringify({ query: SEND_TEST_EMAIL, variables: { id: t1Id, to: 'recipient@example.com' } });
  const before = await settled();
  const started = Date.now();
  const t1Result = {
    ...(await bench.load(t1, t1Body, sentOk, settings.t1DurationSec, settings.mailConcurrency)),
    round: 1,
  };
  const after = await settled();
  const elapsedSec = (Date.now() - started) / 1000;
  t1Record.rounds.push(t1Result);
  const lifetimeSec = 3599;
  const tokenRequests = after.tokenRequests - before.tokenRequests;
  const lifetimes = Math.ceil(elapsedSec / lifetimeSec);
  t1Record.notes.push(
    `token requests: ${tokenRequests} for ${after.messages - before.messages} messages over ${fmt(elapsedSec, 1)} s ` +
      `(token lifetime ${lifetimeSec} s, so ${lifetimes} lifetime); OpenID discovery GETs: ${after.discoveryRequests - before.discoveryRequests}; ` +
      `XOAUTH2 logins rejected: ${after.authRejected - before.authRejected}`,
  );
  (t1Record as CaseRecord & { tokenRequests?: number; lifetimes?: number }).tokenRequests = tokenRequests;
  (t1Record as CaseRecord & { tokenRequests?: number; lifetimes?: number }).lifetimes = lifetimes;
  log(`  T1     : ${fmt(t1Result.rps, 1)} msg/s, p50 ${fmt(t1Result.p50, 1)} ms; ${t1Record.notes.at(-1)}`);
  const t1After = t1.child.memory();
  t1Record.memory = { bootMb: NaN, idleMb: NaN, afterMb: t1After.rssMb, peakMb: t1After.peakMb };
  await t1.stop();
  await driver.stop();
}

interface GrowthRow {
  stored: number;
  rps: number;
  p50: number;
  p99: number;
  statementsPerRequest: number | null;
  rssMb: number;
}

/** P2 at growing table sizes: the first page should cost the same whatever the total. */
async function growth(bench: Bench): Promise<GrowthRow[]> {
  const { settings } = bench;
  log(`growth: P2 at ${settings.growth.join(', ')} stored connections`);
  const target = await bench.freshDatabase('growth');
  const server = await bench.startPostroom('growth', target);
  const first = settings.growth[0]!;
  const ids = await bench.createConnections(server, first, 'grow-');
  const body = JSON.stringify({ query: CONNECTIONS, variables: { first: 50 } });
  const check = (b: string): boolean => noErrors(b) && b.includes('"nodes":[{');
  const rows: GrowthRow[] = [];
  let stored = first;
  for (const size of settings.growth) {
    if (size > stored) {
      const missing = size - stored;
      const prefix = `copy-${size}-`;
      if (target.database) {
        await withClient(target.database.url, (client) =>
          copyConnections(async (sql, params) => (await client.query(sql, params)).rows, ids[0]!, missing, prefix),
        );
      } else {
        await server.stop();
        const { PGlite } = await import('@electric-sql/pglite');
        const db = await PGlite.create(path.join(target.dataDir, 'pglite'));
        await copyConnections(
          async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows,
          ids[0]!,
          missing,
          prefix,
        );
        await db.close();
        await server.restart();
      }
      stored = size;
    }
    await bench.load(server, body, check, settings.warmupSec, settings.connections);
    const statements = await bench.statementsPerRequest(server, body);
    const r = await bench.load(server, body, check, settings.durationSec, settings.connections);
    rows.push({
      stored: size,
      rps: r.rps,
      p50: r.p50,
      p99: r.p99,
      statementsPerRequest: statements,
      rssMb: server.child.memory().rssMb,
    });
    log(`  P2@${size}: ${fmt(r.rps)} req/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms`);
  }
  await server.stop();
  return rows;
}

function perRound(bench: Bench, a: string, b: string): number[] {
  const left = bench.cases.get(a)?.rounds ?? [];
  const right = bench.cases.get(b)?.rounds ?? [];
  return left.map((l) => {
    const r = right.find((x) => x.round === l.round);
    return r && r.rps > 0 ? l.rps / r.rps : NaN;
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const base = args.quick ? QUICK : FULL;
  // --duration N: every measurement (read, mail, T1, growth) lasts N seconds, e.g. for a --cpu-prof run.
  const settings = args.durationSec
    ? { ...base, durationSec: args.durationSec, mailDurationSec: args.durationSec, t1DurationSec: args.durationSec }
    : base;
  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const db = await detectDatabase({ forcePglite: args.pglite, adminUrl });
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const bench = new Bench(settings, db);
  if (args.cpuProf) {
    bench.cpuProfDir = mkdtempSync(path.join(os.tmpdir(), 'postroom-bench-profiles-'));
    log(
      `CPU profiles of the Postroom processes go to ${bench.cpuProfDir} (read one with node dist/bench/profile-summary.js <file>)`,
    );
  }
  log(
    `Postroom bench (${settings.mode}); database: ${db.kind === 'postgres' ? `PostgreSQL ${redactUrl(db.adminUrl)}` : `PGlite FALLBACK: ${db.reason}`}`,
  );
  log(`temp folder: ${bench.tmp}`);

  const stopOnSignal = (): void => {
    log('interrupted: stopping servers and dropping databases');
    void bench.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  let failure: Error | null = null;
  let growthRows: GrowthRow[] = [];
  try {
    // The mail fixture first: every Postroom process gets the same env (egress ports, token host, CA).
    const fixture = startChild({
      name: 'smtp fixture',
      script: path.join(DIST, 'bench/servers/smtp-fixture.js'),
      env: bench.baseEnv(),
      logPath: path.join(bench.tmp, 'fixture.log'),
    });
    bench.cleanups.push(() => fixture.stop());
    const ready = await fixture.waitFor<FixtureReady>('ready', 60_000);
    log('smtp fixture ready');
    const caFile = path.join(bench.tmp, 'bench-ca.pem');
    writeFileSync(caFile, ready.caPem);
    bench.mailEnv = {
      EGRESS_ALLOWED_PORTS: `25,465,587,2525,${ready.sinkPort}`,
      OAUTH2_ALLOWED_TOKEN_HOSTS: ready.tokenHost,
      NODE_EXTRA_CA_CERTS: caFile,
    };

    await readCases(bench);
    await mailCases(bench, fixture, ready);
    growthRows = await growth(bench);
  } catch (error) {
    failure = error as Error;
    log(`\nHARNESS FAILURE: ${failure.stack ?? failure.message}`);
  } finally {
    await bench.cleanup();
    if (!failure && !args.keep) rmSync(bench.tmp, { recursive: true, force: true });
    else log(`logs kept in ${bench.tmp}`);
  }

  // ---- report ----
  const ratios = [
    { name: 'P1/B1', values: perRound(bench, 'P1', 'B1'), target: TARGETS.p1b1 },
    { name: 'P2/B1', values: perRound(bench, 'P2', 'B1'), target: TARGETS.p2b1 },
    { name: 'P1/R1', values: perRound(bench, 'P1', 'R1'), target: TARGETS.p1r1 },
    { name: 'S1/S0', values: perRound(bench, 'S1', 'S0'), target: TARGETS.s1s0 },
  ].map((r) => ({ ...r, median: median(r.values) }));
  const t1 = bench.cases.get('T1') as (CaseRecord & { tokenRequests?: number; lifetimes?: number }) | undefined;
  const idleRss = Math.max(bench.cases.get('P1')?.memory?.idleMb ?? NaN, bench.cases.get('P2')?.memory?.idleMb ?? NaN);
  const verdict = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL');
  const targets = [
    ...ratios.map((r) => ({
      target: `${r.name} ≥ ${r.target}`,
      measured: fmt(r.median, 2),
      result: Number.isFinite(r.median) ? verdict(r.median >= r.target) : 'n/a',
    })),
    {
      target: 'T1 token requests = 1 per token lifetime',
      measured: t1?.tokenRequests === undefined ? '–' : `${t1.tokenRequests} in ${t1.lifetimes}`,
      result: t1?.tokenRequests === undefined ? 'n/a' : verdict(t1.tokenRequests === t1.lifetimes),
    },
    {
      target: `idle RSS of the API ≤ ${TARGETS.idleRssMb} MB${db.kind === 'postgres' ? '' : ' (on PGlite, not PostgreSQL)'}`,
      measured: `${fmt(idleRss)} MB`,
      result: Number.isFinite(idleRss) ? verdict(idleRss <= TARGETS.idleRssMb) : 'n/a',
    },
  ];

  const m = machine();
  const out: string[] = [];
  out.push(
    `Postroom bench, ${settings.mode} mode, ${startedAt.toISOString()}`,
    `machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGb} GB, node ${m.node}, ${m.platform}`,
    `database: ${db.kind === 'postgres' ? 'PostgreSQL (fresh database per case)' : `PGlite — FALLBACK, ${db.reason}`}`,
    `load average (1/5/15 min) before: ${loadBefore}, after: ${loadAverage()} (other work on the machine skews absolute figures)`,
    `load: autocannon, ${settings.connections} connections, ${settings.durationSec} s per measurement after ${settings.warmupSec} s warm-up, ${settings.rounds} round(s) interleaved; mail: ${settings.mailConcurrency} at a time, ${settings.mailDurationSec} s, ${settings.mailRounds} round(s)`,
    '',
  );
  out.push(
    table(
      ['case', 'what', 'rate (median)', 'p50 ms', 'p99 ms', 'SQL/req', 'RSS idle MB', 'RSS after MB', 'peak MB'],
      [...bench.cases.values()].map((c) => [
        c.id,
        c.what,
        `${fmt(median(c.rounds.map((r) => r.rps)), c.unit === 'msg/s' ? 1 : 0)} ${c.unit}`,
        fmt(median(c.rounds.map((r) => r.p50)), 1),
        fmt(median(c.rounds.map((r) => r.p99)), 1),
        fmt(c.statementsPerRequest, 1),
        fmt(c.memory?.idleMb),
        fmt(c.memory?.afterMb),
        fmt(c.memory?.peakMb),
      ]),
    ),
    '',
  );
  out.push(
    table(
      ['ratio', 'per round', 'median', 'target'],
      ratios.map((r) => [r.name, r.values.map((v) => fmt(v, 2)).join(' '), fmt(r.median, 2), `≥ ${r.target}`]),
    ),
    '',
  );
  out.push(
    table(
      ['target', 'measured', 'result'],
      targets.map((t) => [t.target, t.measured, t.result]),
    ),
    '',
  );
  if (growthRows.length > 0) {
    out.push(
      'growth: P2 connections(first: 50) by stored connections',
      table(
        ['stored', '', 'req/s', 'p50 ms', 'p99 ms', 'SQL/req', 'RSS MB'],
        growthRows.map((g) => [
          String(g.stored),
          '',
          fmt(g.rps),
          fmt(g.p50, 1),
          fmt(g.p99, 1),
          fmt(g.statementsPerRequest, 1),
          fmt(g.rssMb),
        ]),
      ),
      '',
    );
  }
  for (const c of bench.cases.values()) for (const note of c.notes) out.push(`note ${c.id}: ${note}`);
  if (settings.mode === 'quick')
    out.push('quick mode: one short round proves the harness works; its figures are not the measurement.');
  if (failure) out.push(`HARNESS FAILURE: ${failure.message.split('\n')[0]}`);
  process.stdout.write(`${out.join('\n')}\n`);

  mkdirSync(path.dirname(args.out), { recursive: true });
  writeFileSync(
    args.out,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        mode: settings.mode,
        settings,
        machine: m,
        loadAverage: { before: loadBefore, after: loadAverage() },
        durationSec: Math.round((performance.now() - T0) / 1000),
        database: db.kind === 'postgres' ? { kind: 'postgres' } : { kind: 'pglite', fallbackReason: db.reason },
        cases: Object.fromEntries(
          [...bench.cases.values()].map((c) => [
            c.id,
            {
              ...c,
              median: {
                rate: median(c.rounds.map((r) => r.rps)),
                p50: median(c.rounds.map((r) => r.p50)),
                p99: median(c.rounds.map((r) => r.p99)),
              },
            },
          ]),
        ),
        ratios,
        targets,
        growth: growthRows,
        failure: failure ? failure.message : null,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${path.relative(ROOT, args.out)}`);
  process.exit(failure ? 1 : 0);
}

void main();
