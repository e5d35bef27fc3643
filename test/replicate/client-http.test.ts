/**
 * The client against a throwaway loopback server: request shape, status mapping, redirects,
 * auth logging and retry delays (recorded through the injected sleep, never waited for).
 * Transport faults that the simulator can inject are covered in client-simulator.test.ts.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import {
  createReplicateClient,
  ReplicateAuthError,
  ReplicateInsufficientCreditsError,
  ReplicateInvalidInputError,
  ReplicateNotFoundError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  type ReplicateClient,
  type ReplicateClientOptions,
} from '../../src/replicate/index.ts';
import {
  closedPort,
  json,
  predictionBody,
  recordingSleep,
  startStubServer,
  type StubHandler,
  type StubServer,
} from './helpers.ts';

const TOKEN = 'r8_TestTokenThatMustNeverBeLogged0123';
const SCHNELL = { model: 'black-forest-labs/flux-schnell' } as const;
const PROMPT = 'a lighthouse painted by a very private person';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

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

async function setup(handler: StubHandler, options: Partial<ReplicateClientOptions> = {}) {
  const server = await startStubServer(handler);
  const { sleep, delays } = recordingSleep();
  const logs = captureLogs();
  const client = createReplicateClient({
    token: TOKEN,
    baseUrl: server.baseUrl,
    sleep,
    random: () => 0.5,
    logger: logs.logger,
    ...options,
  });
  cleanups.push(
    () => server.close(),
    () => client.close(),
  );
  return { server, client, delays, logs };
}

/** Answers with the given responses in order, then repeats the last one. */
function sequence(...responses: [status: number, body: unknown, headers?: Record<string, string>][]): StubHandler {
  let index = 0;
  return (_request, response) => {
    const [status, body, headers] = responses[Math.min(index++, responses.length - 1)]!;
    json(response, status, body, headers);
  };
}

describe('request shape', () => {
  it('creates official-model predictions on the model path with auth, user agent and JSON', async () => {
    const { server, client } = await setup(sequence([201, predictionBody('p1')]));
    const prediction = await client.createPrediction(SCHNELL, {
      input: { prompt: PROMPT },
      webhook: 'https://gateway.example/webhooks/replicate?generation=g1',
      webhookEventsFilter: ['start', 'completed'],
      preferWaitSeconds: 5,
      cancelAfter: '5m',
    });
    expect(prediction.id).toBe('p1');
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/models/black-forest-labs/flux-schnell/predictions');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['user-agent']).toMatch(/^pixelgate\/\d+\.\d+\.\d+/);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.prefer).toBe('wait=5');
    expect(request?.headers['cancel-after']).toBe('5m');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      input: { prompt: PROMPT },
      webhook: 'https://gateway.example/webhooks/replicate?generation=g1',
      webhook_events_filter: ['start', 'completed'],
    });
  });

  it('creates version predictions on /predictions with the version in the body', async () => {
    const { server, client } = await setup(sequence([201, predictionBody('p2')]));
    await client.createPrediction({ version: 'abc123' }, { input: { prompt: 'x' }, cancelAfter: 90 });
    expect(server.requests[0]?.url).toBe('/v1/predictions');
    expect(server.requests[0]?.headers['cancel-after']).toBe('90s');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ version: 'abc123', input: { prompt: 'x' } });
  });

  it('refuses bad create options before sending anything', async () => {
    const { server, client } = await setup(sequence([201, predictionBody('p')]));
    await expect(client.createPrediction({ model: 'no-slash' }, { input: {} })).rejects.toThrow(TypeError);
    await expect(client.createPrediction(SCHNELL, { input: {}, preferWaitSeconds: 61 })).rejects.toThrow(RangeError);
    await expect(client.createPrediction(SCHNELL, { input: {}, cancelAfter: 4 })).rejects.toThrow(RangeError);
    await expect(client.createPrediction(SCHNELL, { input: {}, cancelAfter: 'soon' })).rejects.toThrow(RangeError);
    expect(server.requests).toHaveLength(0);
  });

  it('lists predictions with filters and follows only the cursor of `next`', async () => {
    const page1 = {
      results: [predictionBody('p3', 'succeeded')],
      next: 'https://evil.example/v1/predictions?cursor=abc',
      previous: null,
    };
    const page2 = { results: [predictionBody('p4', 'failed')], next: null, previous: null };
    const { server, client } = await setup(sequence([200, page1], [200, page2]));
    const pages = [];
    for await (const page of client.listPredictionPages({ createdAfter: new Date('2026-01-01T00:00:00Z') })) {
      pages.push(page);
    }
    expect(pages.map((page) => page.predictions.map((p) => p.id))).toEqual([['p3'], ['p4']]);
    expect(pages[0]?.nextCursor).toBe('abc');
    expect(server.requests.map((r) => r.url)).toEqual([
      '/v1/predictions?created_after=2026-01-01T00%3A00%3A00.000Z',
      '/v1/predictions?cursor=abc&created_after=2026-01-01T00%3A00%3A00.000Z',
    ]);
  });

  it('reads models, the webhook secret, and cancels', async () => {
    const { server, client } = await setup((request, response) => {
      if (request.url === '/v1/models/google/imagen-4') {
        json(response, 200, { owner: 'google', name: 'imagen-4', latest_version: null });
      } else if (request.url === '/v1/webhooks/default/secret') {
        json(response, 200, { key: 'whsec_abc' });
      } else {
        json(response, 200, predictionBody('p5', 'canceled'));
      }
    });
    expect((await client.getModel('google', 'imagen-4')).name).toBe('imagen-4');
    expect(await client.getWebhookSecret()).toBe('whsec_abc');
    expect((await client.cancelPrediction('p5')).status).toBe('canceled');
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/v1/predictions/p5/cancel' });
  });
});

