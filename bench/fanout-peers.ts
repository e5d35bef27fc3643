/**
 * The light side of `bench/fanout.ts`, run as its child processes: the subscribers (`clients`)
 * and the raw graphql-ws server (`raw`). Kept apart from the gateway's imports so that a client
 * process starts fast and holds only what a client needs. Not run by hand.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { Repeater } from 'graphql-yoga';
import WebSocket, { WebSocketServer } from 'ws';

/** Subscribers each client process connects at once (the rest wait for a free slot). */
const CONNECTING_PER_PROCESS = 50;
const RAW_EVENTS = 10;
const RAW_INTERVAL_MS = 1_000;
export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

export type Message = { type: string } & Record<string, unknown>;

export function onMessages(handle: (message: Message) => Promise<void>): void {
  process.on('message', (message: Message) => {
    handle(message).catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
}

/** RSS and heap after full collections, with a pause between for whatever they free to settle. */
export async function memory(): Promise<Message> {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 500));
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { type: 'memory', rss, heapUsed };
}

export interface Sample {
  readonly committedAt: number;
  readonly latencyMs: number;
}

/** Subscribers of one operation; "ready" once each has its first event, "done" once each ended. */
async function clientProcess(init: Message): Promise<void> {
  const { url, query, variables, count, connectionParams } = init as unknown as {
    url: string;
    query: string;
    variables: Record<string, unknown>;
    count: number;
    connectionParams?: Record<string, unknown>;
  };
  const samples: Sample[] = [];
  let failures = 0;
  const clients: Array<ReturnType<typeof createClient>> = [];
  const ended: Array<Promise<void>> = [];
  const subscribeOne = () =>
    new Promise<void>((ready) => {
      const client = createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
      clients.push(client);
      let first = true;
      ended.push(
        new Promise<void>((done) => {
          client.subscribe<{ generationProgress: { status: string; updatedAt: string } }>(
            { query, variables },
            {
              next: ({ data }) => {
                const arrivedAt = Date.now();
                if (!data) return;
                // The first event is the state at subscription time, not a change being fanned out.
                if (first) {
                  first = false;
                  ready();
                  return;
                }
                const committedAt = Date.parse(data.generationProgress.updatedAt);
                samples.push({ committedAt, latencyMs: arrivedAt - committedAt });
              },
              error: () => {
                failures++;
                ready();
                done();
              },
              complete: () => done(),
            },
          );
        }),
      );
    });
  onMessages(async (message) => {
    if (message.type !== 'stop') return;
    await Promise.all(clients.map(async (client) => client.dispose()));
    process.exit(0);
  });
  let started = 0;
  const connectStart = Date.now();
  await Promise.all(
    Array.from({ length: CONNECTING_PER_PROCESS }, async () => {
      while (started < count) {
        started++;
        await subscribeOne();
      }
    }),
  );
  process.send!({ type: 'ready', failures, connectMs: Date.now() - connectStart });
  await Promise.all(ended);
  process.send!({ type: 'done', samples, failures });
}

/** Plain graphql-ws: `useServer` on `ws`, a trivial subscription schema, nothing of pixelgate. */
async function rawProcess(): Promise<void> {
  const listeners = new Set<(event: RawEvent) => void>();
  let current = rawEvent(0, 'STARTING');
  const Image = new GraphQLObjectType({ name: 'Image', fields: { url: { type: GraphQLString } } });
  const Progress = new GraphQLObjectType({
    name: 'Progress',
    fields: {
      ...Object.fromEntries(
        ['status', 'phase', 'progressKind', 'prompt', 'createdAt', 'startedAt', 'updatedAt', 'completedAt'].map(
          (name) => [name, { type: GraphQLString }],
        ),
      ),
      ...Object.fromEntries(['estimatedCostUsd', 'costUsd'].map((name) => [name, { type: GraphQLString }])),
      id: { type: GraphQLID },
      percent: { type: GraphQLInt },
      images: { type: new GraphQLList(new GraphQLNonNull(Image)) },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        generationProgress: {
          type: Progress,
          args: { id: { type: new GraphQLNonNull(GraphQLID) } },
          subscribe: () =>
            new Repeater<RawEvent>(async (push, stop) => {
              const listener = (event: RawEvent) => {
                void push(event);
                if (TERMINAL.has(event.status)) stop();
              };
              listeners.add(listener);
              void push(current);
              await stop;
              listeners.delete(listener);
            }),
          resolve: (event: RawEvent) => event,
        },
      },
    }),
  });
  const server = http.createServer();
  const wsServer = new WebSocketServer({ server, path: '/graphql' });
  useServer({ schema }, wsServer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  onMessages(async (message) => {
    if (message.type === 'memory') process.send!(await memory());
    if (message.type === 'run') {
      for (let n = 1; n <= RAW_EVENTS; n++) {
        await new Promise((resolve) => setTimeout(resolve, RAW_INTERVAL_MS));
        current = rawEvent(n, n === RAW_EVENTS ? 'SUCCEEDED' : 'PROCESSING');
        for (const listener of [...listeners]) listener(current);
      }
    }
    if (message.type === 'stop') process.exit(0);
  });
  process.send!({ type: 'started', url });
}

interface RawEvent {
  readonly status: string;
  readonly [field: string]: unknown;
}

function rawEvent(n: number, status: string): RawEvent {
  const at = new Date().toISOString();
  return {
    id: '0b6f2d1c-8d1e-4a5b-9a53-2f0b8e8f4c11',
    status,
    phase: status === 'SUCCEEDED' ? 'DONE' : 'GENERATING',
    percent: Math.round((100 * n) / RAW_EVENTS),
    progressKind: 'LOGGED',
    prompt: 'fan-out bench',
    createdAt: at,
    startedAt: at,
    updatedAt: at,
    completedAt: status === 'SUCCEEDED' ? at : null,
    estimatedCostUsd: '0.003',
    costUsd: null,
    images: [],
  };
}

// Run as a child of bench/fanout.ts: `fanout-peers.ts clients|raw`, its settings in the first message.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // A child never outlives the run.
  process.once('disconnect', () => process.exit(0));
  process.once('message', (init: Message) => {
    const run = process.argv[2] === 'clients' ? clientProcess(init) : rawProcess();
    run.catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
}
