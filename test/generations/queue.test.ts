/**
 * The request path never waits on Replicate: generateImage commits the hold, the rows and the
 * create job and answers QUEUED; a worker sends the create. The queue's other behaviours, each on
 * an environment of its own: queue-flood (every create hangs), queue-claimed-cancel (a cancel
 * between the claim and the send), queue-position (no worker: place in the queue, cancel while
 * queued), queue-backpressure (UPSTREAM_BUSY before anything is held) and queue-shared-token
 * (instances sharing one token stay under Replicate's create limit together).
 */
import { createRequests, eventually, ledgerKinds, simulatedPredictionsFor } from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

// A create that never answers is given up after 2 s (then reconciled) instead of 30 s.
test.override('setup', { gateway: { replicate: { transport: { requestTimeoutMs: 2_000 } } } });

describe('a create that hangs upstream', () => {
  test('the mutation answers QUEUED while the create hangs; the generation proceeds once the fault clears', async ({
    simulator,
    gateway,
    key,
  }) => {
    const prompt = 'a fox waiting on a hung create';
    const before = createRequests(simulator);
    simulator.injectFaults([{ method: 'POST', path: '/v1/models/**', fault: 'timeout', times: 1 }]);
    const { generation, errors } = await gateway.generate(key, { modelId: 'flux-schnell', prompt });
    expect(errors).toBeUndefined();
    expect(generation!.status).toBe('QUEUED');
    // The worker's create reaches the simulator and hangs there; the answer did not wait for it.
    await eventually(
      async () => createRequests(simulator) - before,
      (sent) => sent >= 1,
    );
    const done = await gateway.waitFor(key, generation!.id, undefined, 30_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.images).toHaveLength(1);
    expect(simulatedPredictionsFor(simulator, prompt)).toHaveLength(1);
    expect(await ledgerKinds(gateway.db, done.id)).toEqual({ hold: 1, settle: 1 });
  });
});
