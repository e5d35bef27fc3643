/**
 * The stale-hold sweeper: the last line of defence against money held forever. It finds holds
 * still open after their generation's deadline (plus a grace period for the tracker to finish
 * normally) and resolves each one only after asking Replicate what really happened:
 *
 * - every prediction with a Replicate id is fetched; if any is still running upstream, or one was
 *   being created and its outcome is unknown (no id yet), the hold is left for a later sweep —
 *   the sweeper never guesses;
 * - otherwise the hold is settled as Replicate bills each prediction under the generation's price rule
 *   (never more than the hold), or released when none did.
 *
 * When the generations tracker is given (`applyUpstream`), it is handed each upstream answer
 * first, so predictions, outputs, the generation and its money move through the tracker's own
 * transitions; the sweeper then resolves only what is still held. Either way every step is a
 * single-winner UPDATE, so the sweeper can race the tracker, webhooks and other instances.
 *
 * Replicate is never called inside a transaction.
 */
import type { TaskList } from 'graphile-worker';
import { sql } from 'kysely';
import { predictionChargeMicros, predictSecondsOf } from '../catalog/price-rule.ts';
import { settlementRuleOf } from '../catalog/pricing.ts';
import type { Db, Executor } from '../db/index.ts';
import { ACTIVE_GENERATION_STATUSES, type PredictionRow } from '../db/types.ts';
import type { Logger } from '../logger.ts';
import type { Micros } from '../money.ts';
import {
  isInterruptedCall,
  TERMINAL_PREDICTION_STATUSES,
  type Prediction as UpstreamPrediction,
  type ReplicateClient,
} from '../replicate/index.ts';
import { releaseHold, settleHold } from './holds.ts';
import { RATE_LIMIT_WINDOW_MS } from './rate-limit.ts';

export const SWEEP_STALE_HOLDS_TASK = 'billing:sweep-stale-holds';
const SWEEP_JOB_KEY = SWEEP_STALE_HOLDS_TASK;
/** The tracker's own deadline handling should have finished by then. */
export const DEFAULT_STALE_HOLD_GRACE_MS = 5 * 60_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const DEFAULT_BATCH_SIZE = 100;

export interface StaleHoldSweepDependencies {
  readonly db: Db;
  /** `withSignal`, when given, lets the recurring job's reads end with the worker's stop. */
  readonly replicate: Pick<ReplicateClient, 'getPrediction'> & Partial<Pick<ReplicateClient, 'withSignal'>>;
  readonly logger: Logger;
  readonly now: () => Date;
  /** How long after a generation's deadline its hold counts as stale (default 5 min). */
  readonly graceMs?: number;
  readonly batchSize?: number;
  /** How often the recurring job runs (default 60 s). */
  readonly intervalMs?: number;
  /**
   * The generations tracker, when wired: applies an upstream answer to our prediction (ends it,
   * stores outputs, finalises the generation and settles), e.g.
   * `(id, upstream) => findPrediction(db, id).then((p) => p && tracker.applyUpstream(p, upstream))`.
   * Errors are logged and the sweeper falls back to resolving the money itself.
   */
  readonly applyUpstream?: (predictionId: string, upstream: UpstreamPrediction) => Promise<unknown>;
}

export interface SweepResult {
  readonly examined: number;
  readonly settled: number;
  readonly released: number;
  /** Resolved by someone else (the tracker) while the sweeper looked. */
  readonly resolvedElsewhere: number;
  /** Left held: a prediction is still running upstream. */
  readonly stillRunning: number;
  /** Left held: a create's outcome is unknown (no Replicate id yet), or Replicate did not answer. */
  readonly undetermined: number;
}

interface StaleHold {
  generation_id: string;
  hold_id: string;
  amount_micros: number;
  /** The generation's, for its settlement rule (`settlementRuleOf`). */
  price_rule: unknown;
  model_id: string;
  estimated_cost_micros: number;
  image_count: number;
}

type Verdict =
  | { readonly kind: 'running' }
  | { readonly kind: 'undetermined'; readonly why: string }
  /** The worker is stopping: the next sweep looks again. */
  | { readonly kind: 'stopped' }
  | {
      readonly kind: 'known';
      readonly chargeMicros: Micros;
      readonly images: number;
      readonly upstream: ReadonlyArray<{ prediction: PredictionRow; upstream: UpstreamPrediction }>;
    };

