/**
 * The stale-hold sweeper against the Replicate simulator: holds past their generation's deadline
 * are settled at price × images for what succeeded upstream, released when nothing did, and left
 * alone while Replicate is still working or the outcome is unknown.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { settleHold } from '../../src/billing/holds.ts';
import {
  pruneRateLimitEvents,
  sweepStaleHolds,
  billingTasks,
  SWEEP_STALE_HOLDS_TASK,
  type StaleHoldSweepDependencies,
} from '../../src/billing/sweeper.ts';
import type { Db } from '../../src/db/index.ts';
import type { PredictionState } from '../../src/db/types.ts';
import { silentLogger } from '../../src/logger.ts';
import {
  createReplicateClient,
  TERMINAL_PREDICTION_STATUSES,
  type ReplicateClient,
} from '../../src/replicate/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { billingConfig, expectLedgerVerified, insertUser, OUT_OF_THE_WAY, tryAdmit } from './helpers.ts';

const config = billingConfig();
const SCHNELL = 'black-forest-labs/flux-schnell';
const SCHNELL_PRICE = 3_000;

/** What the sweeper talks to: the simulator (its own rate limits) through a Replicate client. */
interface Upstream {
  readonly simulator: RunningSimulator;
  readonly replicate: ReplicateClient;
  /** A prediction created on the simulator; its id. */
  create(prompt: string, numOutputs?: number): Promise<string>;
  waitUntilTerminal(id: string): Promise<void>;
}

async function startUpstream(): Promise<Upstream & { close(): Promise<void> }> {
  const simulator = await startSimulator({ port: 0, speed: 0.02 });
  const replicate = createReplicateClient({ token: 'r8_test', baseUrl: simulator.baseUrl });
  return {
    simulator,
    replicate,
    async create(prompt, numOutputs = 1) {
      const created = await replicate.createPrediction(
        { model: SCHNELL },
        { input: { prompt, num_outputs: numOutputs } },
      );
      return created.id;
    },
    async waitUntilTerminal(id) {
      for (let i = 0; i < 200; i += 1) {
        if (TERMINAL_PREDICTION_STATUSES.has((await replicate.getPrediction(id)).status)) return;
        await delay(50);
      }
      throw new Error(`prediction ${id} did not finish`);
    },
    async close() {
      await replicate.close();
      await simulator.close();
    },
  };
}

/** The file's ledger: generations admitted for one user, made stale on purpose, and what became of their holds. */
function staleHolds(db: Db, user: Awaited<ReturnType<typeof insertUser>>) {
  return {
    /**
     * A generation admitted an hour ago (its deadline 50 minutes past) holding `holdMicros`, with
     * predictions in the given local states and Replicate ids.
     */
    async generation(
      holdMicros: number,
      predictions: ReadonlyArray<{ state: PredictionState; replicateId: string | null; images?: number }>,
      options: { deadlineInFuture?: boolean } = {},
    ): Promise<string> {
      const admittedAt = options.deadlineInFuture ? new Date() : new Date(Date.now() - 60 * 60_000);
      const outcome = await tryAdmit(db, config, user, { amountMicros: holdMicros, now: admittedAt });
      if (!outcome.ok) throw new Error(`not admitted: ${outcome.code}`);
      await db
        .updateTable('generations')
        .set({ status: 'PROCESSING', model_id: 'flux-schnell' })
        .where('id', '=', outcome.generationId)
        .execute();
      let position = 0;
      for (const prediction of predictions) {
        await db
          .insertInto('predictions')
          .values({
            generation_id: outcome.generationId,
            position: position++,
            replicate_model: SCHNELL,
            input: JSON.stringify({ prompt: 'x' }),
            image_count: prediction.images ?? 1,
            state: prediction.state,
            replicate_id: prediction.replicateId,
          })
          .execute();
      }
      return outcome.generationId;
    },
    holdOf: (generationId: string) =>
      db.selectFrom('holds').selectAll().where('generation_id', '=', generationId).executeTakeFirstOrThrow(),
    generationOf: (generationId: string) =>
      db.selectFrom('generations').selectAll().where('id', '=', generationId).executeTakeFirstOrThrow(),
  };
}

const test = base
  .extend('upstream', { scope: 'file' }, async ({}, { onCleanup }): Promise<Upstream> => {
    const upstream = await startUpstream();
    onCleanup(() => upstream.close());
    return upstream;
  })
  .extend('stale', { scope: 'file' }, async ({ db }) =>
    staleHolds(db, await insertUser(db, { dailyMicros: 10_000_000, ...OUT_OF_THE_WAY })),
  )
  /** The sweeper's dependencies on the file's database and simulator; `overrides` as a test needs them. */
  .extend(
    'deps',
    { scope: 'file' },
    ({ db, upstream }) =>
      (overrides: Partial<StaleHoldSweepDependencies> = {}): StaleHoldSweepDependencies => ({
        db,
        replicate: upstream.replicate,
        logger: silentLogger,
        now: () => new Date(),
        graceMs: 60_000,
        ...overrides,
      }),
  );

