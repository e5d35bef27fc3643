/**
 * One run of a prediction's durable job (graphile-worker, `jobs.ts`): move the prediction one
 * step on — create it, reconcile it, poll it, or stop it at the deadline — and schedule the next
 * run. Also where any upstream answer (a poll, a create's or a cancel's answer, the sweeper's
 * look) is applied.
 */
import type { PredictionRow } from '../db/types.ts';
import {
  isInterruptedCall,
  isReplicateError,
  ReplicateNotFoundError,
  type Prediction as Upstream,
} from '../replicate/index.ts';
import { creatorMayStillAnswer, create, reconcile } from './create.ts';
import { scheduleTrack, type TrackPayload } from './jobs.ts';
import { completeSuccess } from './outputs.ts';
import { findPrediction, isTerminalPrediction, markCreateUnknown, type Prediction } from './predictions-store.ts';
import { endNeverCreated, stopGeneration } from './stop.ts';
import { findGeneration, isTerminalGeneration } from './store.ts';
import { nextPollDelayMs, type Tracker } from './tracker-interface.ts';
import { applyFailureIn, applyProgressIn, finalizeIfDone, TIMEOUT_OUTCOME } from './transitions.ts';

export async function runJob(tracker: Tracker, payload: TrackPayload): Promise<void> {
  const { db, now, settings } = tracker.deps;
  const prediction = await findPrediction(db, payload.predictionId);
  if (!prediction) return;
  let generation = await findGeneration(db, prediction.generation_id);
  if (!generation) return;

  if (isTerminalPrediction(prediction.state)) {
    // Ended already; make sure the generation caught up (idempotent).
    await tracker.transact(async (trx, changes) => {
      changes.push(...(await finalizeIfDone(trx, prediction.generation_id, now())));
    });
    return;
  }
  if (!isTerminalGeneration(generation.status) && now() >= generation.deadline_at) {
    await stopGeneration(tracker, generation, TIMEOUT_OUTCOME);
    generation = (await findGeneration(db, generation.id)) ?? generation;
  }
  const stopping = isTerminalGeneration(generation.status);

  switch (prediction.state) {
    case 'pending':
      if (stopping) await endNeverCreated(tracker, prediction);
      else await create(tracker, prediction, ['pending']);
      return;
    case 'creating':
      if (await creatorMayStillAnswer(tracker, prediction)) {
        await scheduleTrack(db, { ...payload, poll: 0 }, settings.reconcileRetryMs);
        return;
      }
      // Its creator died or lost the answer. (If the state moved meanwhile, the creator finished.)
      if (await markCreateUnknown(db, prediction.id, now())) {
        await reconcile(tracker, { ...prediction, state: 'unknown' }, stopping);
      }
      return;
    case 'unknown':
      await reconcile(tracker, prediction, stopping);
      return;
    default:
      await poll(tracker, prediction, payload, stopping);
  }
}

async function poll(tracker: Tracker, prediction: Prediction, payload: TrackPayload, stopping: boolean): Promise<void> {
  const { replicate, logger } = tracker.deps;
  const replicateId = prediction.replicate_id;
  if (!replicateId) return;
  let upstream: Upstream;
  try {
    upstream = stopping ? await replicate.cancelPrediction(replicateId) : await replicate.getPrediction(replicateId);
  } catch (error) {
    if (!isReplicateError(error)) throw error;
    if (error instanceof ReplicateNotFoundError) {
      // Replicate no longer knows it (or never did): nothing more will happen to it.
      await tracker.endPrediction(prediction, {
        state: 'failed',
        output: null,
        error: 'Replicate no longer has this prediction.',
        metrics: { failure_code: 'UPSTREAM_UNAVAILABLE' },
        producedImages: 0,
      });
      return;
    }
    if (isInterruptedCall(error)) logger.debug({ predictionId: prediction.id }, 'poll stopped; will retry');
    else logger.warn({ err: error, predictionId: prediction.id }, 'could not read a prediction; will retry');
    await scheduleNextPoll(tracker, payload);
    return;
  }
  if (!(await applyUpstream(tracker, prediction, upstream, payload))) await scheduleNextPoll(tracker, payload);
}

function scheduleNextPoll(tracker: Tracker, payload: TrackPayload): Promise<void> {
  const delay = nextPollDelayMs(tracker.schedule, payload.poll);
  return scheduleTrack(tracker.deps.db, { ...payload, poll: payload.poll + 1 }, delay);
}

/**
 * Applies what Replicate says about a prediction (from a poll, a create or cancel answer).
 * Returns true when the prediction has ended (or its end is being retried by the job).
 */
export async function applyUpstream(
  tracker: Tracker,
  prediction: PredictionRow,
  upstream: Upstream,
  payload?: TrackPayload,
): Promise<boolean> {
  const { now } = tracker.deps;
  switch (upstream.status) {
    case 'starting':
    case 'processing':
      await tracker.transact(async (trx, changes) => {
        changes.push(...(await applyProgressIn(trx, prediction, upstream, now())));
      });
      return false;
    case 'succeeded':
      await completeSuccess(tracker, prediction, upstream, payload ?? { predictionId: prediction.id, poll: 0 });
      return true;
    default:
      await tracker.transact(async (trx, changes) => {
        changes.push(...(await applyFailureIn(trx, prediction, upstream, now())));
      });
      return true;
  }
}