/** Images a succeeded prediction produced; the requested count once Replicate removed the data. */
function producedImages(prediction: PredictionRow, upstream: UpstreamPrediction): number {
  const output = upstream.output;
  if (Array.isArray(output)) return output.length;
  if (typeof output === 'string' && output.length > 0) return 1;
  return prediction.image_count;
}

async function judge(
  deps: StaleHoldSweepDependencies,
  hold: StaleHold,
  predictions: readonly PredictionRow[],
): Promise<Verdict> {
  const rule = settlementRuleOf(hold);
  let chargeMicros = 0;
  let images = 0;
  const answers: Array<{ prediction: PredictionRow; upstream: UpstreamPrediction }> = [];
  for (const prediction of predictions) {
    if (!prediction.replicate_id) {
      // Never sent (pending), or refused before anything was created (e.g. a 422): nothing to pay.
      if (prediction.state === 'pending' || ['failed', 'canceled', 'aborted'].includes(prediction.state)) continue;
      return { kind: 'undetermined', why: `prediction ${prediction.id} is ${prediction.state} without a Replicate id` };
    }
    let upstream: UpstreamPrediction;
    try {
      upstream = await deps.replicate.getPrediction(prediction.replicate_id);
    } catch (error) {
      if (isInterruptedCall(error)) return { kind: 'stopped' };
      deps.logger.warn({ err: error, predictionId: prediction.id }, 'stale-hold sweep: Replicate did not answer');
      return { kind: 'undetermined', why: `Replicate did not answer for prediction ${prediction.id}` };
    }
    if (!TERMINAL_PREDICTION_STATUSES.has(upstream.status)) return { kind: 'running' };
    answers.push({ prediction, upstream });
    const produced = upstream.status === 'succeeded' ? producedImages(prediction, upstream) : 0;
    images += produced;
    chargeMicros += predictionChargeMicros(rule, {
      purpose: prediction.purpose,
      state: upstream.status,
      producedImages: produced,
      predictSeconds: predictSecondsOf(upstream.metrics),
    });
  }
  return { kind: 'known', chargeMicros, images, upstream: answers };
}

async function staleHolds(db: Executor, cutoff: Date, limit: number): Promise<StaleHold[]> {
  const result = await sql<StaleHold>`
    select h.generation_id, h.id as hold_id, h.amount_micros, g.price_rule, g.model_id, g.estimated_cost_micros,
      g.image_count
    from holds h join generations g on g.id = h.generation_id
    where h.state = 'held' and g.deadline_at < ${cutoff}
    order by g.deadline_at
    limit ${limit}
  `.execute(db);
  return result.rows;
}

/**
 * Resolves the money of one generation whose predictions are all known upstream. The generation
 * row is locked first — the tracker's order (generation, hold, windows) — so the two cannot
 * deadlock. Returns which way it went, or null when someone else resolved it first.
 */
async function resolve(
  deps: StaleHoldSweepDependencies,
  hold: StaleHold,
  chargeMicros: Micros,
): Promise<'settled' | 'released' | null> {
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    await trx.selectFrom('generations').select('id').where('id', '=', hold.generation_id).forUpdate().execute();
    const won =
      chargeMicros > 0
        ? await settleHold(trx, hold.generation_id, chargeMicros, now)
        : await releaseHold(trx, hold.generation_id, now, 'stale hold: nothing succeeded upstream');
    if (!won) return null;
    const charged = chargeMicros > 0 ? (won.settled_micros ?? 0) : 0;
    // A generation still "running" past its deadline lost its tracker: end it, so it stops
    // counting against the user's concurrency cap, and record what it cost.
    await trx
      .updateTable('generations')
      .set({
        status: 'FAILED',
        error_code: 'TIMEOUT',
        error_message: 'The generation passed its deadline before pixelgate saw it finish.',
        completed_at: now,
        updated_at: now,
      })
      .where('id', '=', hold.generation_id)
      .where('status', 'in', ACTIVE_GENERATION_STATUSES)
      .execute();
    await trx
      .updateTable('generations')
      .set({ cost_micros: charged, updated_at: now })
      .where('id', '=', hold.generation_id)
      .where('cost_micros', 'is', null)
      .execute();
    return chargeMicros > 0 ? 'settled' : 'released';
  });
}

