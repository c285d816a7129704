/** Runs the built entry points as child processes on a temp DATA_DIR (always embedded PGlite). */
import { spawn } from 'node:child_process';
import path from 'node:path';

/** dist-<name>/test/auth → dist-<name>/src */
export const DIST_SRC = path.resolve(__dirname, '../../src');

export function childEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...extra };
  for (const name of [
    'DATABASE_URL',
    'BOOTSTRAP_API_KEY',
    'SECRET_KEYS',
    'NODE_ENV',
    'AUTH_JWKS_URL',
    'AUTH_ISSUER',
    'AUTH_AUDIENCE',
  ]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(DIST_SRC, 'auth/apikey.cli.js'), ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts main.js, waits for the "ready" log line, runs `whileUp(url)`, then stops it with SIGTERM. */
export function runServer(
  env: NodeJS.ProcessEnv,
  whileUp: (url: string) => Promise<void> = async () => {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(DIST_SRC, 'main.js')], { env });
    let stdout = '';
    let stderr = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `main.js did not become ready and stop within 120s; stdout: ${stdout.slice(0, 2000)} stderr: ${stderr.slice(0, 2000)}`,
        ),
      );
    }, 120_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      const ready = /"url":"(http:\/\/localhost:\d+\/graphql)"/.exec(stdout);
      if (ready && !started) {
        started = true;
        whileUp(ready[1]!).then(
          () => {
            child.kill('SIGTERM');
            // A restarted main.js that served a request does not finish stopping (seen without auth too):
            // the test is about stdout, so it ends the child after a grace period.
            setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
          },
          (error: unknown) => {
            child.kill('SIGTERM');
            reject(error);
          },
        );
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
