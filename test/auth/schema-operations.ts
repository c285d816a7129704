/**
 * One runnable operation per root field, generated from the built schema: required arguments get
 * well-typed placeholder values, object results select __typename. A new field is covered automatically.
 */
import { randomUUID } from 'node:crypto';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  getNamedType,
  isLeafType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

export interface RootOperation {
  /** "Query.connections" */
  field: string;
  query: string;
  variables: Record<string, unknown>;
}

function placeholder(type: GraphQLInputType, argName: string): unknown {
  if (type instanceof GraphQLNonNull) return placeholder(type.ofType, argName);
  if (type instanceof GraphQLList) return [placeholder(type.ofType, argName)];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]!.value;
  if (type instanceof GraphQLInputObjectType) {
    const fields = Object.values(type.getFields());
    if (type.isOneOf) return { [fields[0]!.name]: placeholder(fields[0]!.type, fields[0]!.name) };
    return Object.fromEntries(
      fields
        .filter((f) => f.type instanceof GraphQLNonNull && f.defaultValue === undefined)
        .map((f) => [f.name, placeholder(f.type, f.name)]),
    );
  }
  if (type instanceof GraphQLScalarType) {
    switch (type.name) {
      case 'ID':
        return randomUUID();
      case 'Int':
        return 1;
      case 'Float':
        return 1.5;
      case 'Boolean':
        return argName === 'dryRun';
      case 'DateTime':
        return new Date(Date.now() + 86_400_000).toISOString();
      case 'EmailAddress':
        return 'someone@example.com';
      case 'JSONObject':
        return {};
      default:
        return argName === 'url' ? 'smtp.example.invalid:587' : `placeholder-${argName}`;
    }
  }
  throw new Error(`no placeholder for ${String(type)}`);
}

function operation(
  kind: 'query' | 'mutation',
  parent: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
): RootOperation {
  const required = field.args.filter((a) => a.type instanceof GraphQLNonNull && a.defaultValue === undefined);
  const defs = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  const name = `Auth_${field.name}`;
  return {
    field: `${parent.name}.${field.name}`,
    query: `${kind} ${name}${defs ? `(${defs})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`,
    variables: Object.fromEntries(required.map((a) => [a.name, placeholder(a.type, a.name)])),
  };
}

export function rootOperations(schema: GraphQLSchema): RootOperation[] {
  const ops: RootOperation[] = [];
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (query) for (const f of Object.values(query.getFields())) ops.push(operation('query', query, f));
  if (mutation) for (const f of Object.values(mutation.getFields())) ops.push(operation('mutation', mutation, f));
  return ops;
}
