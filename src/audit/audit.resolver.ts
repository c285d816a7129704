import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import type { AuditEventView } from './audit.service.js';
import { AuditEvent, AuditEventFilter } from './audit.types.js';

@Resolver()
export class AuditResolver {
  @Query(() => [AuditEvent], {
    description: 'Changes to one connection, newest first; page with after: <last event id>.',
  })
  connectionHistory(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<AuditEventView[]> {
    return ctx.services.audit.list(ctx.request, {
      first: first ?? 50,
      after: after ?? null,
      filter: { connectionId: id },
    });
  }

  @Query(() => [AuditEvent], { description: 'Every audit event, newest first; page with after: <last event id>.' })
  auditEvents(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter: AuditEventFilter | null,
  ): Promise<AuditEventView[]> {
    return ctx.services.audit.list(ctx.request, { first: first ?? 50, after: after ?? null, filter: filter ?? {} });
  }
}