describe('error mapping', () => {
  it('maps 422 to invalid input with the validated fields only', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Input validation failed',
      status: 422,
      detail: `- input.aspect_ratio: must be one of ... (prompt was "${PROMPT}")`,
      invalid_fields: [{ type: 'enum', field: 'input.aspect_ratio', description: 'must be one of 1:1, 16:9' }],
    };
    const { server, client } = await setup(sequence([422, problem]));
    const error = await client.createPrediction(SCHNELL, { input: { prompt: PROMPT } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateInvalidInputError);
    const invalid = error as ReplicateInvalidInputError;
    expect(invalid.invalidFields).toEqual([{ field: 'input.aspect_ratio', description: 'must be one of 1:1, 16:9' }]);
    expect(invalid.graphqlExtensions()).toEqual({ code: 'BAD_USER_INPUT', invalidFields: invalid.invalidFields });
    expect(invalid.message).not.toContain(PROMPT);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [402, ReplicateInsufficientCreditsError, 'UPSTREAM_INSUFFICIENT_CREDITS'],
    [404, ReplicateNotFoundError, 'NOT_FOUND'],
    [403, ReplicateAuthError, 'UPSTREAM_UNAVAILABLE'],
    [400, ReplicateUnavailableError, 'UPSTREAM_UNAVAILABLE'],
  ] as const)('maps %i without retrying', async (status, errorClass, code) => {
    const { server, client } = await setup(sequence([status, { detail: 'nope' }]));
    const error = await client.getPrediction('p1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect((error as ReplicateAuthError).graphqlCode).toBe(code);
    expect(server.requests).toHaveLength(1);
  });

  it('logs a 401 at error level, pointing at the token setting, and never logs the token or prompt', async () => {
    const { client, logs } = await setup(sequence([401, { detail: 'Unauthenticated' }]));
    await expect(client.createPrediction(SCHNELL, { input: { prompt: PROMPT } })).rejects.toBeInstanceOf(
      ReplicateAuthError,
    );
    const errorLine = logs.lines.find((line) => line.level === 50);
    expect(errorLine?.msg).toMatch(/check REPLICATE_API_TOKEN/);
    const everything = logs.raw.join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(PROMPT);
  });

  it('logs each upstream call at debug with method, path, status, duration and attempt', async () => {
    const { client, logs } = await setup(sequence([500, {}], [200, predictionBody('p1')]));
    await client.getPrediction('p1');
    const calls = logs.lines.filter((line) => line.msg === 'replicate request');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ level: 20, method: 'GET', path: '/v1/predictions/p1', status: 500, attempt: 1 });
    expect(calls[1]).toMatchObject({ status: 200, attempt: 2 });
    expect(typeof calls[1]?.durationMs).toBe('number');
  });

  it('treats a redirect as an error and never follows it', async () => {
    const { server, client } = await setup(sequence([302, {}, { location: 'http://127.0.0.1:9/steal-the-token' }]));
    const readError = await client.getPrediction('p1').catch((e: unknown) => e);
    expect(readError).toBeInstanceOf(ReplicateUnavailableError);
    expect((readError as ReplicateUnavailableError).reason).toBe('unexpected_response');
    const createError = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } }).catch((e: unknown) => e);
    // A create answered with a redirect may or may not have been processed.
    expect(createError).toBeInstanceOf(ReplicateOutcomeUnknownError);
    expect(server.requests).toHaveLength(2);
  });
});

