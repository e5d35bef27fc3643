/**
 * Live fan-out end to end over graphql-ws, with a throttle window far longer than the test: the
 * first change after a quiet period goes out at once (leading edge), later ones in the window are
 * coalesced, and the final state reaches every subscriber at once — generationProgress and
 * myGenerations alike. A foreign generation stays NOT_FOUND for each subscriber.
 */
import type { Client } from 'graphql-ws';
import { advanceGeneration, endGeneration } from '../../src/generations/store.ts';
import { eventually, insertRunningGeneration, wsClient } from './helpers.ts';
import { gid } from '../support/ids.ts';
import { describe, expect, test } from '../support/fixtures.ts';

interface Seen {
  readonly events: Array<{ id: string; status: string; percent: number | null }>;
  readonly errors: Array<{ extensions?: { code?: string } }>;
  completed: boolean;
}

function follow(client: Client, query: string, variables: Record<string, unknown>, field: string): Seen {
  const seen: Seen = { events: [], errors: [], completed: false };
  client.subscribe<Record<string, Seen['events'][number]>>(
    { query, variables },
    {
      next: (message) => {
        if (message.errors) seen.errors.push(...(message.errors as unknown as Seen['errors']));
        if (message.data?.[field]) seen.events.push(message.data[field]);
      },
      error: (error) => seen.errors.push(...((Array.isArray(error) ? error : [error]) as Seen['errors'])),
      complete: () => {
        seen.completed = true;
      },
    },
  );
  return seen;
}

const PROGRESS = 'subscription($id: ID!) { generationProgress(id: $id) { id status percent } }';
const GALLERY = 'subscription { myGenerations { id status percent } }';

test.override('setup', {
  gateway: {
    generations: {
      feed: { throttleMs: 600_000, resyncMs: 600_000 },
      maintenanceIntervalMs: 600_000,
    },
  },
});

describe('live fan-out', () => {
  test('leading edge at once, the rest coalesced, the final state to every subscriber; foreign is NOT_FOUND', async ({
    env,
  }) => {
    const viewer = await env.user();
    const stranger = await env.user();
    const generation = await insertRunningGeneration(env.gateway.db, viewer.userId, 'fan-out');
    const events = env.gateway.app.services.generations.gallery.events;
    const sockets = Array.from({ length: 3 }, () => wsClient(env.gateway.app, viewer.key));
    const progress = sockets.flatMap((socket) =>
      Array.from({ length: 4 }, () =>
        follow(socket, PROGRESS, { id: gid('Generation', generation.id) }, 'generationProgress'),
      ),
    );
    const galleries = sockets.map((socket) => follow(socket, GALLERY, {}, 'myGenerations'));
    const strangerSocket = wsClient(env.gateway.app, stranger.key);
    const foreign = follow(strangerSocket, PROGRESS, { id: gid('Generation', generation.id) }, 'generationProgress');
    const all = [...progress, ...galleries];

    await eventually(
      async () => all.filter((seen) => seen.events.length >= 1).length,
      (ready) => ready === all.length,
    );
    await eventually(
      async () => foreign.errors.length,
      (count) => count > 0,
    );
    expect(foreign.errors[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(foreign.events).toEqual([]);

    // First change: at once, although the throttle window is ten minutes.
    const move = async (percent: number) =>
      events.publish([await advanceGeneration(env.gateway.db, generation.id, 'PROCESSING', percent, new Date())]);
    await move(10);
    await eventually(
      async () => all.filter((seen) => seen.events.at(-1)?.percent === 10).length,
      (delivered) => delivered === all.length,
    );
    // Two more in the same window: held back (coalesced) …
    await move(20);
    await move(30);
    // … until the final state, which goes out at once and ends generationProgress.
    events.publish([
      await endGeneration(
        env.gateway.db,
        generation.id,
        { status: 'CANCELED', errorCode: null, errorMessage: null },
        new Date(),
      ),
    ]);
    await eventually(
      async () => all.filter((seen) => seen.events.at(-1)?.status === 'CANCELED').length,
      (delivered) => delivered === all.length,
    );
    await eventually(
      async () => progress.filter((seen) => seen.completed).length,
      (completed) => completed === progress.length,
    );
    for (const seen of all) {
      expect(seen.errors).toEqual([]);
      expect(seen.events.map((event) => [event.status, event.percent])).toEqual([
        ['QUEUED', null],
        ['PROCESSING', 10],
        ['CANCELED', 30],
      ]);
    }
    for (const socket of [...sockets, strangerSocket]) await socket.dispose();
  });
});
