/** GraphQL types of access: filled from views (api-key.model.ts), never from the entity. */
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { Role } from './role.js';

registerEnumType(Role, {
  name: 'Role',
  description:
    'ADMIN: everything. OPERATOR: reads, sendTestEmail, testConnectionSettings, rotateSecret. VIEWER: reads.',
});

@ObjectType({ description: 'An API key. Its token is shown once, by createApiKey; only a hash is stored.' })
export class ApiKey {
  @Field(() => ID)
  id: string;

  @Field({ description: 'Unique, ignoring case; never reused, even after revocation.' })
  name: string;

  @Field(() => Role)
  role: Role;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Updated at most once a minute.' })
  lastUsedAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  expiresAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  revokedAt: Date | null;
}

@ObjectType({ description: 'A new API key and its token: the only time the token is shown. Store it now.' })
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey: ApiKey;

  @Field()
  token: string;
}

export { Role };
