/**
 * The gallery stream end to end over graphql-ws: one subscription sees every change to every
 * generation of the viewer (and nobody else's), with the same throttle as generationProgress.
 */
import { eventually, generate, generateBatch, recordGallery, waitForEnd, wsClient } from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { speed: 0.1 });

describe('myGenerations', () => {
  test('streams the viewer’s generations — new, running, finished, cached — over one connection', async ({ env }) => {
    const viewer = await env.user();
    const stranger = await env.user();
    // Running before the subscription starts: sent at once.
    const early = await generate(env.gateway, viewer.key, {
      modelId: 'flux-schnell',
      prompt: 'gallery: early [sim:slow]',
    });

    const client = wsClient(env.gateway.app, viewer.key);
    const record = recordGallery(client);
    await eventually(
      async () => record.events.length,
      (count) => count > 0,
    );
    expect(record.events[0]!.generation.id).toBe(early.data!.id);

    const batch = await generateBatch(env.gateway, viewer.key, [
      { modelId: 'flux-dev', prompt: 'gallery: a', seed: 3 },
      { modelId: 'flux-schnell', prompt: 'gallery: b' },
    ]);
    const theirs = await generate(env.gateway, stranger.key, { modelId: 'flux-schnell', prompt: 'gallery: theirs' });
    const ids = [early.data!.id, ...batch.data!.items.map((item) => item.generation.id)];
    for (const id of ids) await waitForEnd(env.gateway, viewer.key, id);
    // Asked again: answered by the cache, SUCCEEDED at once — also streamed.
    const cached = await generate(env.gateway, viewer.key, { modelId: 'flux-dev', prompt: 'gallery: a', seed: 3 });
    expect(cached.data!.cachedFrom).not.toBeNull();
    ids.push(cached.data!.id);

    const seen = await eventually(
      async () => record.events,
      (events) =>
        ids.every((id) =>
          events.some((event) => event.generation.id === id && event.generation.status === 'SUCCEEDED'),
        ),
    );
    record.stop();
    await client.dispose();

    expect(record.errors).toEqual([]);
    expect(seen.some((event) => event.generation.id === theirs.data!.id)).toBe(false);
    // Per generation: versions only move forward, and at most ~4 non-terminal events a second.
    for (const id of ids) {
      const events = seen.filter((event) => event.generation.id === id);
      const statuses = events.map((event) =>
        ['QUEUED', 'STARTING', 'PROCESSING', 'SUCCEEDED'].indexOf(event.generation.status),
      );
      expect([...statuses].sort((a, b) => a - b)).toEqual(statuses);
      const running = events.filter((event) => event.generation.status !== 'SUCCEEDED').slice(1);
      for (let index = 1; index < running.length; index++) {
        expect(running[index]!.at - running[index - 1]!.at).toBeGreaterThanOrEqual(200);
      }
    }
    const slow = seen.filter((event) => event.generation.id === early.data!.id);
    expect(slow.some((event) => event.generation.status === 'PROCESSING' && (event.generation.percent ?? 0) > 0)).toBe(
      true,
    );
  });

  test('requires a user’s API key', async ({ env }) => {
    const client = wsClient(env.gateway.app, 'pg_not_a_key');
    const record = recordGallery(client);
    await eventually(
      async () => record.errors.length,
      (count) => count > 0,
    );
    await client.dispose();
    expect(record.events).toEqual([]);
  });
});
