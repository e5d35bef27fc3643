/**
 * The client's policies against the Replicate simulator: error mapping and logging, backoff
 * draws, rate-limit headers, the per-model circuit breaker, and what close() leaves behind.
 * (The fault-by-fault create/read matrix is in client-simulator.test.ts.)
 */
import { Writable } from 'node:stream';
import { setImmediate as nextTick } from 'node:timers/promises';
import { createLogger } from '../../src/logger.ts';
import {
  createReplicateClient,
  ReplicateAuthError,
  ReplicateInsufficientCreditsError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  type ReplicateClient,
  type ReplicateClientOptions,
} from '../../src/replicate/index.ts';
import { startSimulator, type StartSimulatorOptions } from '../../src/simulator/index.ts';
import { describe, expect, test as base, type RunningSimulator } from '../support/simulator-fixtures.ts';
import { recordingSleep } from './helpers.ts';

const TOKEN = 'r8_SimulatorTokenThatMustNeverBeLogged42';
const SCHNELL = { model: 'black-forest-labs/flux-schnell' } as const;
const DEV = { model: 'black-forest-labs/flux-dev' } as const;
const SCHNELL_CREATE = '/v1/models/black-forest-labs/flux-schnell/predictions';
const PROMPT = 'a portrait of someone who would rather this prompt stayed private';

const test = base
  /** Fault rules and counters of the file's simulator are cleared after each test. */
  .extend('faultsCleared', { auto: true }, ({ simulator }, { onCleanup }) => {
    onCleanup(() => {
      simulator.clearFaults();
      simulator.resetCounters();
    });
  })
  /** A client of the file's simulator (or `target`), sleeps recorded in `delays`, closed after the test. */
  .extend('newClient', ({ simulator }, { onCleanup }) => {
    const clients: ReplicateClient[] = [];
    onCleanup(async () => {
      while (clients.length > 0) await clients.pop()!.close();
    });
    return (options: Partial<ReplicateClientOptions> = {}, target: RunningSimulator = simulator) => {
      const { sleep, delays } = recordingSleep();
      const client = createReplicateClient({
        token: TOKEN,
        baseUrl: target.baseUrl,
        sleep,
        random: () => 0.5,
        ...options,
      });
      clients.push(client);
      return { client, delays };
    };
  })
  /** A simulator of the test's own (speed 0.01 and `options`), closed after the test. */
  .extend('ownSimulator', async ({}, { onCleanup }) => {
    const simulators: RunningSimulator[] = [];
    onCleanup(async () => {
      await Promise.all(simulators.map((simulator) => simulator.close()));
    });
    return async (options: StartSimulatorOptions): Promise<RunningSimulator> => {
      const own = await startSimulator({ port: 0, speed: 0.01, ...options });
      simulators.push(own);
      return own;
    };
  });
test.override('simulatorSetup', { speed: 0.01 });

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('debug', destination), lines, raw };
}

describe('errors and logs', () => {
  test('401: typed auth error, logged at error level naming the setting, never the token', async ({
    newClient,
    ownSimulator,
  }) => {
    const strict = await ownSimulator({ tokens: ['r8_the_only_valid_token'] });
    const logs = captureLogs();
    const { client } = newClient({ logger: logs.logger }, strict);
    const error = await client.createPrediction(SCHNELL, { input: { prompt: PROMPT } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateAuthError);
    expect((error as ReplicateAuthError).status).toBe(401);
    expect(strict.countRequests('POST', /predictions$/)).toBe(1);
    const errorLine = logs.lines.find((line) => line.level === 50);
    expect(errorLine?.msg).toMatch(/check REPLICATE_API_TOKEN/);
    expect(logs.raw.join('\n')).not.toContain(TOKEN);
  });

  test('402: typed insufficient credits, not retried', async ({ newClient, ownSimulator }) => {
    const broke = await ownSimulator({ creditsMicros: 0 });
    const { client, delays } = newClient({}, broke);
    const error = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateInsufficientCreditsError);
    expect((error as ReplicateInsufficientCreditsError).status).toBe(402);
    expect(broke.countRequests('POST', /predictions$/)).toBe(1);
    expect(delays).toEqual([]);
  });

  test('logs each upstream call at debug with method, path, status, duration and attempt — no token, no prompt', async ({
    simulator,
    newClient,
  }) => {
    const logs = captureLogs();
    const { client } = newClient({ logger: logs.logger });
    const created = await client.createPrediction(SCHNELL, { input: { prompt: PROMPT }, correlationId: 'gen_logs' });
    simulator.injectFaults([{ method: 'GET', path: '/v1/predictions/*', fault: 'status_500' }]);
    await client.getPrediction(created.id);
    const calls = logs.lines.filter((line) => line.msg === 'replicate request');
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      level: 20,
      method: 'POST',
      path: SCHNELL_CREATE,
      status: 201,
      attempt: 1,
      correlationId: 'gen_logs',
    });
    expect(calls[1]).toMatchObject({ method: 'GET', path: `/v1/predictions/${created.id}`, status: 500, attempt: 1 });
    expect(calls[2]).toMatchObject({ status: 200, attempt: 2 });
    for (const call of calls) expect(typeof call.durationMs).toBe('number');
    const everything = logs.raw.join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(PROMPT);
  });
});

