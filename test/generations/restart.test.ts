/**
 * An accepted generation survives its process: `pixelgate serve` runs as a child process, gets
 * SIGKILLed around the create call and is started again. Each time the generation completes, its
 * image is stored, its cost is settled exactly once, and Replicate saw exactly one prediction.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { createRequests, GENERATE, type GenerateDocument, simulatedPredictionsFor, sleep } from './helpers.ts';
import { startRestartHarness } from './served.ts';
import { gid } from '../support/ids.ts';

/** Servers as child processes on one database and simulator (served.ts), killed and restarted by the tests. */
const test = base.extend('harness', { scope: 'file' }, async ({}, { onCleanup }) => {
  const harness = await startRestartHarness(0.2);
  onCleanup(() => harness.close());
  return harness;
});

describe('SIGKILL and restart', () => {
  test('killed after the mutation returned: the restarted server finishes the generation', async ({ harness }) => {
    const prompt = 'a fox outliving its server [sim:slow]';
    const first = await harness.start();
    const result = await harness.graphql<ResultOf<typeof GenerateDocument>>(first.url, GENERATE, {
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

  test('killed right after a create whose answer was lost: reconciled after restart, one prediction', async ({
    harness,
  }) => {
    const prompt = 'a fox whose create answer was lost';
    const first = await harness.start();
    harness.sim.injectFaults([{ method: 'POST', path: '/v1/models/**', fault: 'reset_after_create' }]);
    const result = await harness.graphql<ResultOf<typeof GenerateDocument>>(first.url, GENERATE, {
      input: { modelId: 'flux-schnell', prompt },
    });
    const generation = result.data!.generateImage;
    expect(generation.status).toBe('QUEUED');
    await harness.kill(first);

    const second = await harness.start();
    await harness.expectCompletedOnce(second.url, generation.id, prompt);
    await harness.kill(second);
  });

  test('killed while its create call hung: the job waits out the dead creator, reconciles, one prediction', async ({
    harness,
  }) => {
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

  test('Ctrl-C while one create hangs upstream and another waits for the budget: exit 0, then each is created once', async ({
    harness,
  }) => {
    harness.sim.clearFaults();
    const reached = 'a fox whose create hung when the server stopped';
    const queued = 'a fox whose create never left when the server stopped';
    const createsBefore = createRequests(harness.sim);
    // One create a minute: the second create waits in the upstream budget's queue.
    const first = await harness.start({ UPSTREAM_CREATES_PER_MINUTE: '1', LOG_LEVEL: 'info' });
    harness.sim.injectFaults([{ method: 'POST', path: '/v1/models/**', fault: 'timeout', times: 1 }]);
    const states = () =>
      harness.db
        .selectFrom('predictions')
        .innerJoin('generations', 'generations.id', 'predictions.generation_id')
        .select(['generations.prompt', 'predictions.state'])
        .where('generations.prompt', 'in', [reached, queued])
        .orderBy('generations.prompt')
        .execute();
    const ids: string[] = [];
    for (const prompt of [reached, queued]) {
      const result = await harness.graphql<ResultOf<typeof GenerateDocument>>(first.url, GENERATE, {
        input: { modelId: 'flux-schnell', prompt },
      });
      expect(result.errors).toBeUndefined();
      ids.push(result.data!.generateImage.id);
      // The first create reaches the simulator, which makes the prediction and never answers; the
      // second is claimed by the worker and waits for the budget.
      for (let waited = 0; waited < 20_000; waited += 50) {
        const rows = await states();
        if (rows.length === ids.length && rows.every((row) => row.state === 'creating')) break;
        await sleep(50);
      }
      if (prompt === reached) {
        for (
          let waited = 0;
          simulatedPredictionsFor(harness.sim, reached).length === 0 && waited < 20_000;
          waited += 50
        )
          await sleep(50);
      }
    }
    expect((await states()).map((row) => row.state)).toEqual(['creating', 'creating']);
    expect(simulatedPredictionsFor(harness.sim, reached)).toHaveLength(1);
    const before = first.output().length;

    expect(await harness.interrupt(first), first.output()).toEqual({ code: 0, signal: null });
    const stopLines = first.output().slice(before).trim().split('\n');
    expect(stopLines.join('\n')).toMatch(/shutting down/);
    expect(stopLines.join('\n')).toMatch(/"msg":"stopped"/);
    expect(stopLines.length, stopLines.join('\n')).toBeLessThanOrEqual(6);
    expect(first.output()).not.toMatch(/secretKey|connectionParameters|took longer|error while stopping|"level":50/);
    // The one that may have reached Replicate is to be reconciled, never re-sent blindly; the one
    // that never left is simply due again.
    expect(Object.fromEntries((await states()).map((row) => [row.prompt, row.state]))).toEqual({
      [reached]: 'unknown',
      [queued]: 'pending',
    });
    expect(simulatedPredictionsFor(harness.sim, queued)).toHaveLength(0);

    harness.sim.clearFaults();
    const second = await harness.start();
    await harness.expectCompletedOnce(second.url, ids[0]!, reached);
    await harness.expectCompletedOnce(second.url, ids[1]!, queued);
    // The hung create was adopted, not sent again: one POST each.
    expect(createRequests(harness.sim) - createsBefore).toBe(2);
    await harness.kill(second);
  }, 120_000);
});
