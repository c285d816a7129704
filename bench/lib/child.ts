/**
 * Child processes of the bench: each server under test runs as its own `node` process so its RSS is
 * its own. Output goes to a log file (cheap for the child, readable when something breaks).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Memory {
  /** VmRSS in MB. */
  rssMb: number;
  /** VmHWM (peak RSS) in MB. */
  peakMb: number;
}

export interface Child {
  name: string;
  pid: number;
  port: number | null;
  logPath: string;
  memory(): Memory;
  /** One IPC request; the child answers with the same `id`. */
  ask<T>(message: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Resolves with the first IPC message of this type (e.g. 'ready'). */
  waitFor<T>(type: string, timeoutMs: number): Promise<T>;
  logTail(lines?: number): string;
  running(): boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

export function startChild(options: {
  name: string;
  script: string;
  args?: string[];
  env: Record<string, string | undefined>;
  logPath: string;
  port?: number;
  nodeArgs?: string[];
  /** How long stop() waits after SIGTERM before SIGKILL (a --cpu-prof profile is written only on a clean exit). */
  stopGraceMs?: number;
}): Child {
  const log = openSync(options.logPath, 'a');
  const proc: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
    {
      env: options.env as NodeJS.ProcessEnv,
      stdio: ['ignore', log, log, 'ipc'],
    },
  );
  closeSync(log);
  let exited: { code: number | null; signal: string | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    proc.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const pending = new Map<number, (value: unknown) => void>();
  const waiters = new Map<string, Array<(value: unknown) => void>>();
  const seen = new Map<string, unknown>();
  let nextId = 1;
  proc.on('message', (raw) => {
    const message = raw as { id?: number; type?: string };
    if (typeof message.id === 'number' && pending.has(message.id)) {
      pending.get(message.id)!(message);
      pending.delete(message.id);
      return;
    }
    if (typeof message.type === 'string') {
      seen.set(message.type, message);
      for (const resolve of waiters.get(message.type) ?? []) resolve(message);
      waiters.delete(message.type);
    }
  });

  const logTail = (lines = 20): string => {
    try {
      return readFileSync(options.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const died = (what: string): Error =>
    new Error(`${options.name} exited (${JSON.stringify(exited)}) while ${what}; last log lines:\n${logTail()}`);

  return {
    name: options.name,
    pid: proc.pid ?? -1,
    port: options.port ?? null,
    logPath: options.logPath,
    memory: () => readMemory(proc.pid ?? -1),
    logTail,
    running: () => exited === null,
    ask<T>(message: Record<string, unknown>, timeoutMs = 120_000): Promise<T> {
      if (exited) return Promise.reject(died(`asked ${String(message.type)}`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${options.name} did not answer ${String(message.type)} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, (value) => {
          clearTimeout(timer);
          resolve(value as T);
        });
        void exitPromise.then(() => {
          if (pending.delete(id)) {
            clearTimeout(timer);
            reject(died(`answering ${String(message.type)}`));
          }
        });
        proc.send({ ...message, id });
      });
    },
    waitFor<T>(type: string, timeoutMs: number): Promise<T> {
      if (seen.has(type)) return Promise.resolve(seen.get(type) as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${options.name} sent no '${type}' within ${timeoutMs} ms:\n${logTail()}`)),
          timeoutMs,
        );
        const list = waiters.get(type) ?? [];
        list.push((value) => {
          clearTimeout(timer);
          resolve(value as T);
        });
        waiters.set(type, list);
        void exitPromise.then(() => {
          clearTimeout(timer);
          reject(died(`starting (waiting for '${type}')`));
        });
      });
    },
    async stop() {
      if (exited) return;
      // An open IPC channel keeps a child's event loop alive; Postroom relies on the loop emptying to exit.
      if (proc.connected) proc.disconnect();
      proc.kill('SIGTERM');
      const stopped = await Promise.race([
        exitPromise.then(() => true),
        sleep(options.stopGraceMs ?? 3_000).then(() => false),
      ]);
      if (!stopped) {
        proc.kill('SIGKILL');
        await Promise.race([exitPromise, sleep(2_000)]);
      }
    },
  };
}

/** Polls GET url until it answers 200; bounded by timeoutMs. */
export async function waitForHttp(child: Child, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline && attempt < 10_000; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (!child.running()) throw new Error(`${child.name} exited while starting; last log lines:\n${child.logTail()}`);
    await sleep(100);
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms; last log lines:\n${child.logTail()}`);
}
