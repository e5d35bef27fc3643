/**
 * The client against the Replicate simulator, fault by fault, counting what the simulator actually
 * received (policies — errors, logs, rate limits, breaker, close — are in
 * client-simulator-policies.test.ts). The rule under test: a create is re-sent only when it provably never reached Replicate
 * (connection refused) or Replicate answered 429; every other failure is an outcome-unknown error
 * and exactly one POST.
 */
import {
  createReplicateClient,
  ReplicateInvalidInputError,
  ReplicateNotFoundError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  type ReplicateClient,
  type ReplicateClientOptions,
} from '../../src/replicate/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { describe, expect, test as base, type RunningSimulator } from '../support/simulator-fixtures.ts';
import { closedPort, recordingSleep } from './helpers.ts';

const SCHNELL = { model: 'black-forest-labs/flux-schnell' } as const;
const CREATE_PATH = '/v1/models/black-forest-labs/flux-schnell/predictions';
const CREATE_PATTERN = /^\/v1\/models\/black-forest-labs\/flux-schnell\/predictions$/;
const GET_PATTERN = /^\/v1\/predictions\/[^/]+$/;
/** Short enough to keep `timeout` and `slow_body` faults quick, long enough for a loaded CI box. */
const REQUEST_TIMEOUT_MS = 400;

const test = base
  /** Every test starts with no fault rule and fresh counters. */
  .extend('faultsCleared', { auto: true }, ({ simulator }) => {
    simulator.clearFaults();
    simulator.resetCounters();
  })
  /** One fault rule, applied once unless `times` says otherwise. */
  .extend(
    'injectFault',
    { scope: 'file' },
    ({ simulator }) =>
      async (rule: {
        method: string;
        path: string;
        fault: string;
        times?: number;
        retryAfterSeconds?: number;
        chunkDelayMs?: number;
      }) => {
        const response = await fetch(`${simulator.origin}/_simulator/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ rules: [{ times: 1, ...rule }] }),
        });
        expect(response.ok).toBe(true);
      },
  )
  /** A client of the simulator whose sleeps are recorded (`delays`), closed after the file. */
  .extend('newClient', { scope: 'file' }, ({ simulator }, { onCleanup }) => {
    const clients: ReplicateClient[] = [];
    onCleanup(async () => {
      await Promise.all(clients.map((client) => client.close()));
    });
    return (options: Partial<ReplicateClientOptions> = {}) => {
      const { sleep, delays } = recordingSleep();
      const client = createReplicateClient({
        token: 'r8_simulator_test_token',
        baseUrl: simulator.baseUrl,
        transport: { requestTimeoutMs: REQUEST_TIMEOUT_MS },
        sleep,
        random: () => 0.5,
        ...options,
      });
      clients.push(client);
      return { client, delays };
    };
  })
  /** Predictions the simulator created since the test began. */
  .extend(
    'predictionCount',
    { scope: 'file' },
    ({ simulator }) =>
      () =>
        simulator.predictions().length,
  )
  /** Create POSTs the simulator received since the test began. */
  .extend(
    'createRequests',
    { scope: 'file' },
    ({ simulator }) =>
      () =>
        simulator.countRequests('POST', CREATE_PATTERN),
  );
test.override('simulatorSetup', { speed: 0.01 });

describe('against the simulator: the happy path', () => {
  test('creates, reads, lists, cancels, and reads models and the webhook secret', async ({ newClient }) => {
    // No fault here, so no reason for the short deadline: a cold first exchange on a loaded
    // machine can take longer than it.
    const { client } = newClient({ transport: { requestTimeoutMs: 30_000 } });
    const created = await client.createPrediction(SCHNELL, {
      input: { prompt: 'a red bicycle [sim:slow]' },
      correlationId: 'gen_happy',
    });
    expect(created.status).toMatch(/starting|processing/);
    const read = await client.getPrediction(created.id);
    expect(read.id).toBe(created.id);
    const page = await client.listPredictions();
    expect(page.predictions.some((prediction) => prediction.id === created.id)).toBe(true);
    const canceled = await client.cancelPrediction(created.id);
    expect(canceled.id).toBe(created.id);
    expect((await client.getModel('black-forest-labs', 'flux-schnell')).name).toBe('flux-schnell');
    expect(await client.getWebhookSecret()).toMatch(/^whsec_/);
  });

  test('maps the simulator’s 422 and 404 to typed errors', async ({ newClient }) => {
    const { client } = newClient({ transport: { requestTimeoutMs: 30_000 } });
    const invalid = await client
      .createPrediction(SCHNELL, { input: { prompt: 'x', aspect_ratio: '7:3' } })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ReplicateInvalidInputError);
    expect((invalid as ReplicateInvalidInputError).invalidFields.map((f) => f.field)).toContain('input.aspect_ratio');
    await expect(client.getPrediction('doesnotexist')).rejects.toBeInstanceOf(ReplicateNotFoundError);
  });
});

describe('against the simulator: creates are never blindly re-sent', () => {
  test.for([
    // Delivered badly after the prediction was made: it exists upstream.
    ['reset_after_create', 1],
    ['timeout', 1],
    ['malformed_body', 1],
    ['slow_body', 1],
    // Refused before processing: nothing exists, but the client cannot know that.
    ['status_500', 0],
    ['status_503', 0],
    ['reset_before_response', 0],
  ] as const)(
    '%s → outcome unknown after exactly one POST',
    async ([fault, predictionsUpstream], { injectFault, newClient, predictionCount, createRequests }) => {
      const { client, delays } = newClient();
      const before = predictionCount();
      await injectFault({ method: 'POST', path: CREATE_PATH, fault, chunkDelayMs: REQUEST_TIMEOUT_MS * 3 });
      // Loopback and closed: the simulator really delivers webhooks, and tests never leave the machine.
      const webhook = `https://127.0.0.1:1/webhooks/replicate?generation=gen_${fault}`;
      const error = await client
        .createPrediction(SCHNELL, { input: { prompt: 'a harbour at dawn' }, correlationId: `gen_${fault}`, webhook })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReplicateOutcomeUnknownError);
      const { correlation } = error as ReplicateOutcomeUnknownError;
      expect(correlation).toMatchObject({
        correlationId: `gen_${fault}`,
        target: 'black-forest-labs/flux-schnell',
        webhook,
        attempt: 1,
      });
      expect(correlation.sentAt.getTime()).toBeLessThanOrEqual(correlation.failedAt.getTime());
      expect(createRequests()).toBe(1);
      expect(predictionCount() - before).toBe(predictionsUpstream);
      expect(delays).toEqual([]);
    },
  );

  test('429 → waits Retry-After, re-sends, and one prediction exists', async ({
    injectFault,
    newClient,
    predictionCount,
    createRequests,
  }) => {
    const { client, delays } = newClient();
    const before = predictionCount();
    await injectFault({ method: 'POST', path: CREATE_PATH, fault: 'status_429', retryAfterSeconds: 2 });
    const prediction = await client.createPrediction(SCHNELL, { input: { prompt: 'a quiet library' } });
    expect(prediction.id).toBeTruthy();
    expect(createRequests()).toBe(2);
    expect(predictionCount() - before).toBe(1);
    expect(delays).toEqual([2000]);
  });

  test('429 with Retry-After above 60 s → fails fast with the wait, nothing created', async ({
    injectFault,
    newClient,
    predictionCount,
    createRequests,
  }) => {
    const { client, delays } = newClient();
    const before = predictionCount();
    await injectFault({ method: 'POST', path: CREATE_PATH, fault: 'status_429', retryAfterSeconds: 120 });
    const error = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateRateLimitedError);
    expect((error as ReplicateRateLimitedError).retryAfterSeconds).toBe(120);
    expect(createRequests()).toBe(1);
    expect(predictionCount()).toBe(before);
    expect(delays).toEqual([]);
  });

  test('connection refused → re-sent until the simulator is up; exactly one POST, one prediction', async () => {
    const port = await closedPort();
    let late: RunningSimulator | undefined;
    const delays: number[] = [];
    const client = createReplicateClient({
      token: 'r8_simulator_test_token',
      baseUrl: `http://127.0.0.1:${port}/v1`,
      random: () => 0.5,
      // The first backoff is when the simulator comes up on the port that refused us.
      sleep: async (ms) => {
        delays.push(ms);
        late ??= await startSimulator({ port, speed: 0.01 });
      },
    });
    try {
      const prediction = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } });
      expect(prediction.id).toBeTruthy();
      expect(delays).toEqual([500]);
      expect(late?.countRequests('POST', CREATE_PATTERN)).toBe(1);
      expect(late?.predictions()).toHaveLength(1);
    } finally {
      await client.close();
      await late?.close();
    }
  });

  test('connection refused throughout → retried 3 times, then typed unavailable', async ({ newClient }) => {
    const port = await closedPort();
    const { client, delays } = newClient({ baseUrl: `http://127.0.0.1:${port}/v1` });
    const error = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateUnavailableError);
    expect(error).toMatchObject({ reason: 'network', networkCode: 'ECONNREFUSED' });
    expect(delays).toEqual([500, 1000, 2000]);
  });
});

