/**
 * The message bus over Redis pub/sub (`REDIS_URL`): one connection publishes, one subscribes (a
 * subscribed Redis connection can do nothing else), both from `redis-client.ts`, so a hung Redis
 * costs a publish at most the command timeout and a failed publish is counted, never thrown.
 *
 * The subscribing connection is pinged every few seconds: a frozen Redis sends nothing, and
 * without a command waiting the connection would look healthy for ever. When the ping goes
 * unanswered the connection is replaced; on every `ready` after the first, the bus subscribes its
 * channels again and tells listeners to resync (messages sent meanwhile are lost).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { ListenerRegistry, PublishFailures, type MessageBus } from './bus.ts';
import { closeRedisClient, createRedisClient, REDIS_SOCKET_TIMEOUT_MS } from './redis-client.ts';

/** How often the subscribing connection proves it is alive. */
const SUBSCRIBER_PING_MS = REDIS_SOCKET_TIMEOUT_MS;

/** Channels are subscribed once per process, whatever the number of listeners. */
function keepSubscribed(client: Redis, registry: ListenerRegistry, logger: Logger) {
  const failed = (error: unknown) => logger.debug({ err: error }, 'redis subscribe failed; renewed on reconnect');
  return {
    add: (channel: string) => void client.subscribe(channel).catch(failed),
    remove: (channel: string) => void client.unsubscribe(channel).catch(failed),
    renewAll() {
      const channels = registry.channelNames();
      if (channels.length > 0) client.subscribe(...channels).catch(failed);
    },
  };
}

export async function createRedisBus(options: { url: string; logger: Logger }): Promise<MessageBus> {
  const { url, logger } = options;
  const publishClient = createRedisClient(url, { name: 'pixelgate', logger });
  const subscribeClient = createRedisClient(url, { name: 'pixelgate-subscribe', logger });
  await Promise.all([publishClient.connect(), subscribeClient.connect()]);

  const registry = new ListenerRegistry();
  const onListenerError = (error: unknown) => logger.error({ err: error }, 'message listener failed');
  const failures = new PublishFailures(logger, 'redis');
  const subscriptions = keepSubscribed(subscribeClient, registry, logger);

  subscribeClient.on('message', (channel: string, text: string) => {
    let message: unknown;
    try {
      message = text === '' ? null : JSON.parse(text);
    } catch {
      return;
    }
    registry.dispatch(channel, message, onListenerError);
  });
  subscribeClient.on('ready', () => {
    subscriptions.renewAll();
    registry.reconnected(onListenerError);
  });
  const pinger = setInterval(() => {
    if (subscribeClient.status === 'ready') subscribeClient.ping().catch(() => undefined);
  }, SUBSCRIBER_PING_MS);
  pinger.unref();

  return {
    kind: 'redis',
    publish: (channel, message) =>
      failures.attempt(channel, () =>
        publishClient.publish(channel, message === undefined ? '' : JSON.stringify(message)),
      ),
    subscribe(channel, listener) {
      const { first, remove } = registry.add(channel, listener);
      if (first) subscriptions.add(channel);
      return () => {
        if (remove().last) subscriptions.remove(channel);
      };
    },
    onReconnect: (listener) => registry.addReconnectListener(listener),
    get publishFailures() {
      return failures.count;
    },
    async reachable() {
      if (subscribeClient.status !== 'ready') return false;
      return publishClient.ping().then(
        () => true,
        () => false,
      );
    },
    async close() {
      clearInterval(pinger);
      await Promise.all([closeRedisClient(publishClient), closeRedisClient(subscribeClient)]);
    },
  };
}
