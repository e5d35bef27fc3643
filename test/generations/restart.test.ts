/**
 * An accepted generation survives its process: `pixelgate serve` runs as a child process, gets
 * SIGKILLed around the create call and is started again. Each time the generation completes, its
 * image is stored, its cost is settled exactly once, and Replicate saw exactly one prediction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequests, GENERATE, simulatedPredictionsFor, sleep, type GenerationResult } from './helpers.ts';
import { startRestartHarness, type RestartHarness } from './served.ts';
import { gid } from '../support/ids.ts';

describe('SIGKILL and restart', () => {
  let harness: RestartHarness;
  beforeAll(async () => {
    harness = await startRestartHarness(0.2);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('killed after the mutation returned: the restarted server finishes the generation', async () => {
    const prompt = 'a fox outliving its server [sim:slow]';
    const first = await harness.start();
    const result = await harness.graphql<{ generateImage: GenerationResult }>(first.url, GENERATE, {
      input: { modelId: 'flux-schnell', prompt },
    });
    const generation = result.data!.generateImage;
    expect(generation.status).toBe('QUEUED');
    // Killed once its worker has created the prediction: the restart must not create it again.
    for (let waited = 0; simulatedPredictionsFor(harness.sim, prompt).length === 0 && waited < 20_000; waited += 50) {
      await sleep(50);
    }
    const createsBefore = createRequests(harness.sim);
    await harness.kill(first);

    const second = await harness.start();
    await harness.expectCompletedOnce(second.url, generation.id, prompt);
    expect(createRequests(harness.sim)).toBe(createsBefore);
    await harness.kill(second);
    // Two server starts and the create by the first one's worker: slow on a loaded machine.
  }, 90_000);

  it('killed right after a create whose answer was lost: reconciled after restart, one prediction', async () => {
    const prompt = 'a fox whose create answer was lost';
    const first = await harness.start();
    harness.sim.injectFaults([{ method: 'POST', path: '/v1/models/**', fault: 'reset_after_create' }]);
    const result = await harness.graphql<{ generateImage: GenerationResult }>(first.url, GENERATE, {
      input: { modelId: 'flux-schnell', prompt },
    });
    const generation = result.data!.generateImage;
    expect(generation.status).toBe('QUEUED');
    await harness.kill(first);

    const second = await harness.start();
    await harness.expectCompletedOnce(second.url, generation.id, prompt);
    await harness.kill(second);
  });

  it('killed while its create call hung: the job waits out the dead creator, reconciles, one prediction', async () => {
    const prompt = 'a fox whose creator died mid-call';
    const first = await harness.start();
    harness.sim.injectFaults([{ method: 'POST', path: '/v1/models/**', fault: 'timeout' }]);
    const pending = harness
      .graphql(first.url, GENERATE, { input: { modelId: 'flux-schnell', prompt } })
      .catch(() => null);
    // The create reached the simulator (which made the prediction) and will never be answered.
    for (let waited = 0; simulatedPredictionsFor(harness.sim, prompt).length === 0 && waited < 10_000; waited += 50) {
      await sleep(50);
    }
    await harness.kill(first);
    await pending;
    const [row] = await harness.db
      .selectFrom('generations')
      .innerJoin('predictions', 'predictions.generation_id', 'generations.id')
      .select(['generations.id', 'predictions.state'])
      .where('generations.prompt', '=', prompt)
      .execute();
    expect(row?.state).toBe('creating');

    const second = await harness.start();
    await harness.expectCompletedOnce(second.url, gid('Generation', row!.id), prompt);
    await harness.kill(second);
  });
});
