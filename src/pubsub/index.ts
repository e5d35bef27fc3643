export type { MessageBus, MessageListener } from './bus.ts';
export { createPostgresBus } from './postgres.ts';
export { createRedisBus } from './redis.ts';
export { closeRedisClient, createRedisClient, REDIS_COMMAND_TIMEOUT_MS } from './redis-client.ts';
