/** A request that could not start in time is refused UPSTREAM_BUSY before anything is held. */
import { describe, expect, test } from '../support/fixtures.ts';

// One create a second, and at most one second in the queue: the third request cannot fit.
test.override('setup', {
  env: { UPSTREAM_CREATES_PER_MINUTE: '60', MAX_QUEUE_WAIT_SECONDS: '1' },
  gateway: { runWorker: false },
});

describe('backpressure before money', () => {
  test('refuses with UPSTREAM_BUSY and retryAfterSeconds, before anything is held', async ({ gateway, user }) => {
    const { key, userId } = user;
    const accepted = [];
    for (const prompt of ['first', 'second']) {
      const { generation, errors } = await gateway.generate(key, { modelId: 'flux-schnell', prompt });
      expect(errors).toBeUndefined();
      accepted.push(generation!.status);
    }
    expect(accepted).toEqual(['QUEUED', 'QUEUED']);

    const { generation, errors } = await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'third' });
    expect(generation).toBeUndefined();
    expect(errors?.[0]?.extensions?.code).toBe('UPSTREAM_BUSY');
    expect(errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const rows = await gateway.db
      .selectFrom('generations')
      .select('prompt')
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    expect(rows.map((row) => row.prompt)).toEqual(['first', 'second']);
    const holds = await gateway.db
      .selectFrom('holds')
      .innerJoin('generations', 'generations.id', 'holds.generation_id')
      .select('holds.state')
      .where('generations.user_id', '=', userId)
      .execute();
    expect(holds).toHaveLength(2);
  });
});
