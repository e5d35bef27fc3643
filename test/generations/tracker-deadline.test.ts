/** The tracker's own deadline check, when Replicate's Cancel-After has not fired yet: it cancels upstream itself. */
import { ledgerKinds } from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

// Real-time simulator: Cancel-After (1 + 15 s) cannot fire before our 1 s deadline check.
test.override('setup', { speed: 1, gateway: { generations: { deadlineSeconds: () => 1 } } });

describe('the tracker’s own deadline', () => {
  test('cancels upstream, FAILED with TIMEOUT, hold released', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, {
      modelId: 'flux-schnell',
      prompt: 'a cold fox [sim:cold]',
    });
    expect(generation!.status).toBe('QUEUED');
    const done = await env.gateway.waitFor(key, generation!.id, (g) => g.costUsd !== null, 10_000);
    expect(done.status).toBe('FAILED');
    expect(done.error?.code).toBe('TIMEOUT');
    expect(done.costUsd).toBe('0');
    expect(env.sim.predictions()[0]?.status).toBe('canceled');
    expect(env.sim.countRequests('POST', /\/cancel$/)).toBeGreaterThanOrEqual(1);
    expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, release: 1 });
  });
});
