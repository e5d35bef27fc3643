/**
 * The message bus over Postgres LISTEN/NOTIFY: one dedicated listening connection per instance
 * (outside the pool, since a pooled connection would be handed to queries), one Postgres channel
 * carrying `{ channel, message }` envelopes. Publishing is a `pg_notify` on the pool. The
 * listening connection reconnects with backoff when it drops.
 */
import pg from 'pg';
import type { Logger } from '../logger.ts';
import { ListenerRegistry, type MessageBus } from './bus.ts';

const PG_CHANNEL = 'pixelgate_events';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7900;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

export async function createPostgresBus(options: {
  connectionString: string;
  pool: pg.Pool;
  logger: Logger;
}): Promise<MessageBus> {
  const { connectionString, pool, logger } = options;
  const registry = new ListenerRegistry();
  const onListenerError = (error: unknown) => logger.error({ err: error }, 'message listener failed');
  let client: pg.Client | undefined;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let backoffMs = RECONNECT_MIN_MS;

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

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString, application_name: 'pixelgate-listen' });
    next.on('notification', onNotification);
    next.on('error', (error) => {
      logger.warn({ err: error }, 'event listener connection failed; reconnecting');
      dropAndReconnect(next);
    });
    next.on('end', () => dropAndReconnect(next));
    await next.connect();
    await next.query(`LISTEN ${PG_CHANNEL}`);
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    backoffMs = RECONNECT_MIN_MS;
  }

  function dropAndReconnect(dropped: pg.Client): void {
    if (closed || client !== dropped) return;
    client = undefined;
    dropped.removeAllListeners('notification');
    dropped.end().catch(() => undefined);
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(async () => {
      reconnectTimer = undefined;
      try {
        await connect();
        registry.reconnected(onListenerError);
      } catch (error) {
        logger.warn({ err: error }, 'event listener could not reconnect; retrying');
        backoffMs = Math.min(RECONNECT_MAX_MS, backoffMs * 2);
        scheduleReconnect();
      }
    }, backoffMs);
  }

  await connect();

  return {
    kind: 'postgres',
    async publish(channel, message) {
      const payload = JSON.stringify({ channel, message });
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) throw new RangeError('message too large for NOTIFY');
      await pool.query('select pg_notify($1, $2)', [PG_CHANNEL, payload]);
    },
    subscribe(channel, listener) {
      return registry.add(channel, listener).remove;
    },
    onReconnect: (listener) => registry.addReconnectListener(listener),
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners();
        current.on('error', () => undefined);
        await current.end().catch(() => undefined);
      }
    },
  };
}
