import type { Role } from './auth/role.js';

/** Who is calling: an API key, a JWT subject, or the system itself (CLI, bootstrap). */
export interface Principal {
  kind: 'apiKey' | 'jwt' | 'system';
  /** "apiKey:<name>", "jwt:<sub>" or "system:<what>". */
  actor: string;
  role: Role;
  keyId?: string;
}

/** Who is asking, for services and logs. Filled by the server for each request. */
export interface RequestContext {
  requestId: string;
  /** The principal's actor: an API key's name or a JWT subject ("apiKey:ops", "jwt:alice"). */
  actor: string;
  principal: Principal;
}

/** A context for work the system does on its own behalf (CLI commands, start-up tasks). */
export function systemContext(what: string, role: Role): RequestContext {
  const actor = `system:${what}`;
  return { requestId: `${what}-${Date.now()}`, actor, principal: { kind: 'system', actor, role } };
}
