/** The error codes of the public contract (API.md), raised by services and shaped once in formatError. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** One wrong input field: `path` is dotted from the argument root, e.g. "auth.basic.password". */
export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function badInput(fields: FieldError[], extensions: Record<string, unknown> = {}): DomainError {
  const summary = fields.map((f) => f.message).join('; ');
  return new DomainError(ErrorCode.BAD_USER_INPUT, `Invalid input: ${summary}`, { ...extensions, fields });
}

export function notFound(what: string, id: string): DomainError {
  return new DomainError(ErrorCode.NOT_FOUND, `${what} ${id} does not exist`);
}

export function conflict(message: string, extensions: Record<string, unknown> = {}): DomainError {
  return new DomainError(ErrorCode.CONFLICT, message, extensions);
}

/** Prefixes every path, e.g. to place form errors under "forms[17]". */
export function prefixFields(prefix: string, fields: FieldError[]): FieldError[] {
  return fields.map((f) => ({ ...f, path: f.path ? `${prefix}.${f.path}` : prefix }));
}
