/**
 * Enforces ACCESS_RULES on every root field. The schema's root resolvers are wrapped once after it is built,
 * so nested fields cost nothing and a new root field is covered without any decorator: it has no rule, so it
 * is denied to everyone until it gets one.
 */
import { defaultFieldResolver, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../context.js';
import { DomainError, ErrorCode } from '../errors.js';
import type { Principal } from '../request-context.js';
import { ACCESS_RULES } from './access-rules.js';
import { Role, roleAtLeast } from './role.js';

export function assertAccess(principal: Principal, field: string): void {
  const needed = ACCESS_RULES[field];
  if (!needed) {
    throw new DomainError(
      ErrorCode.FORBIDDEN,
      `${field} has no access rule, so it is denied to everyone: add it to src/auth/access-rules.ts`,
    );
  }
  if (!roleAtLeast(principal.role, needed)) {
    throw new DomainError(
      ErrorCode.FORBIDDEN,
      `${field} needs the ${needed} role${needed === Role.ADMIN ? '' : ' or higher'}; ${describe(principal)} has the ${principal.role} role`,
      { requiredRole: needed },
    );
  }
}

export function enforceAccessRules(schema: GraphQLSchema): void {
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  for (const root of roots.filter((type): type is GraphQLObjectType => Boolean(type))) {
    for (const field of Object.values(root.getFields())) {
      const name = `${root.name}.${field.name}`;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: GraphQLContext, info) => {
        assertAccess(context.request.principal, name);
        return resolve(source, args, context, info);
      };
    }
  }
}

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