describe('the stale-hold sweeper', () => {
  test('settles at price × images that succeeded upstream, releases failures and never-sent work, skips the rest', async ({
    db,
    upstream,
    stale,
    deps,
  }) => {
    const { simulator } = upstream;
    const { holdOf, generationOf } = stale;
    const succeededId = await upstream.create('two lighthouses', 2);
    const failedId = await upstream.create('a lighthouse [sim:fail]');
    await Promise.all([upstream.waitUntilTerminal(succeededId), upstream.waitUntilTerminal(failedId)]);
    const slowId = await upstream.create('a lighthouse on a cold machine [sim:cold]');
    const freshId = await upstream.create('a fresh lighthouse');

    // Held for four images, two came back: charged 2 × $0.003, the rest freed.
    const succeeded = await stale.generation(4 * SCHNELL_PRICE, [
      { state: 'processing', replicateId: succeededId, images: 4 },
    ]);
    const failed = await stale.generation(SCHNELL_PRICE, [{ state: 'processing', replicateId: failedId }]);
    const neverSent = await stale.generation(SCHNELL_PRICE, [{ state: 'pending', replicateId: null }]);
    const stillRunning = await stale.generation(SCHNELL_PRICE, [{ state: 'processing', replicateId: slowId }]);
    const unknown = await stale.generation(SCHNELL_PRICE, [{ state: 'unknown', replicateId: null }]);
    const notStale = await stale.generation(SCHNELL_PRICE, [{ state: 'processing', replicateId: freshId }], {
      deadlineInFuture: true,
    });

    simulator.resetCounters();
    const result = await sweepStaleHolds(deps());
    expect(result).toEqual({
      examined: 5,
      settled: 1,
      released: 2,
      resolvedElsewhere: 0,
      stillRunning: 1,
      undetermined: 1,
    });
    // It asked Replicate about every prediction with an id (and nothing else).
    expect(simulator.countRequests('GET', /^\/v1\/predictions\/[^/]+$/)).toBe(3);
    expect(simulator.countRequests('POST', /.*/)).toBe(0);

    expect(await holdOf(succeeded)).toMatchObject({ state: 'settled', settled_micros: 2 * SCHNELL_PRICE });
    expect(await generationOf(succeeded)).toMatchObject({
      status: 'FAILED',
      error_code: 'TIMEOUT',
      cost_micros: 2 * SCHNELL_PRICE,
    });
    expect(await holdOf(failed)).toMatchObject({ state: 'released' });
    expect(await generationOf(failed)).toMatchObject({ cost_micros: 0 });
    expect(await holdOf(neverSent)).toMatchObject({ state: 'released' });
    expect(await holdOf(stillRunning)).toMatchObject({ state: 'held' });
    expect(await holdOf(unknown)).toMatchObject({ state: 'held' });
    expect(await holdOf(notStale)).toMatchObject({ state: 'held' });
    await expectLedgerVerified(db);

    // Once Replicate has finished it, the next sweep settles the slow one too.
    await upstream.waitUntilTerminal(slowId);
    const next = await sweepStaleHolds(deps());
    expect(next).toMatchObject({ settled: 1, stillRunning: 0, undetermined: 1 });
    expect(await holdOf(stillRunning)).toMatchObject({ state: 'settled', settled_micros: SCHNELL_PRICE });
    await expectLedgerVerified(db);
    // Clean up the undetermined one so later tests start from a known state.
    await db.updateTable('predictions').set({ state: 'aborted' }).where('generation_id', '=', unknown).execute();
    await sweepStaleHolds(deps());
  });

  test('several sweepers racing resolve each hold once', async ({ db, upstream, stale, deps }) => {
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => upstream.create(`race ${i}`)));
    await Promise.all(ids.map((id) => upstream.waitUntilTerminal(id)));
    const generations = [];
    for (const id of ids)
      generations.push(await stale.generation(SCHNELL_PRICE, [{ state: 'processing', replicateId: id }]));
    const results = await Promise.all(Array.from({ length: 4 }, () => sweepStaleHolds(deps())));
    const settled = results.reduce((sum, result) => sum + result.settled, 0);
    expect(settled).toBe(4);
    for (const generation of generations) expect(await stale.holdOf(generation)).toMatchObject({ state: 'settled' });
    await expectLedgerVerified(db);
  });

  test('hands upstream answers to the tracker first when one is wired, and counts what it resolved', async ({
    db,
    upstream,
    stale,
    deps,
  }) => {
    const id = await upstream.create('handed over');
    await upstream.waitUntilTerminal(id);
    const generation = await stale.generation(SCHNELL_PRICE, [{ state: 'processing', replicateId: id }]);
    const seen: string[] = [];
    const result = await sweepStaleHolds(
      deps({
        applyUpstream: async (predictionId, upstream) => {
          const prediction = await db
            .selectFrom('predictions')
            .selectAll()
            .where('id', '=', predictionId)
            .executeTakeFirstOrThrow();
          seen.push(`${prediction.replicate_id}:${upstream.status}`);
          // Stands in for the tracker: it settles through the same single-winner function.
          await db.transaction().execute((trx) => settleHold(trx, prediction.generation_id, SCHNELL_PRICE, new Date()));
        },
      }),
    );
    expect(seen).toEqual([`${id}:succeeded`]);
    expect(result).toMatchObject({ examined: 1, resolvedElsewhere: 1, settled: 0 });
    expect(await stale.holdOf(generation)).toMatchObject({ state: 'settled' });
    await expectLedgerVerified(db);
  });

  test('is a worker task that reschedules itself', ({ deps }) => {
    const tasks = billingTasks(deps());
    expect(Object.keys(tasks)).toEqual([SWEEP_STALE_HOLDS_TASK]);
  });
});

describe('the recurring job', () => {
  test('prunes request-log entries that left the window', async ({ db }) => {
    const fresh = await insertUser(db, OUT_OF_THE_WAY);
    const longAgo = new Date(Date.now() - 5 * 60_000);
    expect((await tryAdmit(db, config, fresh, { now: longAgo })).ok).toBe(true);
    expect((await tryAdmit(db, config, fresh)).ok).toBe(true);
    expect(await pruneRateLimitEvents(db, new Date())).toBeGreaterThanOrEqual(1);
    const left = await db.selectFrom('rate_limit_events').select('at').where('user_id', '=', fresh.id).execute();
    expect(left).toHaveLength(1);
  });
});
