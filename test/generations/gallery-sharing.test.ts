/**
 * The gallery stream costs the database O(1) per user, not per subscription: the running
 * generations are read once when a user's first subscription starts, each change once, each
 * resync once — however many subscriptions the user holds. Counted as behaviour: the queries the
 * gateway sends about the user's generations (Kysely's log hook), never timings.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { advanceGeneration } from '../../src/generations/store.ts';
import { eventually, wsClient, type GenerationsEnv } from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { gid } from '../support/ids.ts';
import { insertRunningGeneration } from './helpers.ts';
import { graphql } from '../gql/index.ts';

const SOCKETS = 20;
const PER_SOCKET = 50;

const SharedGallerySubscription = graphql(`
  subscription SharedGallery {
    myGenerations {
      id
      status
      percent
    }
  }
`);

const OtherUsersGenerationQuery = graphql(`
  query OtherUsersGeneration($id: ID!) {
    generation(id: $id) {
      id
      status
    }
  }
`);

interface Gallery {
  readonly events: Array<ResultOf<typeof SharedGallerySubscription>['myGenerations']>;
  readonly errors: unknown[];
  stop(): void;
}

function subscribeGallery(client: Client): Gallery {
  const events: Gallery['events'] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<ResultOf<typeof SharedGallerySubscription>>(
    { query: print(SharedGallerySubscription) },
    {
      next: (message) => {
        if (message.errors) errors.push(...message.errors);
        if (message.data) events.push(message.data.myGenerations);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return { events, errors, stop };
}

/** SQL and parameters of every query the gateway ran. */
const queries: Array<{ sql: string; parameters: readonly unknown[] }> = [];

test.override('setup', {
  gateway: {
    // Resyncs run when the test says so (`resyncAll`), maintenance stays out of the way.
    generations: {
      feed: { throttleMs: 250, resyncMs: 600_000 },
      maintenanceIntervalMs: 600_000,
    },
    onQuery: (sql, parameters) => queries.push({ sql, parameters }),
  },
});

describe('myGenerations shares its database work per user', () => {
  /** Queries on generations that name this user or this generation. */
  const about = (userId: string, generationId: string) => () =>
    queries.filter(
      (query) =>
        query.sql.includes('"generations"') &&
        query.parameters.some((value) => value === userId || value === generationId),
    ).length;

  /** A running generation that nothing upstream moves: the test moves it and publishes each change. */
  async function runningGeneration(env: GenerationsEnv, userId: string) {
    const generation = await insertRunningGeneration(env.gateway.db, userId, 'gallery sharing');
    let percent = 0;
    return {
      id: generation.id,
      async advance() {
        percent += 10;
        const change = await advanceGeneration(env.gateway.db, generation.id, 'PROCESSING', percent, new Date());
        env.gateway.app.services.generations.gallery.events.publish([change]);
        return percent;
      },
    };
  }

  test('N subscriptions of one user add no queries: not at start, not per change, not per resync', async ({ env }) => {
    const viewer = await env.user();
    const other = await env.user();
    const generation = await runningGeneration(env, viewer.userId);
    const count = about(viewer.userId, generation.id);
    const gallery = env.gateway.app.services.generations.gallery;

    // One subscription: the cost of a gallery.
    const sockets = Array.from({ length: SOCKETS }, () => wsClient(env.gateway.app, viewer.key));
    const first = subscribeGallery(sockets[0]!);
    await eventually(
      async () => first.events.length,
      (length) => length === 1,
    );
    const atStart = count();
    let percent = await generation.advance();
    await eventually(
      async () => first.events.at(-1)?.percent,
      (seen) => seen === percent,
    );
    const perChangeWithOne = count() - atStart;
    let before = count();
    await gallery.resyncAll();
    const perResyncWithOne = count() - before;
    expect(perResyncWithOne).toBe(1);

    // 999 more over 20 sockets: each gets the running generation at once, from memory.
    before = count();
    const rest = sockets.flatMap((socket, index) =>
      Array.from({ length: index === 0 ? PER_SOCKET - 1 : PER_SOCKET }, () => subscribeGallery(socket)),
    );
    const all = [first, ...rest];
    expect(all).toHaveLength(SOCKETS * PER_SOCKET);
    await eventually(
      async () => rest.filter((subscription) => subscription.events.some((event) => event.percent === percent)).length,
      (ready) => ready === rest.length,
      20_000,
    );
    expect(count() - before).toBe(0);

    // A change: read as often as for one subscription, delivered to all 1,000.
    before = count();
    percent = await generation.advance();
    await eventually(
      async () => all.filter((subscription) => subscription.events.at(-1)?.percent === percent).length,
      (delivered) => delivered === all.length,
      20_000,
    );
    expect(count() - before).toBe(perChangeWithOne);

    // A resync round: one query for the user, not one per subscription.
    before = count();
    await gallery.resyncAll();
    expect(count() - before).toBe(perResyncWithOne);

    // Another user's read meanwhile: answered, and runs its own queries only — nothing of the
    // 1,000 subscriptions queues ahead of it.
    const otherGeneration = await runningGeneration(env, other.userId);
    const otherCount = about(other.userId, otherGeneration.id);
    before = count();
    const answer = await env.gateway.app.graphql(
      OtherUsersGenerationQuery,
      { id: gid('Generation', otherGeneration.id) },
      other.key,
    );
    expect(answer.data?.generation).toEqual({ id: gid('Generation', otherGeneration.id), status: 'QUEUED' });
    expect(otherCount()).toBeGreaterThan(0);
    expect(count() - before).toBe(0);

    for (const subscription of all) {
      subscription.stop();
      expect(subscription.errors).toEqual([]);
    }
    for (const socket of sockets) await socket.dispose();
  }, 60_000);
});
