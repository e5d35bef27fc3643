/** Idempotency keys on generateImage: one generation, hold and prediction per key and input, per user. */
import { createRequests } from './helpers.ts';
import { rowId } from '../support/ids.ts';
import { describe, expect, test } from '../support/fixtures.ts';

describe('idempotency keys', () => {
  test('same key and input → the same generation, one hold and one prediction, even concurrently', async ({
    env,
    key,
  }) => {
    const input = { modelId: 'flux-schnell', prompt: 'idempotent fox', idempotencyKey: 'order-42' };
    const results = await Promise.all(Array.from({ length: 6 }, () => env.gateway.generate(key, input)));
    const ids = new Set(results.map((result) => result.generation?.id));
    expect(results.every((result) => result.errors === undefined)).toBe(true);
    expect(ids.size).toBe(1);
    const [id] = [...ids] as string[];
    await env.gateway.waitFor(key, id!);
    const again = await env.gateway.generate(key, input);
    expect(again.generation?.id).toBe(id);
    expect(again.generation?.status).toBe('SUCCEEDED');
    const holds = await env.gateway.db
      .selectFrom('holds')
      .selectAll()
      .where('generation_id', '=', rowId(id!))
      .execute();
    expect(holds).toHaveLength(1);
    expect(createRequests(env.sim)).toBe(1);
  });

  test('same key with a different input → IDEMPOTENCY_KEY_REUSED, nothing new', async ({ env, key }) => {
    const before = createRequests(env.sim);
    const first = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'first', idempotencyKey: 'k-2' });
    const reused = await env.gateway.generate(key, {
      modelId: 'flux-schnell',
      prompt: 'second',
      idempotencyKey: 'k-2',
    });
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // The first one's create is the worker's: once it has ended, exactly one create was sent.
    await env.gateway.waitFor(key, first.generation!.id);
    expect(createRequests(env.sim)).toBe(before + 1);
  });

  test('keys are per user', async ({ env, key }) => {
    const other = await env.user();
    const input = { modelId: 'flux-schnell', prompt: 'shared key', idempotencyKey: 'same-key' };
    const mine = await env.gateway.generate(key, input);
    const theirs = await env.gateway.generate(other.key, input);
    expect(mine.generation?.id).toBeDefined();
    expect(theirs.generation?.id).toBeDefined();
    expect(mine.generation?.id).not.toBe(theirs.generation?.id);
  });
});