describe('read retries', () => {
  it('retries 5xx three times with full-jitter backoff of 1, 2 and 4 s', async () => {
    const { server, client, delays } = await setup(
      sequence([500, {}], [503, {}], [502, {}], [200, predictionBody('p1')]),
    );
    const prediction = await client.getPrediction('p1');
    expect(prediction.id).toBe('p1');
    expect(server.requests).toHaveLength(4);
    // random() = 0.5 → half of each ceiling.
    expect(delays).toEqual([500, 1000, 2000]);
  });

  it('draws every delay uniformly below its ceiling (full jitter)', async () => {
    const draws = [0, 0.999, 0.25];
    const { client, delays } = await setup(sequence([500, {}]), { random: () => draws.shift() ?? 0 });
    await expect(client.getPrediction('p1')).rejects.toBeInstanceOf(ReplicateUnavailableError);
    expect(delays).toEqual([0, 1998, 1000]);
  });

  it('gives up after three retries with a typed unavailable error', async () => {
    const { server, client } = await setup(sequence([500, {}]));
    const error = await client.getPrediction('p1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateUnavailableError);
    expect(error).toMatchObject({ reason: 'server_error', status: 500, graphqlCode: 'UPSTREAM_UNAVAILABLE' });
    expect(server.requests).toHaveLength(4);
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    const inThirtySeconds = new Date(Date.now() + 30_000).toUTCString();
    const { client, delays } = await setup(
      sequence(
        [429, {}, { 'retry-after': '7' }],
        [503, {}, { 'retry-after': inThirtySeconds }],
        [200, predictionBody('p')],
      ),
    );
    await client.getPrediction('p');
    expect(delays[0]).toBe(7000);
    expect(delays[1]).toBeGreaterThanOrEqual(29_000);
    expect(delays[1]).toBeLessThanOrEqual(31_000);
  });

  it('reads retry_after from the problem body when the header is missing', async () => {
    const { client, delays } = await setup(sequence([429, { retry_after: 3 }], [200, predictionBody('p')]));
    await client.getPrediction('p');
    expect(delays).toEqual([3000]);
  });

  it('fails fast when Retry-After is above 60 s, carrying it', async () => {
    const { server, client, delays } = await setup(sequence([429, {}, { 'retry-after': '120' }]));
    const error = await client.getPrediction('p').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateRateLimitedError);
    expect((error as ReplicateRateLimitedError).retryAfterSeconds).toBe(120);
    expect((error as ReplicateRateLimitedError).graphqlExtensions()).toEqual({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 120,
    });
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('ends with a rate-limited error when 429s outlast the retries', async () => {
    const { server, client, delays } = await setup(sequence([429, {}, { 'retry-after': '2' }]));
    await expect(client.getPrediction('p')).rejects.toMatchObject({ retryAfterSeconds: 2 });
    expect(server.requests).toHaveLength(4);
    expect(delays).toEqual([2000, 2000, 2000]);
  });
});

describe('create retries', () => {
  it('retries a create answered 429 after Retry-After, then succeeds', async () => {
    const { server, client, delays } = await setup(
      sequence([429, {}, { 'retry-after': '4' }], [201, predictionBody('p1')]),
    );
    await expect(client.createPrediction(SCHNELL, { input: { prompt: 'x' } })).resolves.toMatchObject({ id: 'p1' });
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([4000]);
  });

  it('never re-sends a create answered 5xx, and says the outcome is unknown', async () => {
    const { server, client, delays } = await setup(sequence([500, {}], [201, predictionBody('p1')]));
    const error = await client
      .createPrediction(SCHNELL, { input: { prompt: 'x' }, correlationId: 'gen_1', webhook: 'https://h/w?g=gen_1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateOutcomeUnknownError);
    const { correlation } = error as ReplicateOutcomeUnknownError;
    expect(correlation).toMatchObject({
      correlationId: 'gen_1',
      target: 'black-forest-labs/flux-schnell',
      webhook: 'https://h/w?g=gen_1',
      attempt: 1,
    });
    expect(correlation.sentAt.getTime()).toBeLessThanOrEqual(correlation.failedAt.getTime());
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('never re-sends a create whose success body does not parse', async () => {
    const { server, client } = await setup((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end('{"id": "p1", "status": ');
    });
    await expect(client.createPrediction(SCHNELL, { input: {} })).rejects.toBeInstanceOf(ReplicateOutcomeUnknownError);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a create when the connection is refused, and reports unavailable at the end', async () => {
    const port = await closedPort();
    const { sleep, delays } = recordingSleep();
    const logs = captureLogs();
    const client = createReplicateClient({
      token: TOKEN,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      sleep,
      random: () => 0.5,
      logger: logs.logger,
    });
    cleanups.push(() => client.close());
    const error = await client.createPrediction(SCHNELL, { input: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateUnavailableError);
    expect(error).toMatchObject({ reason: 'network', networkCode: 'ECONNREFUSED' });
    expect(delays).toEqual([500, 1000, 2000]);
    expect(logs.lines.filter((line) => line.msg === 'replicate request').map((line) => line.attempt)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('a create refused once goes through once the server is up: exactly one POST arrives', async () => {
    const port = await closedPort();
    let server: StubServer | undefined;
    const client = createReplicateClient({
      token: TOKEN,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      random: () => 0,
      // The backoff wait is when the server comes up on the port that refused us.
      sleep: async () => {
        server ??= await startStubServer((_request, response) => json(response, 201, predictionBody('p1')), port);
      },
    });
    cleanups.push(
      () => client.close(),
      async () => server?.close(),
    );
    await expect(client.createPrediction(SCHNELL, { input: {} })).resolves.toMatchObject({ id: 'p1' });
    expect(server?.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
