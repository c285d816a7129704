import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { IsOptional, MaxLength } from 'class-validator';

@ObjectType({ description: 'One change, written in the same transaction as the change itself.' })
export class AuditEvent {
  @Field(() => ID)
  id: string;

  @Field(() => DateTimeResolver)
  at: Date;

  @Field({ description: 'Who made the change: "apiKey:<key name>", "jwt:<subject>" or "system:<task>".' })
  actor: string;

  @Field({ description: 'e.g. "connection.update", "connection.rotateSecret", "apiKey.create".' })
  action: string;

  @Field(() => ID, { nullable: true })
  connectionId: string | null;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: 'Changed fields as { field: { from, to } }; secrets only as "changed".',
  })
  changes: Record<string, unknown> | null;
}

@InputType()
export class AuditEventFilter {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(64, { message: 'filter.action must be at most 64 characters' })
  action?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200, { message: 'filter.actor must be at most 200 characters' })
  actor?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  connectionId?: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  @IsOptional()
  since?: Date | null;
}
