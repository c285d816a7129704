/**
 * The global type-graphql middleware enforcing ACCESS_RULES on every root field. Nested fields are reached
 * only through a root field, so they need no rule of their own.
 */
import type { MiddlewareFn } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { DomainError, ErrorCode } from '../errors.js';
import type { Principal } from '../request-context.js';
import { ACCESS_RULES } from './access-rules.js';
import { Role, roleAtLeast } from './role.js';

export const authorize: MiddlewareFn<GraphQLContext> = ({ context, info }, next) => {
  const { schema, parentType } = info;
  const isRoot =
    parentType === schema.getQueryType() ||
    parentType === schema.getMutationType() ||
    parentType === schema.getSubscriptionType();
  if (!isRoot) return next();
  const field = `${parentType.name}.${info.fieldName}`;
  const needed = ACCESS_RULES[field];
  if (!needed) {
    throw new DomainError(
      ErrorCode.FORBIDDEN,
      `${field} has no access rule, so it is denied to everyone: add it to src/auth/access-rules.ts`,
    );
  }
  const principal = context.request.principal;
  if (!roleAtLeast(principal.role, needed)) {
    throw new DomainError(
      ErrorCode.FORBIDDEN,
      `${field} needs the ${needed} role${needed === Role.ADMIN ? '' : ' or higher'}; ${describe(principal)} has the ${principal.role} role`,
      { requiredRole: needed },
    );
  }
  return next();
};

function describe(principal: Principal): string {
  switch (principal.kind) {
    case 'apiKey':
      return `API key "${principal.actor.replace(/^apiKey:/, '')}"`;
    case 'jwt':
      return `access token subject "${principal.actor.replace(/^jwt:/, '')}"`;
    case 'system':
      return principal.actor;
    default: {
      const never: never = principal.kind;
      return String(never);
    }
  }
}
