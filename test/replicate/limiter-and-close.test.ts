/**
 * The limiter's sliding window, and that close() cancels the timers of waits in progress — checked
 * against a quiet stub server, since the simulator runs timers of its own. Rate-limit headers and
 * the circuit breaker are tested against the simulator (client-simulator-policies.test.ts).
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { describe, expect, onTestFinished, test as base, vi } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import {
  createReplicateClient,
  isInterruptedCall,
  ReplicateCreateInterruptedError,
  ReplicateOutcomeUnknownError,
  type ReplicateClient,
  type ReplicateClientOptions,
} from '../../src/replicate/index.ts';
import { createOutboundLimiter, slidingWindowFor } from '../../src/replicate/limiter.ts';
import { json, predictionBody, startStubServer, type StubHandler, type StubServer } from './helpers.ts';

const test = base
  /** A limiter on `settings` that never sleeps; its shutdown signal is aborted after the test. */
  .extend('limiterFor', ({}, { onCleanup }) => {
    const shutdowns: AbortController[] = [];
    onCleanup(() => {
      for (const shutdown of shutdowns) shutdown.abort(new Error('test over'));
    });
    return (settings: Parameters<typeof createOutboundLimiter>[0]) => {
      const shutdown = new AbortController();
      shutdowns.push(shutdown);
      const limiter = createOutboundLimiter(settings, {
        sleep: async () => {},
        now: Date.now,
        logger: silentLogger,
        signal: shutdown.signal,
        token: 'r8_test',
      });
      return { limiter, shutdown };
    };
  })
  /** A stub server answering with `handler`, closed after the test. */
  .extend('stubServer', ({}, { onCleanup }) => {
    const servers: StubServer[] = [];
    onCleanup(async () => {
      await Promise.all(servers.map((server) => server.close()));
    });
    return async (handler: StubHandler) => {
      const server = await startStubServer(handler);
      servers.push(server);
      return server;
    };
  })
  /** A client of `server` (and `options`), closed after the test, before the servers. */
  .extend('clientOf', ({ stubServer: _servers }, { onCleanup }) => {
    const clients: ReplicateClient[] = [];
    onCleanup(async () => {
      await Promise.all(clients.map((client) => client.close()));
    });
    return (server: StubServer, options: Partial<ReplicateClientOptions> = {}) => {
      const client = createReplicateClient({ token: 'r8_test', baseUrl: server.baseUrl, ...options });
      clients.push(client);
      return client;
    };
  });

/**
 * Fake timers and Date for one test: windows slide on a clock the test moves, not on a stopwatch.
 * (A refused take still retries on a real timer, node:timers/promises, but asks the faked clock.)
 */
function movedClock(): void {
  vi.useFakeTimers();
  onTestFinished(() => {
    vi.useRealTimers();
  });
}

describe('outbound limiter', () => {
  test.each([
    [540, { intervalCap: 9, interval: 1000 }],
    [2700, { intervalCap: 45, interval: 1000 }],
    [600, { intervalCap: 10, interval: 1000 }],
    [30, { intervalCap: 1, interval: 2000 }],
    [100, { intervalCap: 1, interval: 600 }],
  ])('%i/min → a window of %j (never above the rate)', (perMinute, window) => {
    expect(slidingWindowFor(perMinute)).toEqual(window);
    expect((window.intervalCap * 60_000) / window.interval).toBeLessThanOrEqual(perMinute);
  });

  test('rounds windows up to whole seconds for Redis (its keys expire in seconds)', () => {
    expect(slidingWindowFor(540, 1000)).toEqual({ intervalCap: 9, interval: 1000 });
    expect(slidingWindowFor(54, 1000)).toEqual({ intervalCap: 1, interval: 2000 });
  });

  test('spreads requests over the configured rate', async ({ limiterFor }) => {
    movedClock();
    const { limiter } = limiterFor({ otherRequestsPerMinute: 120 });
    const started: number[] = [];
    const runs = [1, 2, 3].map((n) => limiter.schedule('other', async () => started.push(n)));
    await vi.advanceTimersByTimeAsync(0);
    // 120/min = 2 per second: two at once, the third waits for the window to slide.
    expect(started).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(900);
    expect(started).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(runs);
    expect(started).toEqual([1, 2, 3]);
  });

  test('keeps creates and other requests in separate buckets', async ({ limiterFor }) => {
    movedClock();
    const { limiter } = limiterFor({ createsPerMinute: 60, otherRequestsPerMinute: 60 });
    const started: string[] = [];
    const runs = (['create', 'other'] as const).map((bucket) =>
      limiter.schedule(bucket, async () => started.push(bucket)),
    );
    await vi.advanceTimersByTimeAsync(0);
    // One a second each: both run at once, neither waits for the other's window.
    expect(started.sort()).toEqual(['create', 'other']);
    await Promise.all(runs);
  });

  test('rejects queued tasks with the abort reason, without running them', async ({ limiterFor }) => {
    const { limiter, shutdown } = limiterFor({ otherRequestsPerMinute: 60 });
    let ran = 0;
    const first = limiter.schedule('other', async () => ran++);
    const queued = limiter.schedule('other', async () => ran++);
    await first;
    shutdown.abort(new Error('closing'));
    await expect(queued).rejects.toThrow('closing');
    await expect(limiter.schedule('other', async () => ran++)).rejects.toThrow('closing');
    expect(ran).toBe(1);
  });
});

