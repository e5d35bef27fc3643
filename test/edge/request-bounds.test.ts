/**
 * Request size and the cost of variables (issue 21, item 1): a body, a GET query string or a
 * WebSocket message over GRAPHQL_MAX_BODY_BYTES is refused before it is read whole, and variables
 * that nest too deep or hold too many values are refused before anything walks them per key — on
 * the public catalog query (unused variables) as on `generateImage` (`settings`). Over HTTP the
 * variables' bounds are read off the text before it is parsed, so nesting that would take JSON.parse
 * tens of ms is refused with the same answer. Nothing is written, and a request within the bounds
 * is answered as before.
 */
import { print } from 'graphql';
import { sql } from 'kysely';
import { vi } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/config.ts';
import { MAX_VARIABLES_DEPTH, MAX_VARIABLES_VALUES } from '../../src/graphql/request-bounds.ts';
import { AuthModelIdsDocument, GenerateIdAndStatusDocument, type AuthModelIdsQuery } from '../gql/graphql.ts';
import type { GraphQLAnswer } from '../support/app.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { connect } from '../support/sockets.ts';

const MODELS = print(AuthModelIdsDocument);
const GENERATE = print(GenerateIdAndStatusDocument);

/** `count` settings keys: a `settings` object of that many entries. */
const manySettings = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index]));

/** A JSON body of `bytes` bytes: the catalog query with one unused variable padding it out. */
const paddedBody = (bytes: number) => {
  const head = `{"query":${JSON.stringify(MODELS)},"variables":{"pad":"`;
  return `${head}${'x'.repeat(bytes - head.length - 3)}"}}`;
};

/** An array nested `levels` deep, as JSON text. */
const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** The lengths of the texts JSON.parse was handed that nest past the bound: none, when the scan read them first. */
const parsedDeepText = (parse: { mock: { calls: unknown[][] } }) =>
  parse.mock.calls
    .map(([text]) => text)
    .filter((text): text is string => typeof text === 'string' && text.includes('['.repeat(MAX_VARIABLES_DEPTH + 3)))
    .map((text) => text.length);

const test = base.extend(
  'post',
  { scope: 'file' },
  /** POSTs a raw body to /graphql, asking for JSON. */
  ({ app }) =>
    (body: BodyInit, headers: Record<string, string> = {}) =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body,
        duplex: 'half',
      } as RequestInit),
);
test.override('setup', { env: { LOG_LEVEL: 'warn' }, gateway: { runWorker: false }, simulator: false });

