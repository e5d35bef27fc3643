/**
 * One lock order (issue 21, item 6b): a generation's row before its predictions and images, in
 * cancel and in storing outputs alike. Both are lined up behind a lock the test holds on the
 * prediction and let go at once, so each round is the race that deadlocked (storing holds the
 * images' key-share on the generation and waits for the prediction; the cancel holds the
 * prediction and waits for the generation): no round may fail, and the ledger stays exact.
 */
import pg from 'pg';
import { verifyLedger } from '../../src/billing/ledger.ts';
import { findGeneration } from '../../src/generations/store.ts';
import { findPrediction, predictionsOf } from '../../src/generations/predictions-store.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { rowId } from '../support/ids.ts';

const ROUNDS = 8;

/** A connection of the test's own, to hold a lock the gateway's statements line up behind. */
const test = base.extend('gate', { scope: 'file' }, async ({ env }, { onCleanup }) => {
  const gate = new pg.Client({ connectionString: env.database.url });
  await gate.connect();
  onCleanup(() => gate.end());
  return gate;
});

// API only: nothing but the test moves the predictions.
test.override('setup', { speed: 0.01, gateway: { runWorker: false } });

describe('cancel racing the storing of outputs', () => {
  /** Statements of this database waiting for a lock. */
  async function waitingForLocks(gate: pg.Client): Promise<number> {
    const { rows } = await gate.query<{ count: number }>(
      `select count(*)::int as count from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    return rows[0]!.count;
  }

  test(`neither deadlocks nor fails in ${ROUNDS} rounds, and the ledger verifies`, async ({ env, gate }) => {
    const { tracker } = env.gateway.app.services.generations;
    const replicate = env.gateway.app.services.replicate;
    const db = env.gateway.db;
    const user = await env.user();
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { generation: answer, errors } = await env.gateway.generate(user.key, {
        modelId: 'flux-schnell',
        prompt: `race ${round}`,
      });
      expect(errors).toBeUndefined();
      const generationId = rowId(answer!.id);
      const [pending] = await predictionsOf(db, generationId);
      await tracker.create(pending!, ['pending']);
      const created = (await findPrediction(db, pending!.id))!;
      let upstream = await replicate.getPrediction(created.replicate_id!);
      while (upstream.status !== 'succeeded') {
        await new Promise((resolve) => setTimeout(resolve, 20));
        upstream = await replicate.getPrediction(created.replicate_id!);
      }
      const generation = (await findGeneration(db, generationId))!;

      await gate.query('begin');
      await gate.query('select 1 from predictions where id = $1 for update', [created.id]);
      const storing = tracker.applyUpstream(created, upstream);
      const canceling = tracker.stopGeneration(generation, { status: 'CANCELED', errorCode: null, errorMessage: null });
      // Both wait behind the gate (storing first downloads its images).
      for (let waited = 0; (await waitingForLocks(gate)) < 2 && waited < 200; waited++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await gate.query('commit');
      const settled = await Promise.allSettled([storing, canceling]);
      for (const result of settled) {
        if (result.status === 'rejected') throw result.reason;
      }
      outcomes.push((await findGeneration(db, generationId))!.status);
    }
    expect(outcomes.every((status) => status === 'SUCCEEDED' || status === 'CANCELED')).toBe(true);
    const report = await verifyLedger(db);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