describe('close()', () => {
  function timerCount(): number {
    return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
  }

  test('ends every wait in progress (rate-limit pause, backoff, queue) at once, cancelling its timer', async ({
    stubServer,
  }) => {
    let answered = 0;
    const server = await stubServer((_request, response) => {
      answered++;
      if (answered === 1) {
        // Exhausts the upstream budget of "other" requests for 50 s.
        json(response, 200, predictionBody('p1'), { 'ratelimit-remaining': '0', 'ratelimit-reset': '50' });
      } else {
        // A create told to come back in 40 s.
        json(response, 429, {}, { 'retry-after': '40' });
      }
    });
    // Real timers: what is checked is that close() cancels them.
    const client = createReplicateClient({
      token: 'r8_test',
      baseUrl: server.baseUrl,
      limiter: { createsPerMinute: 60 },
    });
    await client.getPrediction('p1');
    const paused = client.getPrediction('p1').catch((e: unknown) => e);
    const backingOff = client.createPrediction({ model: 'a/b' }, { input: {} }).catch((e: unknown) => e);
    // 60 creates a minute = one a second: this one waits in the queue.
    const queued = client.createPrediction({ model: 'a/b' }, { input: {} }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(timerCount()).toBeGreaterThanOrEqual(2);

    // Ended by close(), not by their own ends (50 s, 40 s, 1 s away): each fails as closed and
    // the queued create is never sent.
    await client.close();
    const outcomes = await Promise.all([paused, backingOff, queued]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ name: 'ReplicateUnavailableError', reason: 'client_closed' });
    }
    expect(server.requests).toHaveLength(2);
    await nextTick();
    // Cancelled, not merely abandoned: no ref'd timer is left at all (this file runs in its own
    // process, and everything earlier in it has been closed).
    expect(timerCount()).toBe(0);
  });
});

describe('a call ended by its own signal (a stopping job)', () => {
  test('a create in flight → interrupted: an unknown outcome to reconcile, never "nothing was created"', async ({
    stubServer,
    clientOf,
  }) => {
    // Takes the create and never answers, as a hung Replicate would.
    const server = await stubServer(() => undefined);
    const client = clientOf(server);
    const job = new AbortController();
    const pending = client
      .withSignal(job.signal)
      .createPrediction({ model: 'a/b' }, { input: {} })
      .catch((e: unknown) => e);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    job.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(ReplicateCreateInterruptedError);
    expect(error).toBeInstanceOf(ReplicateOutcomeUnknownError);
    expect(isInterruptedCall(error)).toBe(true);
    expect(client.breakerState({ model: 'a/b' })).toBe('closed');
    // The client itself stays usable for other callers.
    expect(server.requests).toHaveLength(1);
  });

  test('a create still waiting for the budget → aborted before it was sent; nothing reaches Replicate', async ({
    stubServer,
    clientOf,
  }) => {
    const server = await stubServer((_request, response) => json(response, 201, predictionBody('p1')));
    const client = clientOf(server, { limiter: { createsPerMinute: 1 } });
    await client.createPrediction({ model: 'a/b' }, { input: {} });
    const job = new AbortController();
    const queued = client
      .withSignal(job.signal)
      .createPrediction({ model: 'a/b' }, { input: {} })
      .catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    job.abort();
    expect(await queued).toMatchObject({ name: 'ReplicateUnavailableError', reason: 'aborted' });
    expect(server.requests).toHaveLength(1);
  });

  test('stillWanted → false once the budget grants it: withdrawn, nothing sent', async ({ stubServer, clientOf }) => {
    const server = await stubServer((_request, response) => json(response, 201, predictionBody('p1')));
    const client = clientOf(server);
    const outcome = await client
      .createPrediction({ model: 'a/b' }, { input: {}, stillWanted: async () => false })
      .catch((e: unknown) => e);
    expect(outcome).toMatchObject({ name: 'ReplicateUnavailableError', reason: 'withdrawn' });
    expect(server.requests).toHaveLength(0);
  });
});
