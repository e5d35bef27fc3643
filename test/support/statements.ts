/** Counting the SQL statements a request sends, the gateway's own background work left out. */
import pg from 'pg';

/** Background work of a running gateway (heartbeats, job queue, pub/sub), not the request's. */
const BACKGROUND = /gateway_instances|graphile_worker|pg_notify|^\s*(un)?listen\b|set last_used_at/i;

/** True for a statement a running gateway sends on its own, whatever request is in flight. */
export function isBackgroundStatement(text: string): boolean {
  return BACKGROUND.test(text);
}

/** Counts the statements pg clients in this process send while `work` runs, background excluded. */
export async function countStatements(work: () => Promise<unknown>): Promise<number> {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let count = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: unknown } | undefined)?.text ?? '');
    if (!isBackgroundStatement(String(text))) count += 1;
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    prototype.query = original;
  }
  return count;
}
