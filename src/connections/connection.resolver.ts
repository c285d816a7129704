import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { EmailAddressResolver } from 'graphql-scalars';
import type { GraphQLContext } from '../context.js';
import { badInput } from '../errors.js';
import type { ConnectionView } from './connection.model.js';
import type { TestOutcome } from '../mail/test-outcome.js';
import { ConnectionType } from './graphql-enums.js';
import { Connection, ConnectionList, TestEmailResult } from './connection-output.types.js';
import {
  ConnectionFilter,
  CreateConnectionInput,
  RotateSecretInput,
  UpdateConnectionInput,
} from './connection.inputs.js';
import { toAuthSettings, toNewConnection } from './connection-input.mapper.js';
import type { ConnectionPage } from './connection.service.js';

function mapped<T>(result: { ok: true; value: T } | { ok: false; errors: { path: string; message: string }[] }): T {
  if (!result.ok) throw badInput(result.errors);
  return result.value;
}

@Resolver()
export class ConnectionResolver {
  @Query(() => Connection, { nullable: true })
  connection(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ConnectionView | null> {
    return ctx.services.connections.get(ctx.request, { id });
  }

  @Query(() => Connection, { nullable: true, description: 'Names match case-insensitively.' })
  connectionByName(
    @Ctx() ctx: GraphQLContext,
    @Arg('name') name: string,
    @Arg('type', () => ConnectionType, { nullable: true, defaultValue: ConnectionType.SMTP })
    type: ConnectionType | null,
  ): Promise<ConnectionView | null> {
    return ctx.services.connections.getByName(ctx.request, { type: type ?? ConnectionType.SMTP, name });
  }

  @Query(() => ConnectionList, { description: 'Sorted by name; page with first/after.' })
  connections(
    @Ctx() ctx: GraphQLContext,
    @Arg('filter', () => ConnectionFilter, { nullable: true }) filter: ConnectionFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ConnectionPage> {
    return ctx.services.connections.list(ctx.request, {
      type: filter?.type ?? null,
      search: filter?.search ?? null,
      first: first ?? 50,
      after: after ?? null,
    });
  }

  @Query(() => Connection, {
    nullable: true,
    description:
      'The connection marked default; else the one named "Default" (any case); else the only one of that type; else null.',
  })
  defaultConnection(
    @Ctx() ctx: GraphQLContext,
    @Arg('type', () => ConnectionType, { nullable: true, defaultValue: ConnectionType.SMTP })
    type: ConnectionType | null,
  ): Promise<ConnectionView | null> {
    return ctx.services.connections.getDefault(ctx.request, { type: type ?? ConnectionType.SMTP });
  }

  @Query(() => [Connection], {
    description: 'Connections whose secret expires within the window or has expired, soonest first.',
  })
  expiringSecrets(
    @Ctx() ctx: GraphQLContext,
    @Arg('withinDays', () => Int, { nullable: true, defaultValue: 30 }) withinDays: number | null,
  ): Promise<ConnectionView[]> {
    return ctx.services.connections.expiring(ctx.request, { withinDays: withinDays ?? 30 });
  }

  @Mutation(() => Connection)
  createConnection(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateConnectionInput) input: CreateConnectionInput,
  ): Promise<ConnectionView> {
    return ctx.services.connections.create(ctx.request, { input: mapped(toNewConnection(input)) });
  }

  @Mutation(() => Connection)
  updateConnection(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateConnectionInput) input: UpdateConnectionInput,
  ): Promise<ConnectionView> {
    const auth = input.auth ? mapped(toAuthSettings(input.auth)) : null;
    return ctx.services.connections.update(ctx.request, { id, input: { ...input, auth } });
  }

  @Mutation(() => Connection)
  rotateSecret(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => RotateSecretInput) input: RotateSecretInput,
  ): Promise<ConnectionView> {
    return ctx.services.connectionTests.rotateSecret(ctx.request, {
      id,
      secret: input.secret,
      expiresAt: input.expiresAt ?? null,
      verify: input.verify ?? false,
      expectedVersion: input.expectedVersion ?? null,
    });
  }

  @Mutation(() => TestEmailResult, {
    description: 'Sends one test message. dryRun: connect, TLS, token and AUTH only; nothing is sent.',
  })
  sendTestEmail(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('to', () => EmailAddressResolver) to: string,
    @Arg('dryRun', () => Boolean, { nullable: true, defaultValue: false }) dryRun: boolean | null,
  ): Promise<TestOutcome> {
    return ctx.services.connectionTests.sendTestEmail(ctx.request, { id, to, dryRun: dryRun ?? false });
  }

  @Mutation(() => TestEmailResult, {
    description: 'The same test on settings that are not saved yet (a form\'s "Test" button); nothing is stored.',
  })
  testConnectionSettings(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => CreateConnectionInput) input: CreateConnectionInput,
    @Arg('to', () => EmailAddressResolver) to: string,
    @Arg('dryRun', () => Boolean, { nullable: true, defaultValue: false }) dryRun: boolean | null,
  ): Promise<TestOutcome> {
    return ctx.services.connectionTests.testSettings(ctx.request, {
      input: mapped(toNewConnection(input)),
      to,
      dryRun: dryRun ?? false,
    });
  }

  @Mutation(() => Connection)
  setDefaultConnection(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ConnectionView> {
    return ctx.services.connections.setDefault(ctx.request, { id });
  }

  @Mutation(() => ID, { description: 'Deleting the marked default while others of its type exist is CONFLICT.' })
  deleteConnection(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion: number | null,
  ): Promise<string> {
    return ctx.services.connections.delete(ctx.request, { id, expectedVersion: expectedVersion ?? null });
  }
}

@Resolver(() => ConnectionList)
export class ConnectionListResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() page: ConnectionPage): Promise<number> {
    return page.countAll();
  }
}
