/**
 * A user's identical live streams share the work of each change (issue 21, item 2): the gallery
 * (`myGenerations`) opened many times over SSE and WebSocket by one user executes each change
 * once — counted by `pixelgate_subscription_executions_total` against the events handed out,
 * `pixelgate_subscription_events_total` — and every stream still ends on every generation's final
 * state.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { graphqlOverHttp, type GraphQLAnswer } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { connect, type RawSocket } from '../support/sockets.ts';
import { TERMINAL } from '../support/env.ts';
import { graphql } from '../gql/index.ts';

test.override('setup', { speed: 0.05 });

/** A prompt that makes each gallery event ~5 KB (five aliases of it). */
const LONG_PROMPT = 'a red fox in the snow, '.repeat(45);
const LiveFanoutGallerySubscription = graphql(`
  subscription LiveFanoutGallery {
    myGenerations {
      id
      status
      p0: prompt
      p1: prompt
      p2: prompt
      p3: prompt
      p4: prompt
    }
  }
`);
/** Sent as text over SSE and raw WebSocket frames, which read its events from the wire. */
const GALLERY = print(LiveFanoutGallerySubscription);
const LiveFanoutBatchMutation = graphql(`
  mutation LiveFanoutBatch($inputs: [GenerateImageInput!]!) {
    generateImages(inputs: $inputs) {
      items {
        generation {
          id
        }
      }
    }
  }
`);
const SSE_STREAMS = 6;
const SOCKETS = 4;
const GENERATIONS = 5;

/** The newest status each generation had in the events one stream received. */
type LastStates = Map<string, string>;

function record(states: LastStates, payload: unknown): void {
  // A raw event (SSE data or a WebSocket `next` payload), parsed from JSON: typed as the document's answer.
  const event = (payload as GraphQLAnswer<ResultOf<typeof LiveFanoutGallerySubscription>>).data?.myGenerations;
  if (event) states.set(event.id, event.status);
}

/** An SSE gallery read as it arrives, its events parsed. */
async function openSseGallery(url: string, key: string) {
  const abort = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: GALLERY }),
    signal: abort.signal,
  });
  const states: LastStates = new Map();
  const counted = { events: 0 };
  const decoder = new TextDecoder();
  void (async () => {
    let text = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        const blocks = text.split('\n\n');
        text = blocks.pop() ?? '';
        for (const block of blocks) {
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (!data) continue;
          counted.events++;
          record(states, JSON.parse(data));
        }
      }
    } catch {
      // aborted by the test
    }
  })();
  return { states, counted, close: () => abort.abort() };
}

/** A WebSocket gallery subscription (one per socket). */
async function openSocketGallery(url: string, key: string) {
  const { raw, acknowledged } = await connect({ url }, { authorization: `Bearer ${key}` });
  expect(acknowledged).toBe(true);
  raw.send({ id: 'g', type: 'subscribe', payload: { query: GALLERY } });
  const states: LastStates = new Map();
  const counted = { events: 0 };
  raw.socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as RawSocket['messages'][number];
    if (message.id !== 'g' || message.type !== 'next') return;
    counted.events++;
    record(states, message.payload);
  });
  return { states, counted, close: () => raw.socket.close() };
}

async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

/** Opens the galleries, makes GENERATIONS generations, and waits until every stream saw each one end. */
async function galleriesSeeEveryFinalState(url: string, key: string, prompt: string) {
  const streams = [
    ...(await Promise.all(Array.from({ length: SSE_STREAMS }, () => openSseGallery(url, key)))),
    ...(await Promise.all(Array.from({ length: SOCKETS }, () => openSocketGallery(url, key)))),
  ];
  // Each stream is subscribed (its first read of the running generations is done) before the changes.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const eventsBefore = await counter(url, 'pixelgate_subscription_events_total');
  const executionsBefore = await counter(url, 'pixelgate_subscription_executions_total');

  const inputs = Array.from({ length: GENERATIONS }, (_, i) => ({ modelId: 'flux-schnell', prompt: `${prompt} ${i}` }));
  const answer = await graphqlOverHttp(url).graphql(LiveFanoutBatchMutation, { inputs }, key);
  expect(answer.errors).toBeUndefined();
  const batch = answer.data!;
  const ids = batch.generateImages.items.map((item) => item.generation.id);

  const finalStates = () => streams.every((stream) => ids.every((id) => TERMINAL.has(stream.states.get(id) ?? '')));
  await expect.poll(finalStates, { timeout: 60_000, interval: 100 }).toBe(true);
  for (const stream of streams) stream.close();
  return {
    events: (await counter(url, 'pixelgate_subscription_events_total')) - eventsBefore,
    executions: (await counter(url, 'pixelgate_subscription_executions_total')) - executionsBefore,
    perStream: streams.map((stream) => stream.counted.events),
  };
}

describe("live fan-out of one user's galleries", () => {
  test('N identical SSE and WebSocket galleries cost one execution per change, and all end on the final states', async ({
    app,
    key,
  }) => {
    const { events, executions, perStream } = await galleriesSeeEveryFinalState(app.url, key, 'a fox');
    expect(events).toBeGreaterThanOrEqual((SSE_STREAMS + SOCKETS) * GENERATIONS);
    // One execution per change for all ten streams: no more than the changes one stream received.
    expect(executions).toBeLessThanOrEqual(Math.max(...perStream));
  });

  test('paced by WS_MAX_BYTES_PER_SECOND_PER_USER, every stream still ends on every final state', async ({
    env,
    key,
  }) => {
    // ~5 KB events to ten streams: ~50 KB per change against 40 KB a second for the user.
    const paced = await env.startGateway({ WS_MAX_BYTES_PER_SECOND_PER_USER: String(40 * 1024) });
    const { events, executions, perStream } = await galleriesSeeEveryFinalState(paced.app.url, key, LONG_PROMPT);
    expect(Math.min(...perStream)).toBeGreaterThanOrEqual(GENERATIONS);
    // Paced streams may take different newest views, but they still share most executions.
    expect(executions).toBeLessThan(events / 3);
  });
});
