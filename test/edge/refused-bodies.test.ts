/**
 * What a refused body costs the connection (issue 21, item 1): an answer given before the request's
 * body has all arrived — a 413 by the declared length or at the limit of a chunked body on
 * /graphql, a webhook delivery over its limit, a 415 — says `Connection: close`, reaches a client
 * that is still sending, and the server reads at most UNREAD_BODY_DRAIN_BYTES more of the body
 * before it closes the connection (src/http/lingering-close.ts). The server's own socket says how
 * much it read (diagnostics channel `http.server.request.start`). A body modestly over the limit is
 * read to its end and the connection closes without a reset; the next connection is answered.
 */
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';
import { print } from 'graphql';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/config.ts';
import { UNREAD_BODY_DRAIN_BYTES } from '../../src/http/lingering-close.ts';
import { AuthModelIdsDocument, type AuthModelIdsQuery } from '../gql/graphql.ts';
import type { GraphQLAnswer } from '../support/app.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

const MODELS = print(AuthModelIdsDocument);
const SIXTEEN_MB = 16 * 1024 * 1024;
/**
 * The most a server socket may read for a refused body: up to the limit before the answer, the
 * drain after it, and what sits in Node's buffers in between — far below the 16 MB sent.
 */
const READ_BOUND = DEFAULT_MAX_BODY_BYTES + UNREAD_BODY_DRAIN_BYTES + 512 * 1024;

/** A JSON body of `bytes` bytes: the catalog query with one unused variable padding it out. */
const paddedBody = (bytes: number) => {
  const head = `{"query":${JSON.stringify(MODELS)},"variables":{"pad":"`;
  return Buffer.from(`${head}${'x'.repeat(bytes - head.length - 3)}"}}`);
};

