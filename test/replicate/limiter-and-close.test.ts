/**
 * Outbound limiter (token buckets plus upstream ratelimit headers), the per-model circuit breaker,
 * and that a closed client leaves no sockets or timers behind.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import {
  createReplicateClient,
  ReplicateInvalidInputError,
  ReplicateOutcomeUnknownError,
  ReplicateUnavailableError,
  type ReplicateClientOptions,
} from '../../src/replicate/index.ts';
import { createOutboundLimiter } from '../../src/replicate/limiter.ts';
import { json, predictionBody, recordingSleep, startStubServer, type StubHandler } from './helpers.ts';

const SCHNELL = { model: 'black-forest-labs/flux-schnell' } as const;
const DEV = { model: 'black-forest-labs/flux-dev' } as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(handler: StubHandler, options: Partial<ReplicateClientOptions> = {}) {
  const server = await startStubServer(handler);
  const { sleep, delays } = recordingSleep();
  const client = createReplicateClient({
    token: 'r8_test',
    baseUrl: server.baseUrl,
    sleep,
    random: () => 0,
    ...options,
  });
  cleanups.push(
    () => server.close(),
    () => client.close(),
  );
  return { server, client, delays };
}

describe('outbound limiter', () => {
  it('spreads requests over the configured rate', async () => {
    const shutdown = new AbortController();
    const limiter = createOutboundLimiter(
      { otherRequestsPerMinute: 120 },
      { sleep: async () => {}, now: Date.now, logger: silentLogger, signal: shutdown.signal },
    );
    cleanups.push(async () => shutdown.abort());
    const startedAt = Date.now();
    const starts = await Promise.all(
      [1, 2, 3].map(() => limiter.schedule('other', async () => Date.now() - startedAt)),
    );
    // 120/min = 2 tokens per second: the third request waits for the next refill.
    expect(starts[0]).toBeLessThan(200);
    expect(starts[1]).toBeLessThan(200);
    expect(starts[2]).toBeGreaterThanOrEqual(800);
  });

  it('pauses a bucket until ratelimit-reset when ratelimit-remaining hits 0', async () => {
    let call = 0;
    const { server, client, delays } = await setup((request, response) => {
      call++;
      const exhausted: Record<string, string> =
        call === 1 ? { 'ratelimit-remaining': '0', 'ratelimit-reset': '3' } : {};
      json(response, request.method === 'POST' ? 201 : 200, predictionBody('p1'), {
        'ratelimit-limit': '600',
        ...exhausted,
      });
    });
    await client.createPrediction(SCHNELL, { input: {} });
    // Creates and other requests have separate upstream limits: a GET is not held.
    await client.getPrediction('p1');
    expect(delays).toEqual([]);
    await client.createPrediction(SCHNELL, { input: {} });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(2_500);
    expect(delays[0]).toBeLessThanOrEqual(3_000);
    expect(server.requests).toHaveLength(3);
  });

  it('does not pause while requests remain', async () => {
    const { client, delays } = await setup((_request, response) =>
      json(response, 200, predictionBody('p1'), { 'ratelimit-remaining': '1', 'ratelimit-reset': '30' }),
    );
    await client.getPrediction('p1');
    await client.getPrediction('p1');
    expect(delays).toEqual([]);
  });
});

describe('per-model circuit breaker', () => {
  const breaker = { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 150 };

  it('opens on upstream failures, fails fast without a request, probes half-open, and closes', async () => {
    let healthy = false;
    const { server, client } = await setup(
      (_request, response) => (healthy ? json(response, 201, predictionBody('p1')) : json(response, 500, {})),
      { breaker },
    );
    for (let i = 0; i < 2; i++) {
      await expect(client.createPrediction(SCHNELL, { input: {} })).rejects.toBeInstanceOf(
        ReplicateOutcomeUnknownError,
      );
    }
    expect(client.breakerState(SCHNELL)).toBe('open');
    const requestsWhenOpened = server.requests.length;

    const fastFailure = await client.createPrediction(SCHNELL, { input: {} }).catch((e: unknown) => e);
    expect(fastFailure).toBeInstanceOf(ReplicateUnavailableError);
    expect(fastFailure).toMatchObject({ reason: 'circuit_open', graphqlCode: 'UPSTREAM_UNAVAILABLE' });
    expect(server.requests).toHaveLength(requestsWhenOpened);

    // Another model has its own breaker.
    healthy = true;
    await expect(client.createPrediction(DEV, { input: {} })).resolves.toMatchObject({ id: 'p1' });

    await new Promise((resolve) => setTimeout(resolve, breaker.resetTimeoutMs + 50));
    expect(client.breakerState(SCHNELL)).toBe('half_open');
    await expect(client.createPrediction(SCHNELL, { input: {} })).resolves.toMatchObject({ id: 'p1' });
    expect(client.breakerState(SCHNELL)).toBe('closed');
  });

  it('re-opens when the half-open probe fails', async () => {
    const { client } = await setup((_request, response) => json(response, 503, {}), { breaker });
    for (let i = 0; i < 2; i++) await client.createPrediction(SCHNELL, { input: {} }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, breaker.resetTimeoutMs + 50));
    await expect(client.createPrediction(SCHNELL, { input: {} })).rejects.toBeInstanceOf(ReplicateOutcomeUnknownError);
    expect(client.breakerState(SCHNELL)).toBe('open');
  });

  it('does not count answers that prove Replicate is up (422, 402)', async () => {
    let status = 422;
    const { client } = await setup((_request, response) => json(response, status, { invalid_fields: [] }), { breaker });
    for (let i = 0; i < 3; i++) {
      await expect(client.createPrediction(SCHNELL, { input: {} })).rejects.toBeInstanceOf(ReplicateInvalidInputError);
    }
    status = 402;
    for (let i = 0; i < 3; i++) await client.createPrediction(SCHNELL, { input: {} }).catch(() => undefined);
    expect(client.breakerState(SCHNELL)).toBe('closed');
  });
});

describe('close()', () => {
  function countResources(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
    return counts;
  }

  it('leaves no sockets or timers behind', async () => {
    const server = await startStubServer((_request, response) => json(response, 200, predictionBody('p1')));
    const before = countResources();
    const client = createReplicateClient({
      token: 'r8_test',
      baseUrl: server.baseUrl,
      breaker: { volumeThreshold: 1 },
      transport: { connections: 4 },
    });
    await Promise.all(Array.from({ length: 8 }, () => client.getPrediction('p1')));
    await client.createPrediction(SCHNELL, { input: {} }).catch(() => undefined);
    expect(countResources().get('TCPSocketWrap') ?? 0).toBeGreaterThan(before.get('TCPSocketWrap') ?? 0);
    await client.close();
    await server.close();
    await nextTick();
    await nextTick();
    const after = countResources();
    expect(after.get('TCPSocketWrap') ?? 0).toBeLessThanOrEqual(before.get('TCPSocketWrap') ?? 0);
    expect(after.get('Timeout') ?? 0).toBeLessThanOrEqual(before.get('Timeout') ?? 0);
    await expect(client.getPrediction('p1')).rejects.toBeInstanceOf(ReplicateUnavailableError);
  });

  it('ends waits in progress (backoff, rate-limit pause, queue) at once with a typed error', async () => {
    let answered = 0;
    const server = await startStubServer((_request, response) => {
      answered++;
      // The first answer exhausts the upstream budget for a long while; the second is a 503.
      if (answered === 1) {
        json(response, 200, predictionBody('p1'), { 'ratelimit-remaining': '0', 'ratelimit-reset': '50' });
      } else {
        json(response, 503, {}, { 'retry-after': '40' });
      }
    });
    cleanups.push(() => server.close());
    // Real timers: what is checked is that close() cancels them.
    const client = createReplicateClient({
      token: 'r8_test',
      baseUrl: server.baseUrl,
      limiter: { createsPerMinute: 60 },
    });
    await client.getPrediction('p1');
    const paused = client.getPrediction('p1').catch((e: unknown) => e);
    const firstCreate = client.createPrediction(SCHNELL, { input: {} }).catch((e: unknown) => e);
    const queuedCreate = client.createPrediction(SCHNELL, { input: {} }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const timersBeforeClose = countResources().get('Timeout') ?? 0;
    const closedAt = Date.now();
    await client.close();
    const outcomes = await Promise.all([paused, firstCreate, queuedCreate]);
    expect(Date.now() - closedAt).toBeLessThan(1_000);
    for (const outcome of outcomes.slice(0, 1).concat(outcomes.slice(2))) {
      expect(outcome).toMatchObject({ name: 'ReplicateUnavailableError', reason: 'client_closed' });
    }
    // The first create was sent and answered 503: its outcome is unknown, whatever close() does.
    expect(outcomes[1]).toBeInstanceOf(ReplicateOutcomeUnknownError);
    await nextTick();
    // The 50 s pause timer is cancelled, not merely abandoned: no ref'd timer is left at all
    // (this file runs in its own process, and everything earlier in it has been closed).
    expect(timersBeforeClose).toBeGreaterThan(0);
    expect(countResources().get('Timeout') ?? 0).toBe(0);
  });
});