describe('backoff and Retry-After on reads', () => {
  test('draws each delay uniformly below 1, 2 and 4 s (full jitter)', async ({ simulator, newClient }) => {
    const draws = [0, 0.999, 0.25];
    const { client, delays } = newClient({ random: () => draws.shift() ?? 0 });
    simulator.injectFaults([{ method: 'GET', path: '/v1/predictions/*', fault: 'status_500', times: 10 }]);
    await expect(client.getPrediction('anything')).rejects.toMatchObject({ reason: 'server_error', status: 500 });
    expect(delays).toEqual([0, 1998, 1000]);
  });

  test('ends with a rate-limited error carrying Retry-After when 429s outlast the retries', async ({
    simulator,
    newClient,
  }) => {
    const { client, delays } = newClient();
    simulator.injectFaults([
      { method: 'GET', path: '/v1/predictions/*', fault: 'status_429', times: 10, retryAfterSeconds: 2 },
    ]);
    const error = await client.getPrediction('anything').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateRateLimitedError);
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 2 });
    expect(simulator.countRequests('GET', /^\/v1\/predictions\/anything$/)).toBe(4);
    expect(delays).toEqual([2000, 2000, 2000]);
  });

  test('fails a read fast when Retry-After is above 60 s', async ({ simulator, newClient }) => {
    const { client, delays } = newClient();
    simulator.injectFaults([{ method: 'GET', path: '/v1/predictions/*', fault: 'status_429', retryAfterSeconds: 61 }]);
    await expect(client.getPrediction('anything')).rejects.toMatchObject({ retryAfterSeconds: 61 });
    expect(simulator.countRequests('GET', /^\/v1\/predictions\//)).toBe(1);
    expect(delays).toEqual([]);
  });
});

describe('upstream rate-limit headers', () => {
  test('pauses the exhausted bucket until ratelimit-reset, leaves the other bucket alone, and avoids the 429', async ({
    newClient,
    ownSimulator,
  }) => {
    // One clock for both sides: the client's pause advances the simulator's sliding window.
    let clock = Date.now();
    const limited = await ownSimulator({ now: () => clock, rateLimits: { createsPerMinute: 600, otherPerMinute: 2 } });
    const delays: number[] = [];
    const { client } = newClient(
      {
        now: () => new Date(clock),
        sleep: async (ms) => {
          delays.push(ms);
          clock += ms;
        },
      },
      limited,
    );
    const created = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } });
    await client.getPrediction(created.id);
    await client.getPrediction(created.id); // ratelimit-remaining: 0, ratelimit-reset ≈ 60
    // Creates have their own upstream budget: not held by the exhausted "other" bucket.
    await client.createPrediction(SCHNELL, { input: { prompt: 'y' } });
    expect(delays).toEqual([]);
    await client.getPrediction(created.id);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(59_000);
    expect(delays[0]).toBeLessThanOrEqual(60_000);
    expect(limited.countRequests('GET', /^\/v1\/predictions\//)).toBe(3);
  });
});