async function holdIsOpen(db: Executor, holdId: string): Promise<boolean> {
  const row = await db.selectFrom('holds').select('state').where('id', '=', holdId).executeTakeFirst();
  return row?.state === 'held';
}

/** One pass over the stale holds (at most `batchSize`). */
export async function sweepStaleHolds(deps: StaleHoldSweepDependencies): Promise<SweepResult> {
  const counts = { examined: 0, settled: 0, released: 0, resolvedElsewhere: 0, stillRunning: 0, undetermined: 0 };
  const cutoff = new Date(deps.now().getTime() - (deps.graceMs ?? DEFAULT_STALE_HOLD_GRACE_MS));
  const holds = await staleHolds(deps.db, cutoff, deps.batchSize ?? DEFAULT_BATCH_SIZE);
  for (const hold of holds) {
    counts.examined += 1;
    const predictions = await deps.db
      .selectFrom('predictions')
      .selectAll()
      .where('generation_id', '=', hold.generation_id)
      .orderBy('position')
      .execute();
    const verdict = await judge(deps, hold, predictions);
    if (verdict.kind === 'stopped') break;
    if (verdict.kind === 'running') {
      counts.stillRunning += 1;
      continue;
    }
    if (verdict.kind === 'undetermined') {
      counts.undetermined += 1;
      deps.logger.warn({ generationId: hold.generation_id, why: verdict.why }, 'stale hold left held: outcome unknown');
      continue;
    }
    if (deps.applyUpstream) {
      for (const { prediction, upstream } of verdict.upstream) {
        try {
          await deps.applyUpstream(prediction.id, upstream);
        } catch (error) {
          deps.logger.warn(
            { err: error, predictionId: prediction.id },
            'stale-hold sweep: the tracker could not apply',
          );
        }
      }
      if (!(await holdIsOpen(deps.db, hold.hold_id))) {
        counts.resolvedElsewhere += 1;
        continue;
      }
    }
    const outcome = await resolve(deps, hold, verdict.chargeMicros);
    if (outcome === null) counts.resolvedElsewhere += 1;
    else counts[outcome] += 1;
    deps.logger.info(
      {
        generationId: hold.generation_id,
        outcome: outcome ?? 'resolved elsewhere',
        chargeMicros: verdict.chargeMicros,
        images: verdict.images,
      },
      'stale hold resolved',
    );
  }
  return counts;
}

/**
 * Drops request-log entries that left every window. Admission prunes a user's own entries as it
 * goes; this catches users who stopped sending, so the log stays at most a minute deep.
 */
export async function pruneRateLimitEvents(db: Executor, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('rate_limit_events')
    .where('at', '<=', new Date(now.getTime() - RATE_LIMIT_WINDOW_MS))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** (Re)schedules the recurring sweep; one job for the whole deployment (job key). */
export async function scheduleStaleHoldSweep(
  executor: Executor,
  delayMs: number,
  mode: 'replace' | 'preserve_run_at' = 'replace',
): Promise<void> {
  await sql`
    select graphile_worker.add_job(
      ${SWEEP_STALE_HOLDS_TASK},
      '{}'::json,
      run_at => now() + ${Math.max(0, Math.round(delayMs))} * interval '1 millisecond',
      max_attempts => 3,
      job_key => ${SWEEP_JOB_KEY},
      job_key_mode => ${mode}
    )`.execute(executor);
}

/**
 * Billing's graphile-worker tasks, to merge into the worker's task list. The sweep reschedules
 * itself; call `scheduleStaleHoldSweep(db, 0, 'preserve_run_at')` once at start-up to seed it
 * (harmless when it is already scheduled).
 */
export function billingTasks(deps: StaleHoldSweepDependencies): TaskList {
  return {
    [SWEEP_STALE_HOLDS_TASK]: async (_payload, helpers) => {
      try {
        const replicate = deps.replicate.withSignal?.(helpers.abortSignal) ?? deps.replicate;
        const result = await sweepStaleHolds({ ...deps, replicate });
        if (result.examined > 0) deps.logger.info({ sweep: result }, 'stale-hold sweep');
        await pruneRateLimitEvents(deps.db, deps.now());
      } finally {
        await scheduleStaleHoldSweep(deps.db, deps.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
      }
    },
  };
}
