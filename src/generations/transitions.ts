/**
 * The state machine of a generation and its predictions, inside a caller's transaction (the
 * job's, a webhook's, a cancel's): progress, failures, adopting an upstream id, and — when the
 * last prediction has ended — the generation's outcome and its money, settled through billing's
 * `settleGenerationHold`. Each step is a conditional UPDATE in the stores; a replay or an older
 * event changes nothing. Returns the generation changes to publish after commit (`transact.ts`).
 */
import { findModel, findModelByReplicateName, type ModelSpec } from '../catalog/models.ts';
import type { Executor } from '../db/index.ts';
import type { GenerationErrorCode, PredictionRow } from '../db/types.ts';
import { settleGenerationHold } from '../billing/holds.ts';
import { parseProgressPercent, type Prediction as Upstream } from '../replicate/index.ts';
import { recordWarningIn, settledCostOf, warningIn } from './chain.ts';

import { printPercent, printTargetOf } from './print-steps.ts';
import {
  adoptReplicateId,
  advancePrediction,
  endPrediction,
  findPrediction,
  isTerminalPrediction,
  predictionsOf,
  type Prediction,
  type PredictionEnd,
} from './predictions-store.ts';
import {
  advanceGeneration,
  endGeneration,
  isTerminalGeneration,
  lockGeneration,
  recordCost,
  type Generation,
  type GenerationChange,
  type TerminalOutcome,
} from './store.ts';
import type { ChangeLog } from './transact.ts';
import { phasedProgress } from './transparency.ts';

/** Codes in `Generation.error.code` (the column's type, `db/types.ts`). */
export type { GenerationErrorCode };

const MAX_ERROR_MESSAGE = 500;

export const TIMEOUT_OUTCOME: TerminalOutcome = {
  status: 'FAILED',
  errorCode: 'TIMEOUT',
  errorMessage: 'The generation did not finish before its deadline.',
};

export function modelOf(generation: Pick<Generation, 'model_id'>): ModelSpec {
  const model = findModel(generation.model_id);
  if (!model) throw new Error(`generation uses unknown model ${generation.model_id}`);
  return model;
}

/** How a prediction that was never sent ends (a cancel or the deadline came first). */
export function neverCreated(): PredictionEnd {
  return { state: 'canceled', output: null, error: null, metrics: null, producedImages: 0 };
}

