/**
 * Creating a prediction exactly once. A second POST is a second paid prediction, so a create is
 * sent only by whoever wins `claimCreate`, and a create whose outcome is unknown — or whose
 * creator died mid-call — is reconciled first: recent predictions are listed and ours is
 * recognised by its webhook URL or by model and exact input in the creation window. Only when it
 * is provably absent is the create sent again. Replicate is never called inside a transaction.
 */
import {
  isInterruptedCall,
  isReplicateError,
  ReplicateAuthError,
  ReplicateCreateInterruptedError,
  ReplicateInsufficientCreditsError,
  ReplicateInvalidInputError,
  ReplicateNotFoundError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  TERMINAL_PREDICTION_STATUSES,
  type Prediction as Upstream,
  type PredictionTarget,
  type ReplicateError,
} from '../replicate/index.ts';
import { admittedRuleOf } from '../catalog/price-rule.ts';
import { scheduleTrack } from './jobs.ts';
import {
  claimCreate,
  markCreateUnknown,
  ownedReplicateIds,
  releaseCreate,
  type ClaimedPrediction,
  type Prediction,
} from './predictions-store.ts';
import { canonicalJson } from './request.ts';
import { cancelSiblings, endNeverCreated } from './stop.ts';
import { findGeneration, isTerminalGeneration } from './store.ts';
import type { CreateResult, Tracker } from './tracker-interface.ts';
import { adoptIn, applyProgressIn, type GenerationErrorCode } from './transitions.ts';

/** How far to look back for our prediction in Replicate's list: clocks differ. */
const RECONCILE_CLOCK_SKEW_MS = 5 * 60_000;
const RECONCILE_MAX_PAGES = 20;
const WEBHOOK_EVENTS = ['start', 'output', 'logs', 'completed'] as const;

/** What users read; Replicate's own words stay in the logs (a 401 is the operator's business). */
const REJECTION_MESSAGES: Partial<Record<GenerationErrorCode, string>> = {
  UPSTREAM_INSUFFICIENT_CREDITS: 'The Replicate account behind this gateway is out of credit.',
  UPSTREAM_UNAVAILABLE: 'Replicate could not run this generation.',
};

function rejectionCode(error: ReplicateError): GenerationErrorCode {
  if (error instanceof ReplicateInvalidInputError) return 'BAD_USER_INPUT';
  if (error instanceof ReplicateInsufficientCreditsError) return 'UPSTREAM_INSUFFICIENT_CREDITS';
  return 'UPSTREAM_UNAVAILABLE';
}

/**
 * Sends the create if this caller wins the right to (see `claimCreate`): the job's first run, or
 * a later one after a crash, a 429, or a reconciliation that proved the prediction absent.
 */
export async function create(
  tracker: Tracker,
  candidate: Prediction,
  from: readonly ('pending' | 'unknown')[],
): Promise<CreateResult> {
  const { db, liveness } = tracker.deps;
  const claimed = await claimCreate(db, candidate.id, from, liveness.instanceId);
  if (!claimed) return { kind: 'skipped' };
  const releaseLease = liveness.holdCreateLease(claimed.id);
  try {
    return await sendCreate(tracker, claimed);
  } finally {
    releaseLease();
  }
}

async function sendCreate(tracker: Tracker, claimed: ClaimedPrediction): Promise<CreateResult> {
  const { replicate, logger, settings, config, now } = tracker.deps;
  const secondsLeft = Math.ceil((claimed.deadline_at.getTime() - now().getTime()) / 1000);
  // A time-billed prediction may not run past the seconds its hold paid for (an upscale pass: the
  // upscaler's bound, kept in the generation's rule).
  const billedLimit = billedSecondsOf(claimed);
  const webhook = config.publicUrl
    ? `${config.publicUrl}/webhooks/replicate?generation=${claimed.generation_id}&prediction=${claimed.id}`
    : undefined;

  let upstream: Upstream;
  try {
    upstream = await replicate.createPrediction(predictionTargetOf(claimed.replicate_model), {
      input: claimed.input,
      ...(webhook ? { webhook, webhookEventsFilter: WEBHOOK_EVENTS } : {}),
      cancelAfter: Math.max(5, Math.min(billedLimit, secondsLeft + settings.cancelAfterGraceSeconds)),
      correlationId: claimed.id,
      // The claim is not the send: the create may wait in the upstream budget's queue, and a
      // cancel (or the deadline) committed meanwhile must not pay for a prediction.
      stillWanted: async () => {
        const generation = await findGeneration(tracker.deps.db, claimed.generation_id);
        return generation !== undefined && !isTerminalGeneration(generation.status);
      },
    });
  } catch (error) {
    return onCreateFailed(tracker, claimed, error);
  }

  const recorded = await tracker.transact(async (trx, changes) => {
    const row = await adoptIn(trx, claimed, upstream.id, changes, now());
    if (!row) return undefined;
    if (upstream.status === 'processing') changes.push(...(await applyProgressIn(trx, row, upstream, now())));
    await scheduleTrack(trx, { predictionId: row.id, poll: 0 }, tracker.schedule.firstMs);
    // A cancel committed while the create was in flight could not cancel what did not exist yet.
    const generation = await findGeneration(trx, row.generation_id);
    return { row, stopped: !generation || isTerminalGeneration(generation.status) };
  });
  if (!recorded) {
    logger.error({ predictionId: claimed.id, replicateId: upstream.id }, 'created prediction could not be recorded');
    return { kind: 'unknown' };
  }
  if (TERMINAL_PREDICTION_STATUSES.has(upstream.status)) await tracker.applyUpstream(recorded.row, upstream);
  if (recorded.stopped) await tracker.cancelUpstream(recorded.row);
  return { kind: 'created' };
}

