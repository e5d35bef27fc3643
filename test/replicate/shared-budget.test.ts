/**
 * One upstream budget per Replicate token, shared by every instance: two limiters (two gateway
 * processes) on the same store take from one counter, a pause seen by one holds the other, and a
 * store that cannot be reached falls back to this process's own bucket. Postgres and Redis stores
 * both run for real. The end-to-end check (two gateways, 80 generations, no 429) is in
 * test/generations/shared-budget.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { silentLogger } from '../../src/logger.ts';
import {
  createOutboundLimiter,
  type OutboundLimiterSettings,
  type UpstreamBudgetStore,
} from '../../src/replicate/limiter.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const test = base
  /** A client of the machine's Redis, as every gateway instance of a deployment shares one. */
  .extend('redisClient', { scope: 'file' }, async ({}, { onCleanup }) => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await redis.connect();
    onCleanup(async () => {
      await redis.quit();
    });
    return redis;
  })
  /** The budget store by name: on the file's database or on Redis. */
  .extend(
    'storeOf',
    { scope: 'file' },
    ({ database, redisClient }) =>
      (name: StoreName): UpstreamBudgetStore =>
        name === 'Postgres' ? { kind: 'postgres', pool: database.handle.pool } : { kind: 'redis', client: redisClient },
  )
  /** One gateway process's limiter, shut down after the test. */
  .extend('instance', ({}, { onCleanup }) => {
    const shutdowns: AbortController[] = [];
    onCleanup(() => {
      while (shutdowns.length > 0) shutdowns.pop()!.abort(new Error('test over'));
    });
    return (token: string, settings: OutboundLimiterSettings) => {
      const shutdown = new AbortController();
      shutdowns.push(shutdown);
      return createOutboundLimiter(settings, {
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: Date.now,
        logger: silentLogger,
        signal: shutdown.signal,
        token,
      });
    };
  });

type StoreName = 'Postgres' | 'Redis';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.for<StoreName>(['Postgres', 'Redis'])('the upstream budget in %s', (storeName) => {
  test('is one budget for every instance using the token', async ({ storeOf, instance }) => {
    const token = `r8_${randomBytes(6).toString('hex')}`;
    // One create a minute: whichever instance takes it, the other must wait for the next minute.
    const [first, second] = [
      instance(token, { createsPerMinute: 1, store: storeOf(storeName) }),
      instance(token, { createsPerMinute: 1, store: storeOf(storeName) }),
    ];
    const started: string[] = [];
    void first.schedule('create', async () => started.push('first')).catch(() => {});
    void second.schedule('create', async () => started.push('second')).catch(() => {});
    await expect.poll(() => started.length).toBe(1);
    await settle(300);
    expect(started).toHaveLength(1);

    // Another token has a budget of its own.
    const other = instance(`r8_${randomBytes(6).toString('hex')}`, { createsPerMinute: 1, store: storeOf(storeName) });
    await expect(other.schedule('create', async () => 'ran')).resolves.toBe('ran');
    // And other requests are a bucket of their own.
    await expect(second.schedule('other', async () => 'ran')).resolves.toBe('ran');
  });

  test.for([
    ['a 429 with Retry-After', 429, { 'retry-after': '30' }],
    ['ratelimit-remaining: 0', 200, { 'ratelimit-remaining': '0', 'ratelimit-reset': '30' }],
  ] as const)('pauses every instance when one of them sees %s', async ([, status, headers], { storeOf, instance }) => {
    const token = `r8_${randomBytes(6).toString('hex')}`;
    const seeing = instance(token, { store: storeOf(storeName) });
    const unaware = instance(token, { store: storeOf(storeName) });
    await expect(unaware.schedule('create', async () => 'before')).resolves.toBe('before');

    seeing.observeResponse('create', status, headers);
    // The instance that saw nothing learns of the pause from the shared budget (and so does the
    // one that saw it, for its other requests).
    await settle(300);
    const ran: string[] = [];
    void unaware.schedule('create', async () => ran.push('unaware')).catch(() => {});
    void seeing.schedule('create', async () => ran.push('seeing')).catch(() => {});
    await settle(500);
    expect(ran).toEqual([]);
    // The other bucket is not paused.
    await expect(unaware.schedule('other', async () => 'ran')).resolves.toBe('ran');
  });
});

describe('when the store cannot be reached', () => {
  test('falls back to this instance’s own bucket at the same rate', async ({ instance }) => {
    const away = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    away.on('error', () => {});
    const limiter = instance(`r8_${randomBytes(6).toString('hex')}`, {
      createsPerMinute: 1,
      store: { kind: 'redis', client: away },
    });
    await expect(limiter.schedule('create', async () => 'ran')).resolves.toBe('ran');
    let second = false;
    void limiter.schedule('create', async () => (second = true)).catch(() => {});
    await settle(300);
    expect(second).toBe(false);
    away.disconnect();
  });
});