function clip(text: string): string {
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE - 1)}…` : text;
}

function failureCodeOf(prediction: PredictionRow): GenerationErrorCode | null {
  const code = prediction.metrics?.failure_code;
  return typeof code === 'string' ? (code as GenerationErrorCode) : null;
}

/** How an upstream failure reads to the user. */
function classifyModelFailure(error: string | null): { code: GenerationErrorCode; message: string } {
  const text = error ?? 'The model failed without a message.';
  if (/nsfw|sensitive|safety|flagged/i.test(text)) return { code: 'CONTENT_FILTERED', message: clip(text) };
  return { code: 'MODEL_FAILED', message: clip(text) };
}

/**
 * The generation's outcome once every prediction has ended (unless a cancel or timeout set it),
 * judged on the predictions that make its images: a failed background removal or print step does
 * not fail it (see `warningIn`).
 */
function outcomeOf(all: readonly Prediction[]): TerminalOutcome {
  const predictions = all.filter((prediction) => prediction.purpose === 'generate');
  const unsuccessful = predictions.find((prediction) => prediction.state !== 'succeeded');
  if (!unsuccessful) return { status: 'SUCCEEDED', errorCode: null, errorMessage: null };
  const failed = predictions.find((prediction) => prediction.state === 'failed') ?? unsuccessful;
  if (failed.state === 'failed') {
    const code = failureCodeOf(failed);
    if (code) return { status: 'FAILED', errorCode: code, errorMessage: failed.error ?? 'The generation failed.' };
    const classified = classifyModelFailure(failed.error);
    return { status: 'FAILED', errorCode: classified.code, errorMessage: classified.message };
  }
  // Aborted, or canceled upstream without our asking: only Cancel-After does that.
  return TIMEOUT_OUTCOME;
}

/** starting/processing and log progress; a replay or an older event changes nothing. */
export async function applyProgressIn(
  trx: Executor,
  prediction: PredictionRow,
  upstream: Upstream,
  now: Date,
): Promise<ChangeLog> {
  if (upstream.status !== 'starting' && upstream.status !== 'processing') return [];
  const generation = await lockGeneration(trx, prediction.generation_id);
  if (!generation) return [];
  // The prediction's own model: a background removal logs no percentages, whatever made the image.
  const logStyle = findModelByReplicateName(prediction.replicate_model)?.logStyle ?? modelOf(generation).logStyle;
  const percent = logStyle === 'tqdm' ? parseProgressPercent(upstream.logs) : null;
  const moved = await advancePrediction(trx, prediction.id, upstream.status, percent, now);
  if (!moved) return [];
  return [await advanceGenerationIn(trx, generation, now)];
}

/** failed, canceled, aborted: ends the prediction and, with its last sibling, the generation. */
export async function applyFailureIn(
  trx: Executor,
  prediction: PredictionRow,
  upstream: Upstream,
  now: Date,
): Promise<ChangeLog> {
  if (upstream.status !== 'failed' && upstream.status !== 'canceled' && upstream.status !== 'aborted') return [];
  const end = { state: upstream.status, output: null, error: upstream.error, metrics: upstream.metrics };
  return endPredictionIn(trx, prediction, { ...end, producedImages: 0 }, now);
}

/**
 * Attaches the upstream id to a prediction whose create was in flight or unknown (the
 * generation becomes STARTING); returns the row when it now carries `replicateId`.
 */
export async function adoptIn(
  trx: Executor,
  prediction: Prediction,
  replicateId: string,
  changes: ChangeLog,
  now: Date,
): Promise<Prediction | undefined> {
  if (prediction.replicate_id) return prediction.replicate_id === replicateId ? prediction : undefined;
  const generation = await lockGeneration(trx, prediction.generation_id);
  const adopted = await adoptReplicateId(trx, prediction.id, replicateId, now);
  if (!adopted) {
    // Adopted meanwhile (a webhook can beat the create's answer): fine if it is the same one.
    const current = await findPrediction(trx, prediction.id);
    return current?.replicate_id === replicateId ? current : undefined;
  }
  if (generation) changes.push(await advanceGenerationIn(trx, generation, now));
  return adopted;
}

async function advanceGenerationIn(trx: Executor, generation: Generation, now: Date): Promise<GenerationChange | null> {
  const predictions = await predictionsOf(trx, generation.id);
  const model = modelOf(generation);
  const running = predictions.some((p) => p.state === 'processing' || p.state === 'succeeded');
  const started = running || predictions.some((p) => p.state === 'starting');
  if (!started) return null;
  // Aggregated over the predictions, mapped across the phases of a transparent generation; never
  // 100 here: that means "done and stored", and a finished bar still has outputs to download.
  const steps = predictions.map((p) => ({
    purpose: p.purpose,
    imageCount: p.image_count,
    state: p.state,
    percent: p.percent,
  }));
  const phased = phasedProgress(steps, {
    logged: model.logStyle === 'tqdm',
    transparent: generation.transparent_background,
  }).percent;
  // A print generation goes on to its upscale passes and files (`print-steps.ts`).
  const percent = printTargetOf(generation) ? printPercent(phased, steps) : phased;
  return advanceGeneration(trx, generation.id, running ? 'PROCESSING' : 'STARTING', percent, now);
}

/**
 * With every prediction ended: ends the generation (unless a cancel or the deadline already
 * did) and settles the hold at price × images produced — or releases it when none were. The
 * generation row is locked first, so the last two predictions ending at once cannot both
 * conclude "a sibling is still running".
 */
export async function finalizeIfDone(trx: Executor, generationId: string, now: Date): Promise<ChangeLog> {
  const generation = await lockGeneration(trx, generationId);
  if (!generation) return [];
  const predictions = await predictionsOf(trx, generationId);
  if (predictions.some((prediction) => !isTerminalPrediction(prediction.state))) {
    return isTerminalGeneration(generation.status) ? [] : [await advanceGenerationIn(trx, generation, now)];
  }
  const changes: ChangeLog = [];
  if (!isTerminalGeneration(generation.status)) {
    const outcome = outcomeOf(predictions);
    const warning = outcome.status === 'SUCCEEDED' ? await warningIn(trx, generation, predictions) : null;
    if (warning) await recordWarningIn(trx, generationId, warning, now);
    changes.push(await endGeneration(trx, generationId, outcome, now));
  }
  if (generation.cost_micros === null) {
    // Each step at its own price (a background removal is priced apart from the image).
    const actual = settledCostOf(generation, predictions);
    const cost = await settleGenerationHold(
      trx,
      generationId,
      actual,
      now,
      `generation ${generation.status.toLowerCase()}`,
    );
    if (cost !== null) changes.push(await recordCost(trx, generationId, cost, now));
  }
  return changes;
}

/** Ends a prediction and, with its last sibling, the generation (the caller's transaction). */
export async function endPredictionIn(
  trx: Executor,
  prediction: PredictionRow,
  end: PredictionEnd,
  now: Date,
): Promise<ChangeLog> {
  await lockGeneration(trx, prediction.generation_id);
  const ended = await endPrediction(trx, prediction.id, end, now);
  return ended ? finalizeIfDone(trx, prediction.generation_id, now) : [];
}