describe('against the simulator: reads are retried', () => {
  test.for(['status_500', 'status_503', 'reset_before_response', 'malformed_body', 'timeout', 'slow_body'] as const)(
    '%s twice → third GET succeeds with backoff 1 s, 2 s (full jitter)',
    async (fault, { simulator, injectFault, newClient }) => {
      const { client, delays } = newClient();
      const created = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } });
      simulator.resetCounters();
      await injectFault({
        method: 'GET',
        path: '/v1/predictions/*',
        fault,
        times: 2,
        chunkDelayMs: REQUEST_TIMEOUT_MS * 3,
      });
      await expect(client.getPrediction(created.id)).resolves.toMatchObject({ id: created.id });
      expect(simulator.countRequests('GET', GET_PATTERN)).toBe(3);
      expect(delays).toEqual([500, 1000]);
    },
  );

  test('429 on a read → waits Retry-After', async ({ injectFault, newClient }) => {
    const { client, delays } = newClient();
    const created = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } });
    await injectFault({ method: 'GET', path: '/v1/predictions/*', fault: 'status_429', retryAfterSeconds: 3 });
    await client.getPrediction(created.id);
    expect(delays).toEqual([3000]);
  });

  test('a read that keeps failing ends typed unavailable after 4 GETs', async ({
    simulator,
    injectFault,
    newClient,
  }) => {
    const { client, delays } = newClient();
    const created = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } });
    simulator.resetCounters();
    await injectFault({ method: 'GET', path: '/v1/predictions/*', fault: 'status_503', times: 10 });
    const error = await client.getPrediction(created.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateUnavailableError);
    expect(simulator.countRequests('GET', GET_PATTERN)).toBe(4);
    expect(delays).toEqual([500, 1000, 2000]);
  });

  test('a cancel is retried like a read', async ({ simulator, injectFault, newClient }) => {
    const { client } = newClient();
    const created = await client.createPrediction(SCHNELL, { input: { prompt: 'x [sim:slow]' } });
    simulator.resetCounters();
    await injectFault({ method: 'POST', path: '/v1/predictions/*/cancel', fault: 'reset_before_response' });
    await expect(client.cancelPrediction(created.id)).resolves.toMatchObject({ id: created.id });
    expect(simulator.countRequests('POST', /\/cancel$/)).toBe(2);
  });
});
