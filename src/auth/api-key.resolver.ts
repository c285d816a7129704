import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { GraphQLContext } from '../context.js';
import type { ApiKeyView, CreatedApiKeyView } from './api-key.model.js';
import { ApiKey, CreatedApiKey, Role } from './api-key.types.js';

@Resolver()
export class ApiKeyResolver {
  @Query(() => [ApiKey], { description: 'Every API key, revoked and expired ones included, oldest first.' })
  apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKeyView[]> {
    return ctx.services.apiKeys.list(ctx.request);
  }

  @Mutation(() => CreatedApiKey, { description: 'Returns the token once; it cannot be retrieved later.' })
  createApiKey(
    @Ctx() ctx: GraphQLContext,
    @Arg('name') name: string,
    @Arg('role', () => Role) role: Role,
    @Arg('expiresAt', () => DateTimeResolver, { nullable: true }) expiresAt: Date | null,
  ): Promise<CreatedApiKeyView> {
    return ctx.services.apiKeys.create(ctx.request, { name, role, expiresAt: expiresAt ?? null });
  }

  @Mutation(() => ApiKey, {
    description:
      'Takes effect on the next request. Revoking a revoked key returns it unchanged; revoking the key you are using is allowed.',
  })
  revokeApiKey(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ApiKeyView> {
    return ctx.services.apiKeys.revoke(ctx.request, { id });
  }
}
