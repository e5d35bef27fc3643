/**
 * Answers waiting for clients that do not read them, all HTTP connections together
 * (HTTP_MAX_UNREAD_BYTES_TOTAL): without it each connection could hold an answer of up to
 * GRAPHQL_MAX_RESPONSE_BYTES, thousands of them GBs. Here the bound is squeezed to 12 MiB and the
 * stalled clients ask for ~9.7 MB each (introspection under 100 aliases, the operation limits
 * raised for it), more than the kernel's loopback buffers take (`tcp_wmem` at most 4 MiB), so
 * each answer stays in the process until its client reads. Once the total passes the bound the
 * connections with the most waiting are destroyed until the rest fits; a client that reads gets its
 * answer; the total, read from /metrics, is back at zero once the stalled clients go.
 */
import net from 'node:net';
import type { TestApp } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const TOTAL_BYTES = 12 * 1024 * 1024;
const INTROSPECTION = (aliases: number) =>
  `{ ${Array.from(
    { length: aliases },
    (_, i) =>
      `a${i}: __schema { types { name description fields { name description type { name kind ofType { name kind ofType { name kind } } } args { name description type { name kind ofType { name kind } } } } inputFields { name description } enumValues { name description } } }`,
  ).join(' ')} }`;
const INSTANCE_FULL = /bytes waiting for clients that do not read their answers are at their maximum/;

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
}

/** Asks for a big answer over a raw socket and never reads it. */
async function askAndStall(app: TestApp): Promise<net.Socket> {
  const { hostname, port } = new URL(app.url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  socket.pause();
  const body = JSON.stringify({ query: INTROSPECTION(100) });
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return socket;
}

async function metric(app: TestApp, series: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1) ?? Number.NaN);
}

test.override('setup', {
  simulator: false,
  gateway: { runWorker: false },
  env: {
    LOG_LEVEL: 'info',
    HTTP_MAX_UNREAD_BYTES_TOTAL: String(TOTAL_BYTES),
    GRAPHQL_MAX_ALIASES: '100',
    GRAPHQL_MAX_TOKENS: '20000',
    GRAPHQL_MAX_RESPONSE_BYTES: String(32 * 1024 * 1024),
  },
});

describe('answers waiting for clients that do not read, all connections together', () => {
  test('past HTTP_MAX_UNREAD_BYTES_TOTAL those furthest behind are destroyed, a reader is answered, and the total returns to zero', async ({
    app,
    log,
  }) => {
    const waiting = () => metric(app, 'pixelgate_http_unread_answer_bytes');
    const ended = () => metric(app, 'pixelgate_http_unread_answers_ended_total');

    // One stalled answer stays in the process, whole: under the bound, nothing is ended.
    const stalled = [await askAndStall(app)];
    await expect.poll(waiting, { timeout: 20_000 }).toBeGreaterThan(9_000_000);
    expect(await ended()).toBe(0);

    // Each further one takes the total past the bound: one connection is destroyed each time.
    for (const endedSoFar of [1, 2]) {
      stalled.push(await askAndStall(app));
      await expect.poll(ended, { timeout: 20_000 }).toBe(endedSoFar);
      expect(await waiting()).toBeLessThanOrEqual(TOTAL_BYTES);
    }

    // A client that reads is answered in full meanwhile.
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: INTROSPECTION(10) }),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { data?: { a9?: { types: unknown[] } }; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.a9?.types.length).toBeGreaterThan(10);
    expect(await ended()).toBe(2);

    // A warn line for each, no error line.
    const lines = log.map((line) => JSON.parse(line) as LogLine);
    const endedLines = lines.filter((line) => line.reason === 'slowConsumer' && INSTANCE_FULL.test(line.msg));
    expect(endedLines.map((line) => line.level)).toEqual([40, 40]);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);

    // Nothing is left counted once the stalled clients go.
    for (const socket of stalled) socket.destroy();
    await expect.poll(waiting, { timeout: 10_000 }).toBe(0);
  });
});
