/** autocannon against one GraphQL operation, every response checked (a fast error is not a result). */
import autocannon from 'autocannon';

export interface LoadResult {
  /** Checked-good responses per second over the measured window. */
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  good: number;
  bad: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  /** The first bad body, cut short, to say what went wrong. */
  sampleBad: string | null;
}

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
  /** True when the response body is the expected answer. */
  check: (body: string) => boolean;
  timeoutSec?: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let good = 0;
  let bad = 0;
  let sampleBad: string | null = null;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    timeout: options.timeoutSec ?? 10,
    requests: [
      {
        method: 'POST',
        headers: options.headers,
        body: options.body,
        onResponse: (status: number, body: string) => {
          if (status === 200 && options.check(body)) good += 1;
          else {
            bad += 1;
            sampleBad ??= `${status} ${String(body).slice(0, 300)}`;
          }
        },
      },
    ],
  });
  const durationSec = result.duration;
  return {
    rps: good / durationSec,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    good,
    bad,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec,
    sampleBad,
  };
}

/** A fixed number of sequential requests (for probes that count database statements per request). */
export async function runSequential(options: {
  url: string;
  body: string;
  headers: Record<string, string>;
  count: number;
}): Promise<void> {
  for (let i = 0; i < options.count; i++) {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: options.headers,
      body: options.body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.text();
  }
}
