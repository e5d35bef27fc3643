/**
 * Stopping: a user's cancel, the deadline, a sibling's refusal. Predictions never sent are ended
 * here; running ones are canceled upstream. The money follows when the last prediction has ended
 * (`finalizeIfDone`) — a prediction that finished just before the cancel reached Replicate was
 * paid for.
 */
import type { Executor } from '../db/index.ts';
import type { PredictionRow } from '../db/types.ts';
import { isInterruptedCall, isReplicateError } from '../replicate/index.ts';
import { DownloadError } from '../storage/index.ts';
import { scheduleTrack } from './jobs.ts';
import { endPrediction, isTerminalPrediction, predictionsOf } from './predictions-store.ts';
import { endGeneration, lockGeneration, type Generation, type TerminalOutcome } from './store.ts';
import type { Tracker } from './tracker-interface.ts';
import { finalizeIfDone, neverCreated } from './transitions.ts';

/** Work that commits or rolls back with a stop, given the generation as it was when locked. */
export type AlsoOnStop = (trx: Executor, before: Generation) => Promise<void>;

/**
 * Ends an active generation now (cancel, deadline): predictions never sent are ended here,
 * running ones are canceled upstream. The money is settled when the last prediction has
 * ended — a prediction that finished just before the cancel reached Replicate was paid for.
 * `alsoOnStop` runs in the same transaction, only when this call ended the generation.
 */
export async function stopGeneration(
  tracker: Tracker,
  generation: Generation,
  outcome: TerminalOutcome,
  alsoOnStop?: AlsoOnStop,
): Promise<boolean> {
  const { db, now } = tracker.deps;
  const stopped = await tracker.transact(async (trx, changes) => {
    // The generation before its predictions, as every other transition locks them.
    const before = await lockGeneration(trx, generation.id);
    const predictions = await predictionsOf(trx, generation.id, { lock: true });
    const change = await endGeneration(trx, generation.id, outcome, now());
    if (!change) return false;
    changes.push(change);
    if (alsoOnStop) await alsoOnStop(trx, before!);
    for (const prediction of predictions) {
      if (prediction.state === 'pending') await endPrediction(trx, prediction.id, neverCreated(), now());
    }
    changes.push(...(await finalizeIfDone(trx, generation.id, now())));
    return true;
  });
  if (!stopped) return false;
  for (const prediction of await predictionsOf(db, generation.id)) {
    if (prediction.replicate_id && !isTerminalPrediction(prediction.state)) await tracker.cancelUpstream(prediction);
    else if (!isTerminalPrediction(prediction.state)) {
      // Being created or reconciled: its job cancels it as soon as it has an upstream id.
      await scheduleTrack(db, { predictionId: prediction.id, poll: 0 }, 0);
    }
  }
  return true;
}

/** Best effort: a failure leaves the job to try again on its next run. */
export async function cancelUpstream(tracker: Tracker, prediction: PredictionRow): Promise<void> {
  if (!prediction.replicate_id) return;
  const { db, replicate, logger, settings } = tracker.deps;
  try {
    const upstream = await replicate.cancelPrediction(prediction.replicate_id);
    await tracker.applyUpstream(prediction, upstream);
  } catch (error) {
    if (!isReplicateError(error) && !(error instanceof DownloadError)) throw error;
    if (isInterruptedCall(error) || (error instanceof DownloadError && error.aborted)) {
      logger.debug({ predictionId: prediction.id }, 'cancel upstream stopped; the job retries');
    } else logger.warn({ err: error, predictionId: prediction.id }, 'cancel upstream failed; the job retries');
    await scheduleTrack(db, { predictionId: prediction.id, poll: 0 }, settings.poll.firstMs);
  }
}

/** When one prediction of a generation fails, the others are canceled rather than paid for. */
export async function cancelSiblings(tracker: Tracker, prediction: PredictionRow): Promise<void> {
  for (const sibling of await predictionsOf(tracker.deps.db, prediction.generation_id)) {
    if (sibling.id === prediction.id || isTerminalPrediction(sibling.state)) continue;
    if (sibling.replicate_id) await tracker.cancelUpstream(sibling);
    else if (sibling.state === 'pending') await endNeverCreated(tracker, sibling);
  }
}

export function endNeverCreated(tracker: Tracker, prediction: PredictionRow): Promise<void> {
  return tracker.endPrediction(prediction, neverCreated());
}
