/**
 * Over graphql-ws, an event shared by many subscribers is serialized once per (document,
 * variables, viewer) and every one of them gets those bytes inside its own `next` message; Yoga's
 * SSE subscribers (`text/event-stream`) get the same serialization, in the text Yoga writes.
 * Serializations are counted by a scalar whose value counts its `toJSON` calls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLInt, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString } from 'graphql';
import { createYoga, Repeater, type YogaServerInstance } from 'graphql-yoga';
import WebSocket from 'ws';
import { useSharedSubscriptionExecution } from '../../src/graphql/shared-execution.ts';
import { LiveConnections } from '../../src/graphql/live-connections.ts';
import { TrustedDocuments } from '../../src/graphql/trusted-documents.ts';
import { attachGraphQLWebSocket } from '../../src/graphql/websocket.ts';
import { silentLogger } from '../../src/logger.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

interface Tick {
  readonly n: number;
  readonly last: boolean;
}

function tickSchema() {
  const listeners = new Set<(tick: Tick) => void>();
  const counts = { serialized: 0 };
  // Its serialized value is an object whose `toJSON` counts each time a result holding it is stringified.
  const Counted = new GraphQLScalarType({
    name: 'Counted',
    serialize: (value) => ({
      toJSON() {
        counts.serialized++;
        return value;
      },
    }),
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: {
          type: Counted,
          args: { offset: { type: GraphQLInt } },
          subscribe: () =>
            new Repeater<Tick>(async (push, stop) => {
              const listener = (tick: Tick) => {
                void push(tick);
                if (tick.last) stop();
              };
              listeners.add(listener);
              await stop;
              listeners.delete(listener);
            }),
          resolve: (tick: Tick, args: { offset?: number | null }) => tick.n + (args.offset ?? 0),
        },
      },
    }),
  });
  return { schema, counts, listeners, emit: (tick: Tick) => [...listeners].forEach((listener) => listener(tick)) };
}

interface Subscriber {
  readonly socket: WebSocket;
  /** Every message as received: text frames only. */
  readonly frames: string[];
  until(match: (frame: string) => boolean): Promise<void>;
}

async function subscriber(url: string, id: string, offset: number): Promise<Subscriber> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const frames: string[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data, isBinary) => {
    frames.push(isBinary ? '<binary>' : String(data));
    for (const waiter of [...waiters]) waiter();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const until = (match: (frame: string) => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!frames.some(match)) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await until((frame) => frame.includes('connection_ack'));
  socket.send(
    JSON.stringify({
      id,
      type: 'subscribe',
      payload: { query: 'subscription($offset: Int) { tick(offset: $offset) }', variables: { offset } },
    }),
  );
  return { socket, frames, until };
}

interface SseSubscriber {
  /** The stream so far, keep-alive comments (`:`) left out. */
  text(): string;
  /** The `data` of each `next` event so far. */
  events(): string[];
  readonly done: Promise<void>;
}

/** A subscription over Yoga's GraphQL-over-SSE (what `Accept: text/event-stream` gets). */
async function sseSubscriber(server: YogaServerInstance<object, object>, offset: number): Promise<SseSubscriber> {
  const response = await server.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription($offset: Int) { tick(offset: $offset) }', variables: { offset } }),
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  let raw = '';
  const decoder = new TextDecoder();
  const done = (async () => {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      raw += decoder.decode(chunk, { stream: true });
    }
  })();
  const text = () => raw.replace(/^:\n\n/gm, '');
  return {
    text,
    events: () => [...text().matchAll(/^event: next\ndata: (.*)\n\n/gm)].map((match) => match[1]!),
    done,
  };
}