/** The most seconds a prediction's hold paid for; unbounded for one billed per image. */
function billedSecondsOf(claimed: ClaimedPrediction): number {
  const rule = admittedRuleOf(claimed.price_rule);
  if (claimed.purpose === 'upscale') return rule?.upscale?.maxSeconds ?? Number.POSITIVE_INFINITY;
  if (claimed.purpose === 'generate' && rule?.kind === 'per_second') return rule.maxSeconds;
  return Number.POSITIVE_INFINITY;
}

async function onCreateFailed(tracker: Tracker, claimed: Prediction, error: unknown): Promise<CreateResult> {
  const { db, settings, logger } = tracker.deps;
  const now = tracker.deps.now();
  if (error instanceof ReplicateUnavailableError && error.reason === 'withdrawn') {
    // Its generation ended between the claim and the send: nothing was sent, nothing is owed.
    await endNeverCreated(tracker, claimed);
    return { kind: 'withdrawn' };
  }
  if (error instanceof ReplicateCreateInterruptedError) {
    // Stopped (shutdown) after the request may have left: a second POST could be a second paid
    // prediction, so the next run (here or on another instance) reconciles it first.
    await markCreateUnknown(db, claimed.id, now);
    await scheduleTrack(db, { predictionId: claimed.id, poll: 0 }, settings.reconcileRetryMs);
    logger.info({ predictionId: claimed.id }, 'create interrupted by shutdown; it will be reconciled');
    return { kind: 'unknown' };
  }
  if (isInterruptedCall(error)) {
    // Stopped (shutdown) before the request was sent: due again at once, for whichever worker.
    await releaseCreate(db, claimed.id, now);
    await scheduleTrack(db, { predictionId: claimed.id, poll: 0 }, 0);
    logger.debug({ predictionId: claimed.id }, 'create stopped before it was sent; queued again');
    return { kind: 'queued' };
  }
  if (error instanceof ReplicateRateLimitedError || error instanceof ReplicateUnavailableError) {
    // Provably nothing was created (the client only throws these for a create when so).
    await releaseCreate(db, claimed.id, now);
    const retryMs = (error.retryAfterSeconds ?? 0) * 1000 || settings.createRetryMs;
    await scheduleTrack(db, { predictionId: claimed.id, poll: 0 }, retryMs);
    logger.warn({ err: error, predictionId: claimed.id }, 'create refused before reaching Replicate; queued');
    return { kind: 'queued' };
  }
  if (
    error instanceof ReplicateInvalidInputError ||
    error instanceof ReplicateInsufficientCreditsError ||
    error instanceof ReplicateAuthError ||
    error instanceof ReplicateNotFoundError
  ) {
    const code = rejectionCode(error);
    await tracker.endPrediction(claimed, {
      state: 'failed',
      output: null,
      error: REJECTION_MESSAGES[code] ?? error.message,
      metrics: { failure_code: code },
      producedImages: 0,
    });
    if (code === 'UPSTREAM_UNAVAILABLE')
      logger.error({ err: error, predictionId: claimed.id }, 'Replicate refused a create');
    // Only a refused image generation ends its siblings; a refused follow-up step (background
    // removal, upscale) costs the generation a warning, not its other images.
    if (claimed.purpose === 'generate') await cancelSiblings(tracker, claimed);
    return { kind: 'rejected', error };
  }
  // Outcome unknown (or an unexpected failure around the call): never re-send blindly.
  if (!(error instanceof ReplicateOutcomeUnknownError)) {
    logger.error({ err: error, predictionId: claimed.id }, 'create failed unexpectedly; reconciling');
  }
  await markCreateUnknown(db, claimed.id, now);
  await scheduleTrack(db, { predictionId: claimed.id, poll: 0 }, settings.reconcileRetryMs);
  return { kind: 'unknown' };
}

