export type { MessageBus, MessageListener } from './bus.ts';
export { createPostgresBus } from './postgres.ts';
export { createRedisBus } from './redis.ts';
