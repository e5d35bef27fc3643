/**
 * Failures that used to escape the contract (issue 21, item 6): each now answers its contract code,
 * writes no error-level log line, and echoes no oversized input.
 *
 * - an anonymous subscription, over SSE (was HTTP 500) and over WebSocket (was INTERNAL_SERVER_ERROR);
 * - variables nested deeper than the bound (a recursive walk overflowed the stack: 500);
 * - `connection_init` whose `headers` nest thousands deep (closed 4500);
 * - an unknown `modelId` of tens of KB (quoted whole, twice, by the refusal and its invalidFields),
 *   with the answer-size cap measured on the masked answer;
 * - a body that is not JSON sent with `Accept: application/json` (graphql-http audit BCF8: 400).
 */
import type { GraphQLErrorShape } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { connect, type RawSocket } from '../support/sockets.ts';

const GALLERY = 'subscription { myGenerations { id status } }';
const PROGRESS = 'subscription ($id: ID!) { generationProgress(id: $id) { id status } }';
const ESTIMATE = 'query ($input: EstimateCostInput!) { estimateCost(input: $input) { totalUsd } }';

/**
 * The errors an operation got: an `error` message, or a result (`next`) carrying errors. Read from
 * raw protocol frames (the operations are anonymous or malformed on purpose): the shared error shape.
 */
async function operationErrors(raw: RawSocket, id: string): Promise<GraphQLErrorShape[]> {
  const message = (await raw.next(
    (candidate) => candidate.id === id && (candidate.type === 'error' || candidate.type === 'next'),
  )) as { type: string; payload: unknown };
  return (
    message.type === 'error' ? message.payload : (message.payload as { errors?: unknown }).errors
  ) as GraphQLErrorShape[];
}

/** A refusal's raw body (sent as bytes on purpose, no typed document): every error carries extensions. */
type Refusal = { errors: Required<GraphQLErrorShape>[] };

/** The lines at error level or above among pino's (JSON) lines. */
const errorLevel = (lines: string[]) =>
  lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level >= 50);

const test = base.extend(
  'post',
  { scope: 'file' },
  /** POSTs a raw body to /graphql, asking for JSON unless `headers` say otherwise. */
  ({ app }) =>
    (body: string, headers: Record<string, string> = {}) =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body,
      }),
);
test.override('setup', {
  env: { LOG_LEVEL: 'info', GRAPHQL_MAX_RESPONSE_BYTES: '4096' },
  gateway: { runWorker: false },
  simulator: false,
});
// Checked once the gateway has stopped: no refusal here, nor the shutdown, wrote an error line.
test.override('log', ({}, { onCleanup }) => {
  const lines: string[] = [];
  onCleanup(() => expect(errorLevel(lines)).toEqual([]));
  return lines;
});

describe('errors that escaped the contract', () => {
  test.for([
    ['myGenerations', GALLERY, {}],
    ['generationProgress', PROGRESS, { id: 'R2VuZXJhdGlvbjox' }],
  ] as const)('an anonymous %s over SSE is UNAUTHENTICATED, not a 500', async ([, query, variables], { post }) => {
    const response = await post(JSON.stringify({ query, variables }), { accept: 'text/event-stream' });
    const text = await response.text();
    expect(response.status).toBeLessThan(500);
    expect(text).toContain('"code":"UNAUTHENTICATED"');
    expect(text).not.toContain('INTERNAL_SERVER_ERROR');
  });

  test('an anonymous subscription over WebSocket is UNAUTHENTICATED, and the socket lives on', async ({ app }) => {
    const { raw, acknowledged } = await connect(app, {});
    expect(acknowledged).toBe(true);
    raw.send({ id: 's1', type: 'subscribe', payload: { query: GALLERY } });
    const errors = await operationErrors(raw, 's1');
    expect(errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    raw.send({ id: 'q1', type: 'subscribe', payload: { query: '{ models { id } }' } });
    await raw.next((message) => message.id === 'q1' && message.type === 'next');
    raw.socket.close();
  });

  test('variables nested past the bound are BAD_USER_INPUT, over HTTP and WebSocket', async ({ app, post }) => {
    const depth = 20_000; // 40 KB of JSON: under the body limit, far over the depth bound
    const variables = `{"input":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const response = await post(`{"query":${JSON.stringify(ESTIMATE)},"variables":${variables}}`);
    const body = (await response.json()) as Refusal;
    expect(response.status).toBe(400);
    expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0]?.message).toMatch(/nest/);

    const { raw } = await connect(app, {});
    raw.socket.send(
      `{"id":"d1","type":"subscribe","payload":{"query":${JSON.stringify(ESTIMATE)},"variables":${variables}}}`,
    );
    const errors = await operationErrors(raw, 'd1');
    expect(errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    raw.socket.close();
  });

  test('connection_init with headers nested thousands deep is acknowledged as anonymous, not closed 4500', async ({
    app,
  }) => {
    const depth = 5_000; // 55 KB: under the message limit
    const payloadJson = `${'{"headers":'.repeat(depth)}{}${'}'.repeat(depth)}`;
    const { raw, acknowledged } = await connect(app, undefined, undefined, payloadJson);
    expect(acknowledged).toBe(true);
    raw.send({ id: 'v1', type: 'subscribe', payload: { query: '{ viewer { id } }' } });
    const errors = await operationErrors(raw, 'v1');
    expect(errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    raw.socket.close();
  });

  test('an unknown modelId of 40 KB is refused briefly: never quoted whole, the masked answer under the cap', async ({
    key,
    post,
  }) => {
    const modelId = `m${'x'.repeat(40_000)}`;
    const response = await post(JSON.stringify({ query: ESTIMATE, variables: { input: { modelId, count: 1 } } }), {
      authorization: `Bearer ${key}`,
    });
    const text = await response.text();
    expect(text.length).toBeLessThan(4096);
    const body = JSON.parse(text) as Refusal;
    expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0]?.message).toContain('Unknown model');
  });

  test('a body that is not JSON is 400 with Accept: application/json (BCF8)', async ({ post }) => {
    const response = await post('{"query":"{ __typename }"', { accept: 'application/json' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Refusal;
    expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0]?.message).not.toContain('__typename');
  });
});
