/**
 * The bytes waiting for slow clients, all live connections together (WS_MAX_BUFFERED_BYTES_TOTAL):
 * without it each stream could hold WS_MAX_BUFFERED_BYTES, 10,000 of them ~20 GB. Here the
 * per-connection bound is out of reach (8 MiB) and the instance's is squeezed to 256 KiB: an SSE
 * stream and a WebSocket that never read are ended as slow consumers once the instance's total
 * would pass it, while a stream of the same user that reads goes on; the total, read from
 * /metrics, never passes the bound and is back at zero once the streams end.
 *
 * The stalled clients stop reading their sockets: the kernel's loopback buffers fill, then the
 * server's (an SSE stream's backlog; a socket's queue, one event per subscription awaiting its
 * send). Events are a gallery with 10 aliases of a 4,000-character prompt, ~40 KB each.
 */
import { graphql } from '../gql/index.ts';
import type { TestApp } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { bigGallery, LONG_PROMPT, openReadingSseStream, openStalledSseStream } from '../support/sse-streams.ts';
import { connect } from '../support/sockets.ts';

const TOTAL_BYTES = 256 * 1024;
const ALIASES = 10;
const BATCH = 20;
const SOCKET_SUBSCRIPTIONS = 20;
const BIG_GALLERY = bigGallery(ALIASES);
const INSTANCE_FULL = /the instance's bytes waiting for slow clients are at their maximum/;

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
}

/** A WebSocket running SOCKET_SUBSCRIPTIONS galleries whose client stops reading its socket. */
async function openStalledSocket(app: TestApp, key: string) {
  const { raw, acknowledged } = await connect(app, { authorization: `Bearer ${key}` });
  expect(acknowledged).toBe(true);
  for (let i = 0; i < SOCKET_SUBSCRIPTIONS; i++) {
    raw.send({ id: `g${i}`, type: 'subscribe', payload: { query: BIG_GALLERY } });
  }
  const underlying = (raw.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  underlying.pause();
  return { closed: raw.closed, drain: () => underlying.resume() };
}

async function metric(app: TestApp, series: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1) ?? 0);
}

test.override('setup', {
  simulator: false,
  gateway: { runWorker: false },
  env: {
    LOG_LEVEL: 'info',
    WS_MAX_BUFFERED_BYTES: String(8 * 1024 * 1024),
    WS_MAX_BUFFERED_BYTES_TOTAL: String(TOTAL_BYTES),
    // The pacing is not what this test is about: out of the way.
    WS_MAX_BYTES_PER_SECOND_PER_USER: String(256 * 1024 * 1024),
    WS_MAX_BYTES_PER_SECOND: String(256 * 1024 * 1024),
    // Nothing runs the queue here: let it grow without UPSTREAM_BUSY; a batch is ~80 KB.
    MAX_QUEUE_WAIT_SECONDS: '1000000',
    GRAPHQL_MAX_BODY_BYTES: String(256 * 1024),
  },
  user: { name: 'Stalled' },
});

describe('bytes waiting for slow clients, all streams together', () => {
  const GenerateBufferedTotalBatch = graphql(`
    mutation GenerateBufferedTotalBatch($inputs: [GenerateImageInput!]!) {
      generateImages(inputs: $inputs) {
        id
      }
    }
  `);

  test('past WS_MAX_BUFFERED_BYTES_TOTAL the streams that do not read are ended, one that reads goes on, and the total returns to zero', async ({
    app,
    key,
    log,
  }) => {
    const logLines = () => log.map((line) => JSON.parse(line) as LogLine);
    let made = 0;
    /** 20 generations in one request: one gallery event each, for every stream. */
    const generate = async () => {
      const inputs = Array.from({ length: BATCH }, () => ({
        modelId: 'flux-schnell',
        prompt: `${LONG_PROMPT} ${made++}`,
      }));
      const answer = await app.graphql(GenerateBufferedTotalBatch, { inputs }, key);
      expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    };
    const endedFor = (prefix: string) =>
      logLines().some(
        (line) => line.reason === 'slowConsumer' && line.msg.startsWith(prefix) && INSTANCE_FULL.test(line.msg),
      );
    const bothEnded = () => endedFor('SSE stream ended') && endedFor('WebSocket closed');

    const reader = await openReadingSseStream(app, key);
    const stalledStream = await openStalledSseStream(app, key, BIG_GALLERY);
    const stalledSocket = await openStalledSocket(app, key);
    // Bounded: 800 events per stream (32 MB each) are far more than every buffer on the way holds.
    for (let round = 0; round < 40 && !bothEnded(); round++) {
      await generate();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await metric(app, 'pixelgate_live_buffered_bytes')).toBeLessThanOrEqual(TOTAL_BYTES);
      // Counted once: a socket's queue and an SSE stream are not in the total of HTTP answers.
      expect(await metric(app, 'pixelgate_http_unread_answer_bytes')).toBe(0);
    }
    await expect.poll(bothEnded, { timeout: 10_000 }).toBe(true);

    // Ended by the instance's bound, never by their own (out of reach), and with no error line.
    const slowLines = logLines().filter((line) => line.reason === 'slowConsumer');
    expect(slowLines.every((line) => INSTANCE_FULL.test(line.msg) && line.level === 40)).toBe(true);
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);
    expect(await metric(app, 'pixelgate_live_slow_consumers_total{bound="instance"}')).toBeGreaterThanOrEqual(2);
    expect(await metric(app, 'pixelgate_live_slow_consumers_total{bound="connection"}')).toBe(0);

    // Reading now drains what was sent, then the end: the socket with its close code.
    stalledStream.drain();
    stalledSocket.drain();
    await stalledStream.closed;
    expect((await stalledSocket.closed).code).toBe(1008);

    // The stream that reads is still open and hears the next change.
    const before = reader.text().length;
    await generate();
    await expect.poll(() => reader.text().length > before, { timeout: 10_000 }).toBe(true);
    expect(reader.ended()).toBe(false);

    // Every stream ended: nothing is left counted in the instance's total.
    reader.close();
    await expect.poll(() => metric(app, 'pixelgate_live_buffered_bytes'), { timeout: 10_000 }).toBe(0);
  });
});