const test = base
  /** The tick schema, its serializations counted (one for the file: the tests count differences). */
  .extend('ticks', { scope: 'file' }, () => tickSchema())
  /** Yoga with the shared execution, on the tick schema. */
  .extend('yoga', { scope: 'file' }, ({ ticks }, { onCleanup }) => {
    const yoga = createYoga({ schema: ticks.schema, plugins: [useSharedSubscriptionExecution()], logging: false });
    onCleanup(() => yoga.dispose());
    return yoga;
  })
  /** The WebSocket URL of `yoga` served over HTTP on a free port, with pixelgate's graphql-ws edge. */
  .extend('url', { scope: 'file' }, async ({ yoga }, { onCleanup }) => {
    const server = http.createServer(yoga);
    const webSocket = attachGraphQLWebSocket({
      server,
      yoga,
      logger: silentLogger,
      auth: { resolve: async () => null, isCredentialError: () => false, isDatabaseUnavailable: () => false },
      documents: new TrustedDocuments('off', async () => null),
      live: new LiveConnections(
        { maxConnections: 100, maxConnectionsPerUser: 10, maxBufferedBytes: 1 << 20, maxBufferedBytesTotal: 1 << 24 },
        silentLogger,
      ),
      limits: {
        maxSubscriptionsPerSocket: 10,
        maxPayloadBytes: 1 << 16,
        recheckIntervalMs: 60_000,
        maxAnonymousSockets: 100,
        maxAnonymousSocketsPerAddress: 100,
        anonymousIdleMs: 60_000,
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(async () => {
      await webSocket.dispose();
      await new Promise((resolve) => server.close(resolve));
    });
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

describe('WebSocket fan-out', () => {
  test('serializes each event once per document and variables; each subscriber gets it under its own id', async ({
    ticks: { counts, listeners, emit },
    url,
  }) => {
    const shared = await Promise.all(['a', 'b', 'c'].map((id) => subscriber(url, id, 0)));
    const other = await subscriber(url, 'd', 5);
    const everyone = [...shared, other];
    await expect.poll(() => listeners.size).toBe(everyone.length);

    emit({ n: 1, last: false });
    await Promise.all(everyone.map((s) => s.until((frame) => frame.includes('"next"'))));
    for (const [index, s] of shared.entries()) {
      expect(s.frames.at(-1)).toBe(`{"id":"${'abc'[index]}","type":"next","payload":{"data":{"tick":1}}}`);
    }
    expect(JSON.parse(other.frames.at(-1)!)).toEqual({ id: 'd', type: 'next', payload: { data: { tick: 6 } } });
    // One serialization for a, b and c together, one for d.
    expect(counts.serialized).toBe(2);

    // A subscriber that completes stops receiving; its source ends at once.
    shared[2]!.socket.send(JSON.stringify({ id: 'c', type: 'complete' }));
    await expect.poll(() => listeners.size).toBe(3);

    emit({ n: 2, last: true });
    const live = [shared[0]!, shared[1]!, other];
    await Promise.all(live.map((s) => s.until((frame) => frame.includes('"complete"'))));
    for (const s of live) {
      const types = s.frames.slice(1).map((frame) => (JSON.parse(frame) as { type: string }).type);
      expect(types).toEqual(['next', 'next', 'complete']);
    }
    expect(JSON.parse(shared[0]!.frames.at(-2)!)).toEqual({ id: 'a', type: 'next', payload: { data: { tick: 2 } } });
    expect(shared[2]!.frames.filter((frame) => frame.includes('"tick":2'))).toEqual([]);
    expect(counts.serialized).toBe(4);
    for (const s of everyone) s.socket.close();
  });

  test('serializes each event once for SSE subscribers too, shared with WebSocket subscribers; the SSE text is unchanged', async ({
    ticks: { schema, counts, listeners, emit },
    yoga,
    url,
  }) => {
    // The reference: Yoga without the shared execution writes the text clients got before.
    const plain = createYoga({ schema, logging: false });
    const before = counts.serialized;
    const sockets = await Promise.all(['e', 'f'].map((id) => subscriber(url, id, 0)));
    const streams = await Promise.all([0, 0, 0].map((offset) => sseSubscriber(yoga, offset)));
    const reference = await sseSubscriber(plain, 0);
    await expect.poll(() => listeners.size).toBe(sockets.length + streams.length + 1);

    emit({ n: 1, last: false });
    await Promise.all(sockets.map((s) => s.until((frame) => frame.includes('"next"'))));
    await expect.poll(() => [...streams, reference].map((s) => s.events().length)).toEqual([1, 1, 1, 1]);
    // One serialization for two sockets and three streams together, one for the reference.
    expect(counts.serialized - before).toBe(2);

    emit({ n: 2, last: true });
    await Promise.all([...streams, reference].map((s) => s.done));
    await Promise.all(sockets.map((s) => s.until((frame) => frame.includes('"complete"'))));
    expect(counts.serialized - before).toBe(4);
    for (const s of streams) {
      expect(s.events()).toEqual(['{"data":{"tick":1}}', '{"data":{"tick":2}}']);
      expect(s.text()).toBe(reference.text());
    }
    expect(reference.text()).toBe(
      'event: next\ndata: {"data":{"tick":1}}\n\nevent: next\ndata: {"data":{"tick":2}}\n\nevent: complete\ndata:\n\n',
    );
    expect(JSON.parse(sockets[0]!.frames.at(-2)!)).toEqual({ id: 'e', type: 'next', payload: { data: { tick: 2 } } });
    for (const s of sockets) s.socket.close();
    await plain.dispose();
  });
});
