/** PostgreSQL's unique_violation (23505), from pg or PGlite, directly or wrapped by TypeORM. */
export function uniqueViolation(error: unknown): { constraint: string | null } | null {
  const e = error as { code?: unknown; constraint?: unknown; driverError?: { code?: unknown; constraint?: unknown } };
  const code = e?.code ?? e?.driverError?.code;
  if (code !== '23505') return null;
  const constraint = e?.constraint ?? e?.driverError?.constraint;
  return { constraint: typeof constraint === 'string' ? constraint : null };
}
