/**
 * The client against a throwaway loopback server, for what the simulator cannot produce or does
 * not record: request headers and bodies, a hostile `next` URL, redirects, 400/403, a problem
 * detail that echoes the prompt, and Retry-After as an HTTP date or only in the body. Everything
 * the simulator can do is tested against it (client-simulator*.test.ts).
 */
import { createRequire } from 'node:module';
import { describe, expect, test as base } from 'vitest';
import {
  createReplicateClient,
  ReplicateAuthError,
  ReplicateInvalidInputError,
  ReplicateOutcomeUnknownError,
  ReplicateUnavailableError,
  type ReplicateClientOptions,
} from '../../src/replicate/index.ts';
import { json, predictionBody, recordingSleep, startStubServer, type StubHandler } from './helpers.ts';

const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
const TOKEN = 'r8_TestTokenThatMustNeverBeLogged0123';
const SCHNELL = { model: 'black-forest-labs/flux-schnell' } as const;
const PROMPT = 'a lighthouse painted by a very private person';

const test = base.extend(
  'stubReplicate',
  /**
   * A stub server answering with `handler` and a client of it (its sleeps recorded, not slept),
   * both closed after the test.
   */
  ({}, { onCleanup }) => {
    const closers: (() => Promise<void>)[] = [];
    onCleanup(async () => {
      while (closers.length > 0) await closers.pop()!();
    });
    return async (handler: StubHandler, options: Partial<ReplicateClientOptions> = {}) => {
      const server = await startStubServer(handler);
      const { sleep, delays } = recordingSleep();
      const client = createReplicateClient({
        token: TOKEN,
        baseUrl: server.baseUrl,
        sleep,
        random: () => 0.5,
        ...options,
      });
      closers.push(
        () => server.close(),
        () => client.close(),
      );
      return { server, client, delays };
    };
  },
);

/** Answers with the given responses in order, then repeats the last one. */
function sequence(...responses: [status: number, body: unknown, headers?: Record<string, string>][]): StubHandler {
  let index = 0;
  return (_request, response) => {
    const [status, body, headers] = responses[Math.min(index++, responses.length - 1)]!;
    json(response, status, body, headers);
  };
}

describe('request shape', () => {
  test('creates official-model predictions on the model path with auth, user agent and JSON', async ({
    stubReplicate,
  }) => {
    const { server, client } = await stubReplicate(sequence([201, predictionBody('p1')]));
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
    expect(request?.headers['user-agent']).toBe(`pixelgate/${PACKAGE_VERSION}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.prefer).toBe('wait=5');
    expect(request?.headers['cancel-after']).toBe('5m');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      input: { prompt: PROMPT },
      webhook: 'https://gateway.example/webhooks/replicate?generation=g1',
      webhook_events_filter: ['start', 'completed'],
    });
  });

  test('creates version predictions on /predictions with the version in the body', async ({ stubReplicate }) => {
    const { server, client } = await stubReplicate(sequence([201, predictionBody('p2')]));
    await client.createPrediction({ version: 'abc123' }, { input: { prompt: 'x' }, cancelAfter: 90 });
    expect(server.requests[0]?.url).toBe('/v1/predictions');
    expect(server.requests[0]?.headers['cancel-after']).toBe('90s');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ version: 'abc123', input: { prompt: 'x' } });
  });

  test('refuses bad create options before sending anything', async ({ stubReplicate }) => {
    const { server, client } = await stubReplicate(sequence([201, predictionBody('p')]));
    await expect(client.createPrediction({ model: 'no-slash' }, { input: {} })).rejects.toThrow(TypeError);
    await expect(client.createPrediction(SCHNELL, { input: {}, preferWaitSeconds: 61 })).rejects.toThrow(RangeError);
    await expect(client.createPrediction(SCHNELL, { input: {}, cancelAfter: 4 })).rejects.toThrow(RangeError);
    await expect(client.createPrediction(SCHNELL, { input: {}, cancelAfter: 'soon' })).rejects.toThrow(RangeError);
    expect(server.requests).toHaveLength(0);
  });

  test('lists predictions with filters and follows only the cursor of `next`', async ({ stubReplicate }) => {
    const page1 = {
      results: [predictionBody('p3', 'succeeded')],
      next: 'https://evil.example/v1/predictions?cursor=abc',
      previous: null,
    };
    const page2 = { results: [predictionBody('p4', 'failed')], next: null, previous: null };
    const { server, client } = await stubReplicate(sequence([200, page1], [200, page2]));
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

  test('reads models, the webhook secret, and cancels', async ({ stubReplicate }) => {
    const { server, client } = await stubReplicate((request, response) => {
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
  test('maps 422 to invalid input with the validated fields only', async ({ stubReplicate }) => {
    const problem = {
      type: 'about:blank',
      title: 'Input validation failed',
      status: 422,
      detail: `- input.aspect_ratio: must be one of ... (prompt was "${PROMPT}")`,
      invalid_fields: [{ type: 'enum', field: 'input.aspect_ratio', description: 'must be one of 1:1, 16:9' }],
    };
    const { server, client } = await stubReplicate(sequence([422, problem]));
    const error = await client.createPrediction(SCHNELL, { input: { prompt: PROMPT } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateInvalidInputError);
    const invalid = error as ReplicateInvalidInputError;
    expect(invalid.invalidFields).toEqual([{ field: 'input.aspect_ratio', description: 'must be one of 1:1, 16:9' }]);
    expect(invalid.status).toBe(422);
    expect(invalid.message).not.toContain(PROMPT);
    expect(server.requests).toHaveLength(1);
  });

  test.for([
    [403, ReplicateAuthError],
    [400, ReplicateUnavailableError],
  ] as const)('maps %i without retrying', async ([status, errorClass], { stubReplicate }) => {
    const { server, client } = await stubReplicate(sequence([status, { detail: 'nope' }]));
    const error = await client.getPrediction('p1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect((error as ReplicateAuthError).status).toBe(status);
    expect(server.requests).toHaveLength(1);
  });

  test('treats a redirect as an error and never follows it', async ({ stubReplicate }) => {
    const { server, client } = await stubReplicate(
      sequence([302, {}, { location: 'http://127.0.0.1:9/steal-the-token' }]),
    );
    const readError = await client.getPrediction('p1').catch((e: unknown) => e);
    expect(readError).toBeInstanceOf(ReplicateUnavailableError);
    expect((readError as ReplicateUnavailableError).reason).toBe('unexpected_response');
    const createError = await client.createPrediction(SCHNELL, { input: { prompt: 'x' } }).catch((e: unknown) => e);
    // A create answered with a redirect may or may not have been processed.
    expect(createError).toBeInstanceOf(ReplicateOutcomeUnknownError);
    expect(server.requests).toHaveLength(2);
  });
});

describe('Retry-After forms the simulator does not send', () => {
  test('honours Retry-After as an HTTP date, on a 503 as on a 429', async ({ stubReplicate }) => {
    const inThirtySeconds = new Date(Date.now() + 30_000).toUTCString();
    const { client, delays } = await stubReplicate(
      sequence([503, {}, { 'retry-after': inThirtySeconds }], [200, predictionBody('p')]),
    );
    await client.getPrediction('p');
    expect(delays[0]).toBeGreaterThanOrEqual(29_000);
    expect(delays[0]).toBeLessThanOrEqual(31_000);
  });

  test('reads retry_after from the problem body when the header is missing', async ({ stubReplicate }) => {
    const { client, delays } = await stubReplicate(sequence([429, { retry_after: 3 }], [200, predictionBody('p')]));
    await client.getPrediction('p');
    expect(delays).toEqual([3000]);
  });
});
