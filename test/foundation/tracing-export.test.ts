/**
 * A collector that is down or hangs costs dropped spans, never a waiting request or a growing heap
 * (issue 24): the OTLP span processor pixelgate builds from the OTEL_* variables (`otlpProcessor`)
 * keeps at most `OTEL_BSP_MAX_QUEUE_SIZE` spans however many end while its collector never answers,
 * and ending a span never waits for the collector. No timing is measured: the bound is the queue's
 * length, read from the BatchSpanProcessor (its `_finishedSpans`, the queue its own metrics report
 * as `otel.sdk.processor.span.queue.size`).
 */
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, test as base } from 'vitest';
import { otlpProcessor } from '../../src/tracing.ts';

const MAX_QUEUE = 64;
const BATCH = 16;

/** Spans waiting in the processor's queue. */
function queued(processor: SpanProcessor): number {
  const queue = (processor as unknown as { _finishedSpans?: unknown })._finishedSpans;
  // A renamed field fails here rather than passing with nothing measured.
  if (!Array.isArray(queue)) throw new Error('the BatchSpanProcessor no longer keeps its queue in _finishedSpans');
  return queue.length;
}

type CollectorKind = 'hung' | 'refused';

/** A collector on loopback that takes connections and never answers, or whose port refuses them. */
async function startCollector(kind: CollectorKind) {
  const sockets = new Set<net.Socket>();
  const state = { received: 0 };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => (state.received += chunk.length));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  if (kind === 'refused') await new Promise((resolve) => server.close(resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    /** Resolves once an export has sent bytes and waits for the answer that never comes. */
    async exportUnderWay() {
      if (sockets.size === 0) await once(server, 'connection');
      while (state.received === 0) await new Promise((resolve) => setImmediate(resolve));
    },
    close() {
      for (const socket of sockets) socket.destroy();
      if (kind === 'hung') server.close();
    },
  };
}

const test = base
  .extend('kind', 'hung' as CollectorKind)
  .extend('collector', async ({ kind }, { onCleanup }) => {
    const collector = await startCollector(kind);
    onCleanup(() => collector.close());
    return collector;
  })
  /** The OTLP processor pixelgate builds from OTEL_* variables pointing at the collector. */
  .extend('processor', async ({ collector }, { onCleanup }) => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_MAX_QUEUE_SIZE: String(MAX_QUEUE),
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(BATCH),
      OTEL_BSP_SCHEDULE_DELAY: '1',
      // Only so that stopping at the end does not wait for the hung collector's default 10 s.
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_BSP_EXPORT_TIMEOUT: '1000',
    });
    const processor = await otlpProcessor({ enabled: true, protocol: 'http/protobuf' });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    onCleanup(async () => {
      await provider.shutdown().catch(() => undefined);
      process.env = saved;
    });
    return { processor, tracer: provider.getTracer('probe') };
  });

describe.each([
  ['accepts connections and never answers', 'hung'],
  ['refuses connections', 'refused'],
] as const)('a collector that %s', (_, kind) => {
  test.override('kind', kind);

  test('keeps at most OTEL_BSP_MAX_QUEUE_SIZE spans, and ending one never waits for it', async ({
    collector,
    processor: { processor, tracer },
  }) => {
    const endMany = (count: number) => {
      for (let index = 0; index < count; index++) tracer.startSpan(`span ${index}`).end();
    };

    // Ending a span is synchronous: 20 queues' worth end with no answer from the collector.
    endMany(20 * MAX_QUEUE);
    expect(queued(processor)).toBeLessThanOrEqual(MAX_QUEUE);

    // An export is under way and waits for an answer that never comes... or has failed to connect.
    if (kind === 'hung') await collector.exportUnderWay();
    else await new Promise((resolve) => setTimeout(resolve, 20));
    endMany(20 * MAX_QUEUE);
    expect(queued(processor)).toBeLessThanOrEqual(MAX_QUEUE);
  });
});
