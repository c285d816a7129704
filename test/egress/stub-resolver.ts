import net from 'node:net';
import type { ResolvedAddress, Resolver } from '../../src/egress/egress-guard.js';

/** One answer per call, in turn (the last repeats); an Error answer rejects. Unknown names → ENOTFOUND. */
export type StubAnswers = Record<string, Array<string[] | Error>>;

export function stubResolver(answers: StubAnswers): { resolver: Resolver; calls: string[] } {
  const calls: string[] = [];
  const resolver: Resolver = async (hostname) => {
    const sequence = answers[hostname];
    const asked = calls.filter((c) => c === hostname).length;
    calls.push(hostname);
    if (!sequence || sequence.length === 0)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const answer = sequence[Math.min(asked, sequence.length - 1)]!;
    if (answer instanceof Error) throw answer;
    return answer.map((address): ResolvedAddress => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  };
  return { resolver, calls };
}
