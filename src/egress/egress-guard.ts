/**
 * Vets a user-supplied destination right before it is dialled: literal and port checks first, then DNS through
 * a small resolver port, then the address policy on EVERY resolved address. It returns the one address to
 * dial; callers connect to that IP (TLS servername and Host header stay the name), so an answer that changes
 * between this check and the connect (DNS rebinding) is never used.
 *
 * Decisions: a name with any forbidden address is refused as a whole (a mix of public and internal records
 * means internal reachability and is not a normal mail setup); the dialled address is the first IPv4 one,
 * else the first IPv6 one (mail servers are reachable over IPv4 almost universally, and one address means no
 * fallback to another family). A name listed in EGRESS_ALLOWED_HOSTS skips the address checks.
 */
import dns from 'node:dns';
import type { EgressConfig } from '../config.js';
import {
  EGRESS_DENIED,
  checkAddress,
  checkLiteralDestination,
  compileEgressPolicy,
  isHostListed,
  parseHostLiteral,
  type EgressDenialReason,
  type EgressPolicy,
  type EgressPurpose,
} from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** The DNS edge. Rejects with an error carrying a `code` (ENOTFOUND, EAI_AGAIN…) when the name does not resolve. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await dns.promises.lookup(hostname, { all: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export type EgressVerdict =
  | { ok: true; address: string; family: 4 | 6 }
  | {
      ok: false;
      reason: EgressDenialReason;
      message: string;
      /** EGRESS_DENIED for policy refusals; the resolver's code (ENOTFOUND, EAI_AGAIN, ETIMEDOUT) when DNS failed. */
      errorCode: string;
    };

export interface EgressGuard {
  readonly policy: EgressPolicy;
  vetDestination(host: string, port: number, purpose: EgressPurpose): Promise<EgressVerdict>;
}

export interface EgressGuardDeps {
  resolver?: Resolver;
  /** getaddrinfo has no deadline of its own. */
  dnsTimeoutMs?: number;
}

export function createEgressGuard(config: EgressConfig | EgressPolicy, deps: EgressGuardDeps = {}): EgressGuard {
  const policy = 'allowedNets' in config ? config : compileEgressPolicy(config);
  const resolver = deps.resolver ?? systemResolver;
  const dnsTimeoutMs = deps.dnsTimeoutMs ?? 10_000;

  return {
    policy,
    async vetDestination(host, port, purpose) {
      const denied = checkLiteralDestination(policy, host, port, purpose);
      if (denied) return { ok: false, ...denied, errorCode: EGRESS_DENIED };
      const literal = parseHostLiteral(host);
      if (literal.kind === 'ip') return { ok: true, address: literal.address, family: literal.family };
      if (literal.kind !== 'name') {
        return { ok: false, reason: 'invalidHost', message: `${host} is not a valid host`, errorCode: EGRESS_DENIED };
      }
      let answers: ResolvedAddress[];
      try {
        answers = await withDeadline(resolver(literal.name), dnsTimeoutMs);
      } catch (error) {
        const code =
          typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'ENOTFOUND';
        return {
          ok: false,
          reason: 'unresolvable',
          message: `${literal.name} does not resolve (${code})`,
          errorCode: code,
        };
      }
      if (answers.length === 0) {
        return { ok: false, reason: 'unresolvable', message: `${literal.name} has no address`, errorCode: 'ENOTFOUND' };
      }
      if (!isHostListed(policy, literal.name)) {
        for (const answer of answers) {
          const refusal = checkAddress(policy, answer.address, `${literal.name} resolves to`);
          if (refusal) return { ok: false, ...refusal, errorCode: EGRESS_DENIED };
        }
      }
      const chosen = answers.find((a) => a.family === 4) ?? answers[0]!;
      return { ok: true, address: chosen.address, family: chosen.family };
    },
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`DNS did not answer within ${ms} ms`), { code: 'EAI_AGAIN' })),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