describe('request bounds', () => {
  test('answers a body at the limit, and refuses one byte over it with 413 before executing', async ({ post }) => {
    const atLimit = await post(paddedBody(DEFAULT_MAX_BODY_BYTES));
    expect(atLimit.status).toBe(200);
    expect(((await atLimit.json()) as GraphQLAnswer<AuthModelIdsQuery>).data?.models.length).toBeGreaterThan(0);

    const over = await post(paddedBody(DEFAULT_MAX_BODY_BYTES + 1));
    expect(over.status).toBe(413);
    const body = (await over.json()) as GraphQLAnswer<AuthModelIdsQuery>;
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('GRAPHQL_MAX_BODY_BYTES');
  });

  test('refuses a 16 MB body by its length, and the client still sending it gets the 413', async ({ post }) => {
    const response = await post(paddedBody(16 * 1024 * 1024));
    expect(response.status).toBe(413);
    expect(((await response.json()) as GraphQLAnswer<AuthModelIdsQuery>).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  test('refuses a chunked body (no content-length) once it passes the limit', async ({ post }) => {
    const text = new TextEncoder().encode(paddedBody(DEFAULT_MAX_BODY_BYTES + 4096));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < text.length; offset += 8192)
          controller.enqueue(text.slice(offset, offset + 8192));
        controller.close();
      },
    });
    const response = await post(stream);
    expect(response.status).toBe(413);
    expect(((await response.json()) as GraphQLAnswer<AuthModelIdsQuery>).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  test('refuses variables with more values than the bound, unused or in settings, and writes nothing', async ({
    post,
    key,
    app,
  }) => {
    const unused = await post(
      JSON.stringify({ query: MODELS, variables: { pad: manySettings(MAX_VARIABLES_VALUES) } }),
    );
    expect(unused.status).toBe(400);
    const unusedBody = (await unused.json()) as GraphQLAnswer<AuthModelIdsQuery>;
    expect(unusedBody.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'VARIABLES_TOO_LARGE' });
    expect(unusedBody.errors?.[0]?.message).toContain(String(MAX_VARIABLES_VALUES));

    const settings = manySettings(MAX_VARIABLES_VALUES / 2);
    const generate = await post(
      JSON.stringify({ query: GENERATE, variables: { input: { modelId: 'flux-schnell', prompt: 'a fox', settings } } }),
      { authorization: `Bearer ${key}` },
    );
    expect(generate.status).toBe(400);
    expect(((await generate.json()) as GraphQLAnswer<AuthModelIdsQuery>).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    const { rows } = await sql<{ count: string }>`select count(*) from generations`.execute(app.services.db);
    expect(Number(rows[0]?.count)).toBe(0);
  });

  test('refuses variables nested ~29,000 deep with the same answer, from the text before it is parsed', async ({
    post,
  }) => {
    const levels = Math.floor(DEFAULT_MAX_BODY_BYTES * 0.45);
    const response = await post(`{"query":${JSON.stringify(MODELS)},"variables":{"v":${deepArray(levels)}}}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLAnswer<AuthModelIdsQuery>;
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'VARIABLES_TOO_LARGE' });
    expect(body.errors?.[0]?.message).toContain(`deeper than ${MAX_VARIABLES_DEPTH} levels`);

    // At the bound itself (the variables object is level 1) the request is answered.
    const atBound = await post(
      `{"query":${JSON.stringify(MODELS)},"variables":{"v":${deepArray(MAX_VARIABLES_DEPTH - 1)}}}`,
    );
    expect(atBound.status).toBe(200);
  });

  test('refuses deep nesting anywhere else in the body as a bad request, unparsed', async ({ post }) => {
    const response = await post(`{"query":${JSON.stringify(MODELS)},"other":${deepArray(20_000)}}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLAnswer<AuthModelIdsQuery>;
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' });
  });

  test('refuses a GET whose query string is over the limit', async ({ app }) => {
    const query = encodeURIComponent(`{ models { id } } # ${'x'.repeat(DEFAULT_MAX_BODY_BYTES)}`);
    const response = await fetch(`${app.url}/graphql?query=${query}`, { headers: { accept: 'application/json' } });
    // Node's own header limit (16 KiB by default) may answer first, without a body: either way refused.
    expect([413, 431]).toContain(response.status);
  });

  test("refuses a GET's deep variables from their text", async ({ app }) => {
    const params = new URLSearchParams({ query: MODELS, variables: `{"v":${deepArray(2_000)}}` });
    const response = await fetch(`${app.url}/graphql?${params}`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLAnswer<AuthModelIdsQuery>;
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'VARIABLES_TOO_LARGE' });
  });

  test('closes a WebSocket whose message is over the limit (1009) quietly, and answers within it', async ({
    app,
    log,
  }) => {
    // An attacker drives this once per socket: no console.error from graphql-ws, no error-level log.
    const consoleErrors = vi.spyOn(console, 'error');
    const errorLines = log.length;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const { raw, acknowledged } = await connect(app, {});
        expect(acknowledged).toBe(true);
        raw.send({ id: 'ok', type: 'subscribe', payload: { query: MODELS, variables: { pad: 'x'.repeat(1000) } } });
        await raw.next((message) => message.id === 'ok' && message.type === 'next');
        raw.send({
          id: 'big',
          type: 'subscribe',
          payload: { query: MODELS, variables: { pad: 'x'.repeat(DEFAULT_MAX_BODY_BYTES) } },
        });
        expect((await raw.closed).code).toBe(1009);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(consoleErrors).not.toHaveBeenCalled();
      const levels = log.slice(errorLines).map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(levels.filter((line) => line.level >= 50)).toEqual([]);
    } finally {
      consoleErrors.mockRestore();
    }
  });

  test.for([
    ['variables', 'the variables'],
    ['extensions', 'the extensions'],
  ] as const)(
    'refuses a subscribe whose %s nest ~29,000 deep from the message text, never JSON.parsing them',
    async ([member, name], { app }) => {
      const { raw } = await connect(app, {});
      const parse = vi.spyOn(JSON, 'parse');
      try {
        const levels = Math.floor(DEFAULT_MAX_BODY_BYTES * 0.45);
        raw.socket.send(
          `{"id":"deep","type":"subscribe","payload":{"query":${JSON.stringify(MODELS)},"${member}":{"v":${deepArray(levels)}}}}`,
        );
        const refused = (await raw.next((message) => message.id === 'deep' && message.type === 'error')) as {
          payload: Array<{ message: string; extensions: { code: string; reason: string; http?: unknown } }>;
        };
        expect(refused.payload[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'VARIABLES_TOO_LARGE' });
        expect(refused.payload[0]?.extensions.http).toBeUndefined();
        expect(refused.payload[0]?.message).toBe(
          `Request refused: ${name} nest deeper than ${MAX_VARIABLES_DEPTH} levels.`,
        );
        expect(parsedDeepText(parse)).toEqual([]);
      } finally {
        parse.mockRestore();
      }
      raw.send({ id: 'after', type: 'subscribe', payload: { query: MODELS } });
      await raw.next((message) => message.id === 'after' && message.type === 'next');
      raw.socket.close();
    },
  );

  test('reads nesting past the bound anywhere else in a message as null, unparsed: ping, connection_init, subscribe', async ({
    app,
  }) => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      // Apollo-style headers nested 20,000 deep (issue 21, item 6: closed 4500): acknowledged, anonymous.
      const { raw, acknowledged } = await connect(app, undefined, undefined, `{"headers":${deepArray(20_000)}}`);
      expect(acknowledged).toBe(true);
      raw.socket.send(`{"type":"ping","payload":{"deep":${deepArray(29_000)}}}`);
      const pong = (await raw.next((message) => message.type === 'pong')) as { payload: unknown };
      expect(JSON.stringify(pong.payload)).toMatch(/^\{"deep":(\[)+null(\])+\}$/);
      raw.socket.send(
        `{"id":"other","type":"subscribe","payload":{"query":${JSON.stringify(MODELS)},"other":${deepArray(29_000)}}}`,
      );
      await raw.next((message) => message.id === 'other' && message.type === 'next');
      expect(parsedDeepText(parse)).toEqual([]);
      raw.socket.close();
    } finally {
      parse.mockRestore();
    }
  });

  test('still closes 4400 for a message that is not JSON, deep or not, without parsing the deep one', async ({
    app,
  }) => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (const text of ['{"type":"ping"', `{"type":"ping","payload":{"a":${'['.repeat(29_000)}}}`]) {
        const { raw } = await connect(app, {});
        raw.socket.send(text);
        expect((await raw.closed).code).toBe(4400);
      }
      expect(parsedDeepText(parse)).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });

  test('refuses too many variable values over WebSocket too, and the socket lives on', async ({ app }) => {
    const { raw } = await connect(app, {});
    raw.send({
      id: 'many',
      type: 'subscribe',
      payload: { query: MODELS, variables: manySettings(MAX_VARIABLES_VALUES) },
    });
    const refused = (await raw.next((message) => message.id === 'many' && message.type === 'error')) as {
      payload: Array<{ extensions: { code: string; http?: unknown } }>;
    };
    expect(refused.payload[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.payload[0]?.extensions.http).toBeUndefined();
    raw.send({ id: 'after', type: 'subscribe', payload: { query: MODELS } });
    await raw.next((message) => message.id === 'after' && message.type === 'next');
    raw.socket.close();
  });
});
