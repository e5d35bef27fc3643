/**
 * The message bus over Postgres LISTEN/NOTIFY: one dedicated listening connection per instance
 * (`listener.ts`: outside the pool, reconnecting with backoff when it drops), one Postgres channel
 * carrying `{ channel, message }` envelopes. Publishing is a `pg_notify` on the pool.
 */
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { ListenerRegistry, PublishFailures, type MessageBus } from './bus.ts';
import { PostgresListener } from './listener.ts';

const PG_CHANNEL = 'pixelgate_events';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7900;

export async function createPostgresBus(options: {
  connectionString: string;
  pool: pg.Pool;
  logger: Logger;
}): Promise<MessageBus> {
  const { connectionString, pool, logger } = options;
  const registry = new ListenerRegistry();
  const onListenerError = (error: unknown) => logger.error({ err: error }, 'message listener failed');

  const onNotification = (notification: pg.Notification) => {
    if (notification.channel !== PG_CHANNEL || !notification.payload) return;
    let envelope: unknown;
    try {
      envelope = JSON.parse(notification.payload);
    } catch {
      return;
    }
    if (typeof envelope !== 'object' || envelope === null || !('channel' in envelope)) return;
    const { channel, message } = envelope as { channel: unknown; message?: unknown };
    if (typeof channel === 'string') registry.dispatch(channel, message, onListenerError);
  };

  const connection = new PostgresListener({
    connectionString,
    applicationName: 'pixelgate-listen',
    channels: [PG_CHANNEL],
    name: 'event listener',
    logger,
    onNotification,
    onConnected: (reconnected) => {
      if (reconnected) registry.reconnected(onListenerError);
    },
  });
  await connection.start();

  const failures = new PublishFailures(logger, 'postgres');
  return {
    kind: 'postgres',
    publish: (channel, message) =>
      failures.attempt(channel, async () => {
        const payload = JSON.stringify({ channel, message });
        if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new RangeError('message too large for NOTIFY');
        await pool.query('select pg_notify($1, $2)', [PG_CHANNEL, payload]);
      }),
    get publishFailures() {
      return failures.count;
    },
    reachable: async () => connection.connected,
    subscribe(channel, listener) {
      return registry.add(channel, listener).remove;
    },
    onReconnect: (listener) => registry.addReconnectListener(listener),
    close: () => connection.close(),
  };
}
