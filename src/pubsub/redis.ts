/**
 * The message bus over Redis pub/sub (`REDIS_URL`), through Yoga's Redis event target: one
 * connection publishes, one subscribes (a subscribed Redis connection can do nothing else).
 * ioredis reconnects and resubscribes by itself; listeners are told so they can resync.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { ListenerRegistry, type MessageBus } from './bus.ts';

export async function createRedisBus(options: { url: string; logger: Logger }): Promise<MessageBus> {
  const { url, logger } = options;
  const clientOptions = { lazyConnect: true, maxRetriesPerRequest: 3, connectionName: 'pixelgate' };
  const publishClient = new Redis(url, clientOptions);
  const subscribeClient = new Redis(url, clientOptions);
  for (const client of [publishClient, subscribeClient]) {
    client.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection failed'));
  }
  await Promise.all([publishClient.connect(), subscribeClient.connect()]);

  const target = createRedisEventTarget<CustomEvent>({ publishClient, subscribeClient });
  const registry = new ListenerRegistry();
  const onListenerError = (error: unknown) => logger.error({ err: error }, 'message listener failed');
  const forwarders = new Map<string, (event: CustomEvent) => void>();

  // 'ready' fires on every (re)connection; the first one is start-up.
  let connections = 0;
  subscribeClient.on('ready', () => {
    connections++;
    if (connections > 1) registry.reconnected(onListenerError);
  });
  if (subscribeClient.status === 'ready') connections = 1;

  return {
    kind: 'redis',
    async publish(channel, message) {
      target.dispatchEvent(new CustomEvent(channel, { detail: message }));
    },
    subscribe(channel, listener) {
      const { first, remove } = registry.add(channel, listener);
      if (first) {
        const forward = (event: CustomEvent) => registry.dispatch(channel, event.detail, onListenerError);
        forwarders.set(channel, forward);
        target.addEventListener(channel, forward);
      }
      return () => {
        if (!remove().last) return;
        const forward = forwarders.get(channel);
        forwarders.delete(channel);
        if (forward) target.removeEventListener(channel, forward);
      };
    },
    onReconnect: (listener) => registry.addReconnectListener(listener),
    async close() {
      await Promise.all([publishClient.quit().catch(() => undefined), subscribeClient.quit().catch(() => undefined)]);
    },
  };
}
