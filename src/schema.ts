/** Builds the executable schema from the resolvers, and prints it sorted for schema.graphql. */
import 'reflect-metadata';
import { GraphQLInputObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import './connections/graphql-enums.js';
import { ConnectionListResolver, ConnectionResolver } from './connections/connection.resolver.js';
import { SmtpConnection } from './connections/connection-output.types.js';
import { ConnectionFormResolver } from './connections/form/form.resolver.js';
import { ApiKeyResolver } from './auth/api-key.resolver.js';
import { enforceAccessRules } from './auth/authorize.js';
import { AuditResolver } from './audit/audit.resolver.js';

/** Inputs where exactly one member must be set; type-graphql has no decorator option for @oneOf. */
const ONE_OF_INPUTS = ['AuthMethodInput'];

export async function createSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [ConnectionResolver, ConnectionListResolver, ConnectionFormResolver, ApiKeyResolver, AuditResolver],
    orphanedTypes: [SmtpConnection],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
    emitSchemaFile: false,
  });
  // Every root field passes src/auth/access-rules.ts; a field without a rule is denied.
  enforceAccessRules(schema);
  for (const name of ONE_OF_INPUTS) {
    const type = schema.getType(name);
    if (type instanceof GraphQLInputObjectType) type.isOneOf = true;
  }
  return schema;
}

export function printSortedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
