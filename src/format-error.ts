/**
 * The one formatError: every error leaves with a code from API.md. Validation and domain errors carry
 * `fields: [{path, message}]`; anything unknown is masked as INTERNAL_SERVER_ERROR and logged with its
 * cause. No message echoes an input value (it may be a secret).
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { ValidationError } from 'class-validator';
import { ArgumentValidationError } from 'type-graphql';
import { DomainError, ErrorCode, type FieldError } from './errors.js';
import type { Logger } from './logger.js';

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

const COERCION = /^Variable "\$([^"]+)" got invalid value .*?(?: at "([^"]+)")?; (.*)$/s;

/** Drops the offending value from graphql-js and scalar messages ("... non string value: hunter2"). */
function withoutValue(reason: string): string {
  return reason
    .replace(/(value|address|string|Int|Boolean|Float)\s*:\s.*$/s, '$1')
    .replace(/ Did you mean .*$/s, '');
}

/** A variable that failed GraphQL coercion: `$input … at "input.fromAddress"` becomes path fromAddress. */
function coercionFields(message: string): FieldError[] | null {
  const match = COERCION.exec(message);
  if (!match) return null;
  const [, variable, at, reason] = match as unknown as [string, string, string | undefined, string];
  const segments = at ? at.split('.') : [variable];
  const path = (segments.length > 1 ? segments.slice(1) : segments).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  return [{ path, message: `${path}: ${withoutValue(reason)}` }];
}

export function createFormatError(logger: Logger, options: { hideSuggestions: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
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
    if (code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED' || code === 'GRAPHQL_PARSE_FAILED' || code === 'BAD_REQUEST') {
      const fields = coercionFields(formatted.message);
      const message = fields
        ? `Invalid input: ${fields.map((f) => f.message).join('; ')}`
        : options.hideSuggestions
          ? formatted.message.replace(/ Did you mean .*$/s, '')
          : formatted.message;
      return { ...base, message, extensions: { code: ErrorCode.BAD_USER_INPUT, ...(fields ? { fields } : {}) } };
    }
    if (code === 'PERSISTED_QUERY_NOT_FOUND' || code === 'PERSISTED_QUERY_NOT_SUPPORTED') {
      return { ...base, message: formatted.message, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    }
    logger.error({ err: safeErrorFields(original), path: formatted.path }, 'unexpected error');
    return { ...base, message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** Name, message and stack only: driver errors carry query parameters (sealed secrets among them). */
function safeErrorFields(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { type: typeof error, message: 'non-Error thrown' };
}
