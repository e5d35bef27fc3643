/** A generation past its deadline: Replicate cancels it (Cancel-After), it FAILS with TIMEOUT and its hold is released. */
import { ledgerKinds } from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { gateway: { generations: { deadlineSeconds: () => 5 } } });

describe('deadlines', () => {
  test('past the deadline (Cancel-After upstream) → FAILED with TIMEOUT, hold released', async ({ env, key }) => {
    // Deadline 5 s + 15 s grace = Cancel-After 20 s, 0.4 s at speed 0.02; [sim:slow] runs 0.6 s.
    const { generation } = await env.gateway.generate(key, {
      modelId: 'flux-schnell',
      prompt: 'a fox [sim:slow] late',
    });
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('FAILED');
    expect(done.error?.code).toBe('TIMEOUT');
    expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, release: 1 });
  });
});