/** A create's process is alive and still renewing its lease: its answer may yet come. */
export function creatorMayStillAnswer(tracker: Tracker, prediction: Prediction): Promise<boolean> {
  const { db, liveness, settings } = tracker.deps;
  return liveness.createInFlight(db, prediction, settings.creatingTimeoutMs);
}

/** Finds our prediction upstream after an unknown create; creates it only if provably absent. */
export async function reconcile(tracker: Tracker, prediction: Prediction, stopping: boolean): Promise<void> {
  const { db, replicate, settings, logger, now } = tracker.deps;
  const sentAt = prediction.create_started_at ?? prediction.created_at;
  const candidates: Upstream[] = [];
  try {
    for await (const page of replicate.listPredictionPages({
      createdAfter: new Date(sentAt.getTime() - RECONCILE_CLOCK_SKEW_MS),
      maxPages: RECONCILE_MAX_PAGES,
    })) {
      candidates.push(...page.predictions.filter((upstream) => isOurs(prediction, upstream)));
    }
  } catch (error) {
    if (!isReplicateError(error)) throw error;
    if (isInterruptedCall(error)) logger.debug({ predictionId: prediction.id }, 'reconcile stopped; will retry');
    else
      logger.warn({ err: error, predictionId: prediction.id }, 'could not list predictions to reconcile; will retry');
    await scheduleTrack(db, { predictionId: prediction.id, poll: 0 }, settings.reconcileRetryMs * 2);
    return;
  }
  const owned = await ownedReplicateIds(
    db,
    candidates.map((upstream) => upstream.id),
  );
  const found = candidates
    .filter((upstream) => !owned.has(upstream.id))
    .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''))[0];

  if (found) {
    let adopted: Prediction | undefined;
    try {
      adopted = await tracker.transact((trx, changes) => adoptIn(trx, prediction, found.id, changes, now()));
    } catch (error) {
      // Another row adopted the same upstream prediction a moment ago: look again.
      if ((error as { code?: string }).code !== '23505') throw error;
    }
    if (!adopted) {
      await scheduleTrack(db, { predictionId: prediction.id, poll: 0 }, settings.reconcileRetryMs);
      return;
    }
    logger.info({ predictionId: prediction.id, replicateId: found.id }, 'reconciled a create of unknown outcome');
    if (stopping) await tracker.cancelUpstream(adopted);
    else if (!(await tracker.applyUpstream(adopted, found))) {
      await scheduleTrack(db, { predictionId: prediction.id, poll: 0 }, tracker.schedule.firstMs);
    }
    return;
  }

  // Real time: create_started_at is database time, like Replicate's clock.
  const age = Date.now() - sentAt.getTime();
  if (age < settings.reconcileSettleMs) {
    await scheduleTrack(db, { predictionId: prediction.id, poll: 0 }, settings.reconcileSettleMs - age);
    return;
  }
  if (stopping) {
    await endNeverCreated(tracker, prediction);
    return;
  }
  logger.warn({ predictionId: prediction.id }, 'create of unknown outcome is not upstream; creating it again');
  await tracker.create(prediction, ['unknown']);
}

/**
 * A prediction row names `owner/name` (an official model, run by name) or `owner/name:version` (a
 * pinned version, run through `POST /v1/predictions` with `version`).
 */
function predictionTargetOf(replicateRef: string): PredictionTarget & { readonly name: string } {
  const [name = replicateRef, version] = replicateRef.split(':');
  return version ? { version, name } : { model: name, name };
}

/** Ours: our webhook URL names it, or same model (and version) and exact input, created after we sent. */
function isOurs(prediction: Prediction, upstream: Upstream): boolean {
  const webhook = (upstream as { webhook?: unknown }).webhook;
  if (typeof webhook === 'string' && webhook.includes(`prediction=${prediction.id}`)) return true;
  const target = predictionTargetOf(prediction.replicate_model);
  if (upstream.model !== target.name || upstream.input === null) return false;
  if ('version' in target && upstream.version !== target.version) return false;
  const sentAt = (prediction.create_started_at ?? prediction.created_at).getTime();
  const createdAt = upstream.created_at ? Date.parse(upstream.created_at) : Number.NaN;
  if (Number.isFinite(createdAt) && createdAt < sentAt - RECONCILE_CLOCK_SKEW_MS) return false;
  return canonicalJson(upstream.input) === canonicalJson(prediction.input);
}
