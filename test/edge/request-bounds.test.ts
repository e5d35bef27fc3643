/**
 * Request size and the cost of variables (issue 21, item 1): a body, a GET query string or a
 * WebSocket message over GRAPHQL_MAX_BODY_BYTES is refused before it is read whole, and variables
 * that nest too deep or hold too many values are refused before anything walks them per key — on
 * the public catalog query (unused variables) as on `generateImage` (`settings`). Nothing is
 * written, and a request within the bounds is answered as before.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { createUser } from '../../src/auth/users.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/config.ts';
import { MAX_VARIABLES_VALUES } from '../../src/graphql/request-bounds.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { connect } from '../support/sockets.ts';

const MODELS = '{ models { id } }';
const GENERATE = 'mutation ($input: GenerateImageInput!) { generateImage(input: $input) { id } }';

type Answer = { errors?: Array<{ message: string; extensions: { code: string; reason?: string } }> };

/** `count` settings keys: a `settings` object of that many entries. */
const manySettings = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index]));

describe('request bounds', () => {
  let app: TestApp;
  let key: string;
  const logLines: Array<{ level: number; msg: string }> = [];

  beforeAll(async () => {
    app = await startTestApp(
      { LOG_LEVEL: 'warn' },
      { runWorker: false, logDestination: { write: (line: string) => void logLines.push(JSON.parse(line)) } },
    );
    const user = await createUser(app.services.db, { name: 'bounds' });
    key = (await createApiKey(app.services.db, user.id)).key;
  });
  afterAll(async () => {
    await app?.stop();
  });

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);

  /** A JSON body of `bytes` bytes: the catalog query with one unused variable padding it out. */
  const paddedBody = (bytes: number) => {
    const head = `{"query":${JSON.stringify(MODELS)},"variables":{"pad":"`;
    return `${head}${'x'.repeat(bytes - head.length - 3)}"}}`;
  };

  it('answers a body at the limit, and refuses one byte over it with 413 before executing', async () => {
    const atLimit = await post(paddedBody(DEFAULT_MAX_BODY_BYTES));
    expect(atLimit.status).toBe(200);
    expect(((await atLimit.json()) as { data: { models: unknown[] } }).data.models.length).toBeGreaterThan(0);

    const over = await post(paddedBody(DEFAULT_MAX_BODY_BYTES + 1));
    expect(over.status).toBe(413);
    const body = (await over.json()) as Answer;
    expect(body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('GRAPHQL_MAX_BODY_BYTES');
  });

  it('refuses a chunked body (no content-length) once it passes the limit', async () => {
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
    expect(((await response.json()) as Answer).errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses variables with more values than the bound, unused or in settings, and writes nothing', async () => {
    const unused = await post(
      JSON.stringify({ query: MODELS, variables: { pad: manySettings(MAX_VARIABLES_VALUES) } }),
    );
    expect(unused.status).toBe(400);
    const unusedBody = (await unused.json()) as Answer;
    expect(unusedBody.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'VARIABLES_TOO_LARGE' });
    expect(unusedBody.errors?.[0]?.message).toContain(String(MAX_VARIABLES_VALUES));

    const settings = manySettings(MAX_VARIABLES_VALUES / 2);
    const generate = await post(
      JSON.stringify({ query: GENERATE, variables: { input: { modelId: 'flux-schnell', prompt: 'a fox', settings } } }),
      { authorization: `Bearer ${key}` },
    );
    expect(generate.status).toBe(400);
    expect(((await generate.json()) as Answer).errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const { rows } = await sql<{ count: string }>`select count(*) from generations`.execute(app.services.db);
    expect(Number(rows[0]?.count)).toBe(0);
  });

  it('refuses a GET whose query string is over the limit', async () => {
    const query = encodeURIComponent(`{ models { id } } # ${'x'.repeat(DEFAULT_MAX_BODY_BYTES)}`);
    const response = await fetch(`${app.url}/graphql?query=${query}`, { headers: { accept: 'application/json' } });
    // Node's own header limit (16 KiB by default) may answer first, without a body: either way refused.
    expect([413, 431]).toContain(response.status);
  });

  it('closes a WebSocket whose message is over the limit (1009) quietly, and answers within it', async () => {
    // An attacker drives this once per socket: no console.error from graphql-ws, no error-level log.
    const consoleErrors = vi.spyOn(console, 'error');
    const errorLines = logLines.length;
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
      expect(logLines.slice(errorLines).filter((line) => line.level >= 50)).toEqual([]);
    } finally {
      consoleErrors.mockRestore();
    }
  });

  it('refuses too many variable values over WebSocket too, and the socket lives on', async () => {
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
