/** Instances sharing one Replicate token stay under its create limit together. */
import { describe, expect, test } from '../support/fixtures.ts';

const SIMULATED_SPEEDUP = 10;
let startedAt: number | undefined;

// The simulator's clock runs 10× fast (from its first reading), so its 60-creates-a-minute window
// is 6 s of real time. Both gateways share one budget of 54 creates a (real) minute: the first 54
// may leave at once (a burst the simulator's window still takes), the other 26 only in the
// budget's next minute.
test.override('setup', {
  env: { UPSTREAM_CREATES_PER_MINUTE: '54' },
  // Slow enough that the simulator (on its fast clock) keeps outputs until they are stored.
  speed: 0.5,
  simulator: {
    rateLimits: { createsPerMinute: 60, otherPerMinute: 1_000_000 },
    now: () => {
      startedAt ??= Date.now();
      return startedAt + (Date.now() - startedAt) * SIMULATED_SPEEDUP;
    },
  },
});

describe('two instances sharing one token', () => {
  test('80 generations across two instances: no upstream 429, all SUCCEEDED', async ({ env, simulator, newUser }) => {
    const gateways = [env.gateway, await env.startGateway()];
    const users = await Promise.all(Array.from({ length: 8 }, () => newUser()));
    simulator.resetCounters();
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, index) =>
        gateways[index % 2]!.generate(users[index % 8]!.key, {
          modelId: 'flux-schnell',
          prompt: `shared budget fox ${index}`,
        }),
      ),
    );
    expect(answers.flatMap((answer) => answer.errors ?? [])).toEqual([]);
    const done = await Promise.all(
      answers.map((answer, index) =>
        gateways[index % 2]!.waitFor(users[index % 8]!.key, answer.generation!.id, undefined, 150_000),
      ),
    );
    expect(done.filter((generation) => generation.status !== 'SUCCEEDED')).toEqual([]);
    const state = (await (await fetch(`${simulator.baseUrl.replace(/\/v1$/, '')}/_simulator/state`)).json()) as {
      throttled: { total: number };
    };
    expect(state.throttled.total).toBe(0);
  }, 240_000);
});
