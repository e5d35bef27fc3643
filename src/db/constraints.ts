/** Recognising which constraint a statement broke, among the errors pg throws. */

/** The name of the foreign key a statement violated (SQLSTATE 23503), or undefined for any other error. */
export function violatedForeignKey(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23503' && typeof constraint === 'string' ? constraint : undefined;
}
