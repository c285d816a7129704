/**
 * S0: bare nodemailer, in its own process. Each message gets a fresh transport (one connection: STARTTLS
 * required, the sink's CA trusted, AUTH PLAIN), the same shape of message Postroom's test email has.
 * IPC: {type:'run', durationMs, concurrency, host, port, caPem, user, pass} → {sent, failed, elapsedMs, p50, p99, firstError}.
 */
import nodemailer from 'nodemailer';

interface RunRequest {
  id: number;
  type: 'run';
  durationMs: number;
  concurrency: number;
  maxMessages: number;
  host: string;
  port: number;
  caPem: string;
  user: string;
  pass: string;
}

async function sendOne(request: RunRequest): Promise<void> {
  const transport = nodemailer.createTransport({
    host: request.host,
    port: request.port,
    secure: false,
    requireTLS: true,
    tls: { ca: request.caPem, rejectUnauthorized: true },
    auth: { user: request.user, pass: request.pass },
    pool: false,
  });
  try {
    await transport.sendMail({
      from: { name: 'Bench', address: request.user },
      to: 'recipient@example.com',
      subject: 'Postroom test email',
      text: 'This is a test email sent by the Postroom bench.',
    });
  } finally {
    transport.close();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(request: RunRequest): Promise<Record<string, unknown>> {
  const started = performance.now();
  const deadline = started + request.durationMs;
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | null = null;
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && issued < request.maxMessages) {
      issued += 1;
      const t0 = performance.now();
      try {
        await sendOne(request);
        latencies.push(performance.now() - t0);
      } catch (error) {
        failed += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, () => worker()));
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    sent: latencies.length,
    failed,
    elapsedMs,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    firstError,
  };
}

process.on('message', (raw) => {
  const message = raw as RunRequest;
  if (message.type !== 'run') return;
  run(message).then(
    (result) => process.send?.({ id: message.id, ...result }),
    (error: unknown) => process.send?.({ id: message.id, sent: 0, failed: 1, firstError: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.send?.({ type: 'ready' });
