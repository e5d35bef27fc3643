/**
 * A process killed in the middle of a job (here: while downloading the outputs) leaves that job
 * locked in graphile-worker, which would only expire the lock after 4 hours. The dead process's
 * heartbeat stops, the next sweep unlocks its workers' jobs, and the restarted server finishes.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { sql } from 'kysely';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { GENERATE, type GenerateDocument, sleep } from './helpers.ts';
import { startRestartHarness } from './served.ts';

/** Servers as child processes on one database and simulator (served.ts), killed and restarted by the test. */
const test = base.extend('harness', { scope: 'file' }, async ({}, { onCleanup }) => {
  const harness = await startRestartHarness(0.05);
  onCleanup(() => harness.close());
  return harness;
});

describe('SIGKILL while a job runs', () => {
  test('killed while storing outputs: its job is unlocked within seconds and the generation completes', async ({
    harness,
  }) => {
    const prompt = 'a fox stored by a dying server';
    // The output download trickles (10 chunks, 3 s apart): the job is busy, and locked, for 30 s.
    harness.sim.injectFaults([{ method: 'GET', path: '/files/**', fault: 'slow_body', chunkDelayMs: 3_000 }]);
    const first = await harness.start();
    const result = await harness.graphql<ResultOf<typeof GenerateDocument>>(first.url, GENERATE, {
      input: { modelId: 'flux-schnell', prompt },
    });
    const generation = result.data!.generateImage;
    for (let waited = 0; harness.sim.countRequests('GET', /^\/files\//) === 0 && waited < 10_000; waited += 50) {
      await sleep(50);
    }
    const locked = await sql`select locked_by from graphile_worker.jobs where locked_by is not null`.execute(
      harness.db,
    );
    expect(locked.rows.length).toBeGreaterThan(0);
    await harness.kill(first);

    const second = await harness.start();
    // graphile-worker itself would free the job after 4 hours: finishing at all (expectCompletedOnce
    // waits 45 s) means the sweep unlocked it once the dead process's heartbeat went stale (10 s).
    await harness.expectCompletedOnce(second.url, generation.id, prompt);
    await harness.kill(second);
  });
});
