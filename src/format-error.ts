/**
 * The one formatError: every error leaves with a code from API.md. Validation and domain errors carry
 * `fields: [{path, message}]`; anything unknown is masked as INTERNAL_SERVER_ERROR and logged with its
 * cause. No message echoes an input value (it may be a secret).
 */
import { GraphQLError, GraphQLInputObjectType, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { ValidationError } from 'class-validator';
import { ArgumentValidationError } from 'type-graphql';
import { DomainError, ErrorCode, type FieldError } from './errors.js';

/** class-validator's tree to dotted paths: auth.basic.password, forms[17].name. */
export function validationFields(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property)
      ? `${prefix}[${error.property}]`
      : prefix
        ? `${prefix}.${error.property}`
        : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...validationFields(error.children ?? [], path)];
  });
}

/** Drops the offending value from graphql-js and scalar messages ("... non string value: hunter2"). */
function withoutLiteral(reason: string): string {
  return reason.replace(/(value|address|string|Int|Boolean|Float)\s*:\s.*$/s, '$1').replace(/, found .*$/s, '.');
}

function withoutValue(reason: string): string {
  return withoutLiteral(reason).replace(/ Did you mean .*$/s, '');
}

const VARIABLE = /^Variable "\$(\w+)" got invalid value /;
const AT_PATH = / at "([\w.[\]]+)"$/;

/** Members of the @oneOf input types, to say which one to set. */
export function oneOfMembers(schema: GraphQLSchema | undefined): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const type of Object.values(schema?.getTypeMap() ?? {})) {
    if (type instanceof GraphQLInputObjectType && type.isOneOf) members.set(type.name, Object.keys(type.getFields()));
  }
  return members;
}

/** graphql-js reasons in words that say how to fix the field; never with the value. */
function explain(path: string, reason: string, oneOf: Map<string, string[]>): string {
  const exactlyOne = /^Exactly one key must be specified for OneOf type "(\w+)"/.exec(reason);
  const nullMember = /^Field "(\w+)" must be non-null/.exec(reason);
  const members = exactlyOne
    ? oneOf.get(exactlyOne[1]!)
    : nullMember
      ? [...oneOf.values()].find((fields) => fields.includes(nullMember[1]!))
      : undefined;
  if (members)
    return `${path}: set exactly one of ${members.join(' or ')}${nullMember ? ', with a value (not null)' : ''}`;
  if (/valid email address/.test(reason)) return `${path} must be an email address, e.g. reports@example.com`;
  return `${path}: ${withoutValue(reason)}`;
}

/**
 * A variable that failed GraphQL coercion: `$input … at "input.fromAddress"` becomes path fromAddress.
 * graphql-js writes `<prefix>; <reason>` and the prefix prints the offending value, which may hold "; "
 * (and a secret), so the message is split at the known reason, never inside the value.
 */
function coercionFields(
  message: string,
  reason: string | undefined,
  oneOf: Map<string, string[]>,
): FieldError[] | null {
  const variable = VARIABLE.exec(message)?.[1];
  if (variable === undefined) return null;
  if (reason === undefined || !message.endsWith(`; ${reason}`)) {
    return [{ path: variable, message: `${variable}: invalid value; check its type against the schema` }];
  }
  const at = AT_PATH.exec(message.slice(0, message.length - reason.length - 2))?.[1];
  const segments = at ? at.replace(/\[(\d+)\]/g, '.$1').split('.') : [variable];
  // A required field left out is reported on its parent object; point at the field itself.
  const missing = /^Field "(\w+)" of required type "[^"]+" was not provided\.$/.exec(reason)?.[1];
  if (missing) segments.push(missing);
  const path = (segments.length > 1 ? segments.slice(1) : segments)
    .join('.')
    .replace(/\.(\d+)(?=\.|$)/g, '[$1]')
    .replace(/^(\d+)/, '[$1]');
  const explained = missing ? `${path} is required` : explain(path, reason, oneOf);
  return [{ path, message: explained }];
}

export function createFormatError(options: { hideSuggestions: boolean; schema?: GraphQLSchema }) {
  const oneOf = oneOfMembers(options.schema);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    // Auth errors thrown by the context function have no path, but still carry their DomainError.
    const original =
      unwrapped instanceof GraphQLError && unwrapped.originalError instanceof DomainError
        ? unwrapped.originalError
        : unwrapped;
    const base = { locations: formatted.locations, path: formatted.path };

    if (original instanceof DomainError) {
      return { ...base, message: original.message, extensions: { ...original.extensions, code: original.code } };
    }
    if (original instanceof ArgumentValidationError) {
      const fields = validationFields(original.extensions.validationErrors);
      return {
        ...base,
        message: `Invalid input: ${fields.map((f) => f.message).join('; ')}`,
        extensions: { code: ErrorCode.BAD_USER_INPUT, fields },
      };
    }
    const code = formatted.extensions?.code;
    if (
      code === 'BAD_USER_INPUT' ||
      code === 'GRAPHQL_VALIDATION_FAILED' ||
      code === 'GRAPHQL_PARSE_FAILED' ||
      code === 'BAD_REQUEST'
    ) {
      const fields = coercionFields(formatted.message, reasonOf(error), oneOf);
      const message = fields
        ? `Invalid input: ${fields.map((f) => f.message).join('; ')}`
        : literalMessage(formatted.message, oneOf, options.hideSuggestions);
      return { ...base, message, extensions: { code: ErrorCode.BAD_USER_INPUT, ...(fields ? { fields } : {}) } };
    }
    if (code === 'PERSISTED_QUERY_NOT_FOUND' || code === 'PERSISTED_QUERY_NOT_SUPPORTED') {
      return { ...base, message: formatted.message, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    }
    // Logged with its cause and request id by request-logging.plugin.ts (unexpectedCause below).
    return { ...base, message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** Literals written in the query text are echoed by graphql-js too ("non string value: hunter2"). */
function literalMessage(message: string, oneOf: Map<string, string[]>, hideSuggestions: boolean): string {
  const named = message.replace(/^OneOf Input Object "(\w+)" must specify exactly one key/, (whole, name: string) => {
    const members = oneOf.get(name);
    return members ? `${name}: set exactly one of ${members.join(' or ')}` : whole;
  });
  return hideSuggestions ? withoutValue(named) : withoutLiteral(named);
}

/** The reason graphql-js appended to a variable error: the message of the error it wraps. */
function reasonOf(error: unknown): string | undefined {
  return error instanceof GraphQLError && error.originalError ? error.originalError.message : undefined;
}

/**
 * The cause of an error that formatError masks as INTERNAL_SERVER_ERROR, or null for the expected ones:
 * domain and validation errors, and GraphQL's own (which carry a code).
 */
export function unexpectedCause(error: GraphQLError): { type: string; message: string; stack?: string } | null {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError || original instanceof ArgumentValidationError) return null;
  if (original instanceof GraphQLError && original.originalError instanceof DomainError) return null;
  if (error.extensions?.code !== undefined && original === error) return null;
  return safeErrorFields(original);
}

/** Name, message and stack only: driver errors carry query parameters (sealed secrets among them). */
function safeErrorFields(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { type: typeof error, message: 'non-Error thrown' };
}