interface Exchange {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** How the connection ended for the client: `end` (the server's FIN, no reset) or the error's code. */
  readonly ended: string;
  /** Body bytes the client's socket took before the connection ended. */
  readonly written: number;
  /** Bytes the server's socket of this connection read, headers included. */
  readonly serverRead: number;
}

/**
 * An HTTP/1.1 POST over a raw socket, as a client that keeps sending its whole body whatever the
 * server answers (autocannon and many scripts do) and reads the answer as it comes. `chunked`
 * sends the body without a content-length.
 */
type Post = (
  path: string,
  body: Buffer,
  options?: { chunked?: boolean; headers?: Record<string, string> },
) => Promise<Exchange>;

const test = base.extend('post', { scope: 'file' }, ({ app }, { onCleanup }): Post => {
  // The server side of each connection, by the client's port.
  const serverSockets = new Map<number, net.Socket>();
  const onRequest = (message: unknown) => {
    const { socket } = message as { socket: net.Socket };
    if (socket.localPort === app.port && socket.remotePort !== undefined) serverSockets.set(socket.remotePort, socket);
  };
  dc.subscribe('http.server.request.start', onRequest);
  onCleanup(() => void dc.unsubscribe('http.server.request.start', onRequest));

  return (path, body, { chunked = false, headers = {} } = {}) =>
    new Promise((resolve) => {
      const socket = net.connect(app.port, '127.0.0.1');
      const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${body.length}`;
      const head = Object.entries({ host: '127.0.0.1', 'content-type': 'application/json', ...headers });
      let received = Buffer.alloc(0);
      let written = 0;
      let ended = 'end';
      // Read once connected: a closed socket no longer knows its port.
      let clientPort = -1;
      socket.on('data', (chunk: Buffer) => void (received = Buffer.concat([received, chunk])));
      socket.on('error', (error: NodeJS.ErrnoException) => void (ended = error.code ?? error.message));
      // A connection the server never closes fails the test here rather than at vitest's timeout.
      const giveUp = setTimeout(() => ((ended = 'still open after 10 s'), socket.destroy()), 10_000);
      socket.on('close', () => {
        clearTimeout(giveUp);
        const text = received.toString('utf8');
        const [head = '', ...rest] = text.split('\r\n\r\n');
        const [statusLine = '', ...lines] = head.split('\r\n');
        resolve({
          status: Number(statusLine.split(' ')[1]),
          headers: Object.fromEntries(
            lines.map((line) => [
              line.slice(0, line.indexOf(':')).toLowerCase(),
              line.slice(line.indexOf(':') + 1).trim(),
            ]),
          ),
          body: rest.join('\r\n\r\n'),
          ended,
          written,
          serverRead: serverSockets.get(clientPort)?.bytesRead ?? -1,
        });
      });
      socket.once('connect', async () => {
        clientPort = socket.localPort!;
        socket.write(
          `POST ${path} HTTP/1.1\r\n${head.map(([name, value]) => `${name}: ${value}\r\n`).join('')}${framing}\r\n\r\n`,
        );
        for (let offset = 0; offset < body.length && !socket.destroyed; offset += 64 * 1024) {
          const piece = body.subarray(offset, offset + 64 * 1024);
          const framed = chunked
            ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
            : piece;
          const flushed = socket.write(framed);
          written += piece.length;
          if (!flushed) await new Promise((next) => (socket.once('drain', next), socket.once('close', next)));
        }
        if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
      });
    });
});
test.override('setup', { env: { LOG_LEVEL: 'warn' }, gateway: { runWorker: false }, simulator: false });

/** The contract's refusal of a body over GRAPHQL_MAX_BODY_BYTES. */
function expectTooLarge(exchange: Exchange) {
  expect(exchange.status).toBe(413);
  expect(exchange.headers.connection).toBe('close');
  const answer = JSON.parse(exchange.body) as GraphQLAnswer<AuthModelIdsQuery>;
  expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'REQUEST_ENTITY_TOO_LARGE' });
}

describe('a refused body', () => {
  test('a client sending 16 MB reads its 413, the server reads at most the drain, and the next connection is answered', async ({
    post,
    app,
    log,
  }) => {
    const errorLines = log.length;
    const refused = await post('/graphql', paddedBody(SIXTEEN_MB));
    // Node's keep-alive read all 16 MB to find the next request on the connection.
    expect(refused.serverRead).toBeGreaterThan(0);
    expect(refused.serverRead).toBeLessThan(READ_BOUND);
    expect(refused.written).toBeLessThan(SIXTEEN_MB);
    expectTooLarge(refused);

    const next = await app.graphql(AuthModelIdsDocument);
    expect(next.data?.models.length).toBeGreaterThan(0);
    const levels = log.slice(errorLines).map((line) => JSON.parse(line) as { level: number });
    expect(levels.filter((line) => line.level >= 50)).toEqual([]);
  });

  test('a chunked body (no content-length) is cut at the limit the same way', async ({ post }) => {
    const refused = await post('/graphql', paddedBody(SIXTEEN_MB), { chunked: true });
    expectTooLarge(refused);
    expect(refused.serverRead).toBeLessThan(READ_BOUND);
  });

  test('an SSE request with a 16 MB body is refused before a stream opens', async ({ post }) => {
    const refused = await post('/graphql', paddedBody(SIXTEEN_MB), { headers: { accept: 'text/event-stream' } });
    expect(refused.status).toBe(413);
    expect(refused.headers.connection).toBe('close');
    expect(refused.serverRead).toBeLessThan(READ_BOUND);
  });

  test('a body modestly over the limit is read to its end and the connection closes without a reset', async ({
    post,
  }) => {
    const body = paddedBody(DEFAULT_MAX_BODY_BYTES + 100 * 1024);
    const refused = await post('/graphql', body);
    expectTooLarge(refused);
    expect(refused.ended).toBe('end');
    expect(refused.written).toBe(body.length);
    expect(refused.serverRead).toBeGreaterThan(body.length);
  });

  test('a webhook delivery over its 2 MB and a 16 MB form post are refused the same way', async ({ post }) => {
    const webhook = await post('/webhooks/replicate', paddedBody(SIXTEEN_MB));
    expect(webhook.status).toBe(413);
    expect(webhook.headers.connection).toBe('close');
    expect(JSON.parse(webhook.body)).toEqual({ error: 'payload_too_large' });
    expect(webhook.serverRead).toBeLessThan(READ_BOUND);

    const chunkedWebhook = await post('/webhooks/replicate', paddedBody(SIXTEEN_MB), { chunked: true });
    expect(chunkedWebhook.status).toBe(413);
    expect(chunkedWebhook.serverRead).toBeLessThan(2 * 1024 * 1024 + READ_BOUND);

    const form = await post('/graphql', paddedBody(SIXTEEN_MB), { headers: { 'content-type': 'text/plain' } });
    expect(form.status).toBe(415);
    expect(form.serverRead).toBeLessThan(READ_BOUND);
  });

  test("Node's fetch and http.request sending 16 MB read the 413", async ({ app }) => {
    const body = paddedBody(SIXTEEN_MB);
    const viaFetch = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(viaFetch.status).toBe(413);
    expect(viaFetch.headers.get('connection')).toBe('close');
    expect(((await viaFetch.json()) as GraphQLAnswer<AuthModelIdsQuery>).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );

    const agent = new http.Agent({ keepAlive: true });
    try {
      const viaRequest = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        let answered = false;
        const request = http.request(
          `${app.url}/graphql`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
          (response) => {
            answered = true;
            let text = '';
            response.on('data', (chunk: Buffer) => void (text += chunk.toString('utf8')));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          },
        );
        // The client may still be writing when the server closes: its request errs after the answer.
        request.on('error', (error) => (answered ? undefined : reject(error)));
        request.end(body);
      });
      expect(viaRequest.status).toBe(413);
      expect((JSON.parse(viaRequest.text) as GraphQLAnswer<AuthModelIdsQuery>).errors?.[0]?.extensions?.code).toBe(
        'BAD_USER_INPUT',
      );
    } finally {
      agent.destroy();
    }
  });
});
