/**
 * An SSE subscription whose client never reads (issue 21, item 2): the server must not buffer
 * for it without end. Yoga writes an event only once the response drained, so before the fix the
 * stream just stalled and its events piled up behind it, never measured; now what the client has
 * not taken is counted against WS_MAX_BUFFERED_BYTES, as a WebSocket's unsent bytes are, and the
 * stream is ended — its socket destroyed — once it passes the bound. Other clients go on.
 *
 * The stalled client is a raw TCP socket that sends its request and then never reads: Node reads
 * at most its 16 KiB readable buffer, the kernel's loopback buffers fill, and then the server's.
 * Events are much smaller than the bound (the gallery with 10 aliases of a 4,000-character prompt,
 * ~40 KB): that is the case the old check — bytes in the response, read only when Yoga asked for
 * the next event — could never see, while the gallery's buffer held up to 256 of them.
 */
import { graphql } from '../gql/index.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { bigGallery, LONG_PROMPT, openReadingSseStream, openStalledSseStream } from '../support/sse-streams.ts';

const LIMIT_BYTES = 256 * 1024;
const ALIASES = 10;
const BATCH = 20;
const BIG_GALLERY = bigGallery(ALIASES);
/** What one event of BIG_GALLERY weighs, at least: every alias carries the prompt. */
const EVENT_BYTES = ALIASES * (LONG_PROMPT.length + 10);

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
  bufferedBytes?: number;
}

test.override('setup', {
  simulator: false,
  gateway: { runWorker: false },
  env: {
    LOG_LEVEL: 'info',
    WS_MAX_BUFFERED_BYTES: String(LIMIT_BYTES),
    // Nothing runs the queue here: let it grow without UPSTREAM_BUSY; a batch is ~80 KB.
    MAX_QUEUE_WAIT_SECONDS: '1000000',
    GRAPHQL_MAX_BODY_BYTES: String(256 * 1024),
  },
  user: { name: 'Stalled' },
});

describe('an SSE client that never reads', () => {
  const GenerateSlowConsumerBatch = graphql(`
    mutation GenerateSlowConsumerBatch($inputs: [GenerateImageInput!]!) {
      generateImages(inputs: $inputs) {
        id
      }
    }
  `);
  const SlowConsumerViewer = graphql(`
    query SlowConsumerViewer {
      viewer {
        id
      }
    }
  `);

  test('is ended once its waiting bytes pass WS_MAX_BUFFERED_BYTES, and other clients go on', async ({
    app,
    key,
    log,
  }) => {
    const logLines = () => log.map((line) => JSON.parse(line) as LogLine);
    let made = 0;
    /** 20 generations in one request: one gallery event each. */
    const generate = async () => {
      const inputs = Array.from({ length: BATCH }, () => ({
        modelId: 'flux-schnell',
        prompt: `${LONG_PROMPT} ${made++}`,
      }));
      const answer = await app.graphql(GenerateSlowConsumerBatch, { inputs }, key);
      expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    };
    const slowConsumerEnded = () => logLines().find((line) => line.reason === 'slowConsumer');

    const reader = await openReadingSseStream(app, key);
    const stalled = await openStalledSseStream(app, key, BIG_GALLERY);
    // Each batch is 20 events of ~40 KB for the stalled stream; the loopback buffers hold a few
    // MB. Bounded: 800 events (32 MB) are far more than every buffer on the way holds.
    for (let round = 0; round < 40 && !slowConsumerEnded(); round++) {
      await generate();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await expect.poll(slowConsumerEnded, { timeout: 10_000 }).toBeTruthy();

    // What it held when it was ended: at most the bound plus the one event that passed it (and
    // the SSE framing and pings around them).
    const ended = slowConsumerEnded()!;
    expect(ended.level).toBe(40);
    expect(ended.bufferedBytes).toBeGreaterThan(LIMIT_BYTES);
    expect(ended.bufferedBytes).toBeLessThan(LIMIT_BYTES + EVENT_BYTES + 16 * 1024);
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);

    // Its socket is closed: reading now drains what the kernel held, then the end.
    stalled.drain();
    expect(await stalled.closed).toBeGreaterThan(0);

    // The other stream of the same user is still open and hears the next change; queries answer.
    const before = reader.text().length;
    await generate();
    await expect.poll(() => reader.text().length > before, { timeout: 10_000 }).toBe(true);
    expect(reader.ended()).toBe(false);
    const viewer = await app.graphql(SlowConsumerViewer, {}, key);
    expect(viewer.errors).toBeUndefined();
    reader.close();
  });
});