describe('per-model circuit breaker', () => {
  const breaker = { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 150 };

  test('opens on upstream failures, fails fast without a request, probes half-open, and closes', async ({
    simulator,
    newClient,
  }) => {
    const { client } = newClient({ breaker });
    simulator.injectFaults([{ method: 'POST', path: SCHNELL_CREATE, fault: 'status_503', times: 2 }]);
    for (let i = 0; i < 2; i++) {
      await expect(client.createPrediction(SCHNELL, { input: { prompt: 'x' } })).rejects.toBeInstanceOf(
        ReplicateOutcomeUnknownError,
      );
    }
    expect(client.breakerState(SCHNELL)).toBe('open');

    const fastFailure = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } }).catch((e: unknown) => e);
    expect(fastFailure).toBeInstanceOf(ReplicateUnavailableError);
    expect(fastFailure).toMatchObject({ reason: 'circuit_open', status: undefined });
    expect(simulator.countRequests('POST', /flux-schnell\/predictions$/)).toBe(2);

    // Another model has its own breaker.
    await expect(client.createPrediction(DEV, { input: { prompt: 'x' } })).resolves.toMatchObject({
      id: expect.any(String),
    });

    await new Promise((resolve) => setTimeout(resolve, breaker.resetTimeoutMs + 50));
    expect(client.breakerState(SCHNELL)).toBe('half_open');
    await expect(client.createPrediction(SCHNELL, { input: { prompt: 'x' } })).resolves.toMatchObject({
      id: expect.any(String),
    });
    expect(client.breakerState(SCHNELL)).toBe('closed');
    expect(simulator.countRequests('POST', /flux-schnell\/predictions$/)).toBe(3);
  });

  test('re-opens when the half-open probe fails', async ({ simulator, newClient }) => {
    const { client } = newClient({ breaker });
    simulator.injectFaults([{ method: 'POST', path: SCHNELL_CREATE, fault: 'status_500', times: 3 }]);
    for (let i = 0; i < 2; i++) await client.createPrediction(SCHNELL, { input: { prompt: 'x' } }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, breaker.resetTimeoutMs + 50));
    await expect(client.createPrediction(SCHNELL, { input: { prompt: 'x' } })).rejects.toBeInstanceOf(
      ReplicateOutcomeUnknownError,
    );
    expect(client.breakerState(SCHNELL)).toBe('open');
  });

  test('does not count answers that prove Replicate is up (422, 429)', async ({ simulator, newClient }) => {
    const { client } = newClient({ breaker });
    for (let i = 0; i < 3; i++) {
      await client.createPrediction(SCHNELL, { input: { prompt: 'x', aspect_ratio: '7:3' } }).catch(() => {});
    }
    simulator.injectFaults([
      { method: 'POST', path: SCHNELL_CREATE, fault: 'status_429', times: 3, retryAfterSeconds: 120 },
    ]);
    for (let i = 0; i < 3; i++) await client.createPrediction(SCHNELL, { input: { prompt: 'x' } }).catch(() => {});
    expect(client.breakerState(SCHNELL)).toBe('closed');
  });
});

describe('close()', () => {
  function countResources(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
    return counts;
  }

  test('closes every pooled socket', async ({ simulator }) => {
    const before = countResources().get('TCPSocketWrap') ?? 0;
    const client = createReplicateClient({ token: TOKEN, baseUrl: simulator.baseUrl, transport: { connections: 4 } });
    const created = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } });
    await Promise.all(Array.from({ length: 8 }, () => client.getPrediction(created.id)));
    expect(countResources().get('TCPSocketWrap') ?? 0).toBeGreaterThan(before);
    expect(client.transportStats().connectionsOpened).toBeLessThanOrEqual(4);
    await client.close();
    await nextTick();
    await nextTick();
    // The simulator's server side of each socket closes a moment later than ours.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(countResources().get('TCPSocketWrap') ?? 0).toBeLessThanOrEqual(before);
    await expect(client.getPrediction(created.id)).rejects.toMatchObject({ reason: 'client_closed' });
  });

  // That their timers are cancelled too is checked against a quiet stub server (the simulator runs
  // timers of its own): limiter-and-close.test.ts.
  test('ends waits in progress (rate-limit pause, queue) at once with a typed error', async ({ ownSimulator }) => {
    const limited = await ownSimulator({ rateLimits: { createsPerMinute: 600, otherPerMinute: 1 } });
    // Real timers: what is checked is that close() cancels them.
    const client = createReplicateClient({ token: TOKEN, baseUrl: limited.baseUrl, limiter: { createsPerMinute: 60 } });
    const created = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } });
    await client.getPrediction(created.id); // ratelimit-remaining: 0 → the "other" bucket pauses ≈ 60 s
    const paused = client.getPrediction(created.id).catch((e: unknown) => e);
    // 60 creates a minute = one a second: the second create waits in the queue.
    const queued = client.createPrediction(SCHNELL, { input: { prompt: 'y' } }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Ended by close(), not by their own ends (≈ 60 s and 1 s away): each fails as closed, neither is sent.
    await client.close();
    const outcomes = await Promise.all([paused, queued]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ name: 'ReplicateUnavailableError', reason: 'client_closed' });
    }
    expect(limited.countRequests('GET', /^\/v1\/predictions\//)).toBe(1);
    expect(limited.countRequests('POST', /predictions$/)).toBe(1);
  });
});
