/** Recognising "the database cannot answer" among the errors pg, pg-pool and kysely throw. */

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown (terminated by administrator)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '3D000', // the database does not exist
  '53300', // too_many_connections
]);

const CONNECTION_ERROR_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /Cannot use a pool after calling end on the pool/,
  /^connect ECONNREFUSED/,
  /is not currently accepting connections/, // 55000 while ALLOW_CONNECTIONS is off
  /the database system is (starting up|shutting down|in recovery mode)/,
];

/** True when `error` (or what it wraps) says the database could not be reached or answer. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') return false;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && CONNECTION_ERROR_MESSAGES.some((pattern) => pattern.test(message))) return true;
    // Only GraphQL's wrapping is unwrapped: a `cause` chain belongs to some other client (the
    // Replicate client types its own transport failures).
    current = (current as { originalError?: unknown }).originalError;
  }
  return false;
}
