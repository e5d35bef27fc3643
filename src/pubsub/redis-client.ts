/**
 * An ioredis connection that never lets a hung Redis hang its caller. A Redis that is frozen
 * (stopped, its connection still open) answers nothing and says nothing, so:
 * - every command fails after `REDIS_COMMAND_TIMEOUT_MS` (far shorter than a request's patience);
 * - a connection that receives nothing for `REDIS_SOCKET_TIMEOUT_MS` while a command waits is
 *   treated as dead and replaced, so its status stops saying `ready` (callers that check the
 *   status, like the upstream budget, then go straight to their fallback);
 * - commands are never queued while it is not connected: they fail at once;
 * - reconnecting is retried for ever, at most every 2 s.
 * One warn line when a connection fails and one info line when it is back, however many attempts
 * fail in between.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
export const REDIS_SOCKET_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

export function createRedisClient(url: string, options: { name: string; logger: Logger }): Redis {
  const { name, logger } = options;
  const client = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    socketTimeout: REDIS_SOCKET_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Subscriptions are renewed by their owner on every `ready` (the bus knows its channels).
    autoResubscribe: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
  });
  let failing = false;
  client.on('error', (error: Error) => {
    if (failing) return logger.debug({ err: error, connection: name }, 'redis connection still failing');
    failing = true;
    logger.warn({ err: error, connection: name }, 'redis connection failed; reconnecting');
  });
  client.on('ready', () => {
    if (!failing) return;
    failing = false;
    logger.info({ connection: name }, 'redis connection restored');
  });
  return client;
}

/** Quits politely when it can, and never waits on a Redis that does not answer. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status !== 'ready') return client.disconnect();
  await client.quit().catch(() => client.disconnect());
}
