/**
 * The life of each upstream prediction: create it (once), follow it, store its outputs, end it,
 * and settle the generation's money when its last prediction ends.
 *
 * Many actors touch a prediction — the request that created the generation, its durable job,
 * webhooks, a user's cancel, the deadline check, a sweep after a crash — possibly on several
 * instances. None of them coordinates through memory: each transition is a conditional UPDATE in
 * `store.ts` and whoever does not win it does nothing. Replicate is never called inside a
 * transaction.
 *
 * Creating is the one step that cannot be repeated blindly (a second POST is a second paid
 * prediction). A create whose outcome is unknown — or whose creator died mid-call — is reconciled
 * first: recent predictions are listed and ours is recognised by its webhook URL or by model and
 * exact input in the creation window. Only when it is provably absent is the create sent again.
 */
import { createHash } from 'node:crypto';
import { findModel, findModelByReplicateName, type ModelSpec } from '../catalog/models.ts';
import type { Config } from '../config.ts';
import type { Db, Executor } from '../db/index.ts';
import type { PredictionRow } from '../db/types.ts';
import { settleGenerationHold } from '../billing/holds.ts';
import type { Logger } from '../logger.ts';
import {
  isReplicateError,
  parseProgressPercent,
  ReplicateAuthError,
  ReplicateInsufficientCreditsError,
  ReplicateInvalidInputError,
  ReplicateNotFoundError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  TERMINAL_PREDICTION_STATUSES,
  type Prediction as Upstream,
  type ReplicateClient,
  type ReplicateError,
} from '../replicate/index.ts';
import { DownloadError, IMAGE_EXTENSIONS, type Downloader, type ImageStorage } from '../storage/index.ts';
import { chainRemovalsIn, recordWarningIn, settledCostOf, warningOf } from './chain.ts';
import type { GenerationEvents } from './events.ts';
import { scheduleTrack, type TrackPayload } from './jobs.ts';
import type { Liveness } from './liveness.ts';
import { canonicalJson } from './request.ts';
import { imagePositionOfRemoval, phasedProgress } from './transparency.ts';
import {
  adoptReplicateId,
  advanceGeneration,
  advancePrediction,
  claimCreate,
  endGeneration,
  endPrediction,
  findGeneration,
  findPrediction,
  insertImages,
  isTerminalGeneration,
  isTerminalPrediction,
  lockGeneration,
  markCreateUnknown,
  ownedReplicateIds,
  predictionsOf,
  recordCost,
  releaseCreate,
  type Generation,
  type GenerationChange,
  type NewImageRow,
  type Prediction,
  type PredictionEnd,
  type TerminalOutcome,
} from './store.ts';

/** Codes in `Generation.error.code`. */
export type GenerationErrorCode =
  | 'TIMEOUT'
  | 'MODEL_FAILED'
  | 'CONTENT_FILTERED'
  | 'BAD_USER_INPUT'
  | 'UPSTREAM_INSUFFICIENT_CREDITS'
  | 'UPSTREAM_UNAVAILABLE'
  | 'OUTPUT_UNAVAILABLE';

export interface PollSchedule {
  readonly firstMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

export interface TrackerSettings {
  /** The seed's schedule: 1 s, ×1.5, capped at 5 s. */
  readonly poll: PollSchedule;
  /** With webhooks the poll is only a safety net. */
  readonly webhookPoll: PollSchedule;
  /** Added to the deadline in `Cancel-After`: our own deadline check should act first. */
  readonly cancelAfterGraceSeconds: number;
  /** Before concluding a create never happened, give the listing this long to show it. */
  readonly reconcileSettleMs: number;
  /** How soon to look again at a create whose outcome is unknown or whose creator is alive. */
  readonly reconcileRetryMs: number;
  /** A create that made nothing (429, unreachable) is retried after this, or its Retry-After. */
  readonly createRetryMs: number;
  /**
   * A create's lease (renewed with each heartbeat while the call is in flight) lapses after this:
   * then its creator died or lost the answer, and the prediction is reconciled.
   */
  readonly creatingTimeoutMs: number;
  /** Transient output-download failures are retried this many times before giving up. */
  readonly maxPersistAttempts: number;
  /** A chained background removal's job sends its create if the chaining caller has not by then (15 s). */
  readonly removalHandoffMs?: number;
}

export interface TrackerDependencies {
  readonly db: Db;
  readonly config: Config;
  readonly replicate: ReplicateClient;
  readonly storage: ImageStorage;
  readonly downloader: Downloader;
  readonly events: GenerationEvents;
  readonly liveness: Liveness;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly settings: TrackerSettings;
}

/** Generation changes made inside a transaction, published after it commits. */
export type ChangeLog = Array<GenerationChange | null>;

export type CreateResult =
  | { readonly kind: 'created' }
  | { readonly kind: 'queued' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'rejected'; readonly error: ReplicateError };

/** How far to look back for our prediction in Replicate's list: clocks differ. */
const RECONCILE_CLOCK_SKEW_MS = 5 * 60_000;
const RECONCILE_MAX_PAGES = 20;
const WEBHOOK_EVENTS = ['start', 'output', 'logs', 'completed'] as const;
const MAX_ERROR_MESSAGE = 500;

export function nextPollDelayMs(schedule: PollSchedule, poll: number): number {
  return Math.min(schedule.maxMs, schedule.firstMs * schedule.factor ** poll);
}

export function outputUrls(output: unknown): string[] {
  if (typeof output === 'string') return [output];
  if (Array.isArray(output)) return output.filter((entry): entry is string => typeof entry === 'string');
  return [];
}

function modelOf(generation: Pick<Generation, 'model_id'>): ModelSpec {
  const model = findModel(generation.model_id);
  if (!model) throw new Error(`generation uses unknown model ${generation.model_id}`);
  return model;
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
 * The generation's outcome once every prediction has ended (unless a cancel or timeout set it),
 * judged on the predictions that make its images: a failed background removal does not fail it
 * (see `warningOf`).
 */
function outcomeOf(all: readonly Prediction[]): TerminalOutcome {
  const predictions = all.filter((prediction) => prediction.purpose !== 'remove_background');
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
  return { status: 'FAILED', errorCode: 'TIMEOUT', errorMessage: 'The generation did not finish before its deadline.' };
}

export class PredictionTracker {
  constructor(private readonly deps: TrackerDependencies) {}

  private get db(): Db {
    return this.deps.db;
  }

  private get schedule(): PollSchedule {
    return this.deps.config.publicUrl ? this.deps.settings.webhookPoll : this.deps.settings.poll;
  }

  // ── the job ────────────────────────────────────────────────────────────────────────────────

  /** One run of a prediction's durable job: move it one step on and schedule the next run. */
  async runJob(payload: TrackPayload): Promise<void> {
    const prediction = await findPrediction(this.db, payload.predictionId);
    if (!prediction) return;
    let generation = await findGeneration(this.db, prediction.generation_id);
    if (!generation) return;

    if (isTerminalPrediction(prediction.state)) {
      // Ended already; make sure the generation caught up (idempotent).
      await this.transact(async (trx, changes) => {
        changes.push(...(await this.finalizeIfDone(trx, prediction.generation_id)));
      });
      return;
    }
    if (!isTerminalGeneration(generation.status) && this.deps.now() >= generation.deadline_at) {
      await this.stopGeneration(generation, {
        status: 'FAILED',
        errorCode: 'TIMEOUT',
        errorMessage: 'The generation did not finish before its deadline.',
      });
      generation = (await findGeneration(this.db, generation.id)) ?? generation;
    }
    const stopping = isTerminalGeneration(generation.status);

    switch (prediction.state) {
      case 'pending':
        if (stopping) await this.endNeverCreated(prediction);
        else await this.create(prediction, ['pending']);
        return;
      case 'creating':
        if (await this.creatorMayStillAnswer(prediction)) {
          await scheduleTrack(this.db, { ...payload, poll: 0 }, this.deps.settings.reconcileRetryMs);
          return;
        }
        // Its creator died or lost the answer. (If the state moved meanwhile, the creator finished.)
        if (await markCreateUnknown(this.db, prediction.id, this.deps.now())) {
          await this.reconcile({ ...prediction, state: 'unknown' }, stopping);
        }
        return;
      case 'unknown':
        await this.reconcile(prediction, stopping);
        return;
      default:
        await this.poll(prediction, payload, stopping);
    }
  }

  private async poll(prediction: Prediction, payload: TrackPayload, stopping: boolean): Promise<void> {
    const replicateId = prediction.replicate_id;
    if (!replicateId) return;
    let upstream: Upstream;
    try {
      upstream = stopping
        ? await this.deps.replicate.cancelPrediction(replicateId)
        : await this.deps.replicate.getPrediction(replicateId);
    } catch (error) {
      if (!isReplicateError(error)) throw error;
      if (error instanceof ReplicateNotFoundError) {
        // Replicate no longer knows it (or never did): nothing more will happen to it.
        await this.endPrediction(prediction, {
          state: 'failed',
          output: null,
          error: 'Replicate no longer has this prediction.',
          metrics: { failure_code: 'UPSTREAM_UNAVAILABLE' },
          producedImages: 0,
        });
        return;
      }
      this.deps.logger.warn({ err: error, predictionId: prediction.id }, 'could not read a prediction; will retry');
      await this.scheduleNextPoll(payload);
      return;
    }
    if (!(await this.applyUpstream(prediction, upstream, payload))) await this.scheduleNextPoll(payload);
  }

  private scheduleNextPoll(payload: TrackPayload): Promise<void> {
    return scheduleTrack(this.db, { ...payload, poll: payload.poll + 1 }, nextPollDelayMs(this.schedule, payload.poll));
  }

  /**
   * Applies what Replicate says about a prediction (from a poll, a create or cancel answer).
   * Returns true when the prediction has ended (or its end is being retried by the job).
   */
  async applyUpstream(prediction: PredictionRow, upstream: Upstream, payload?: TrackPayload): Promise<boolean> {
    switch (upstream.status) {
      case 'starting':
      case 'processing':
        await this.transact(async (trx, changes) => {
          changes.push(...(await this.applyProgressIn(trx, prediction, upstream)));
        });
        return false;
      case 'succeeded':
        await this.completeSuccess(prediction, upstream, payload ?? { predictionId: prediction.id, poll: 0 });
        return true;
      default:
        await this.transact(async (trx, changes) => {
          changes.push(...(await this.applyFailureIn(trx, prediction, upstream)));
        });
        return true;
    }
  }

  // ── transitions inside a caller's transaction (shared with webhooks) ─────────────────────

  /** starting/processing and log progress; a replay or an older event changes nothing. */
  async applyProgressIn(trx: Executor, prediction: PredictionRow, upstream: Upstream): Promise<ChangeLog> {
    if (upstream.status !== 'starting' && upstream.status !== 'processing') return [];
    const generation = await findGeneration(trx, prediction.generation_id);
    if (!generation) return [];
    // The prediction's own model: a background removal logs no percentages, whatever made the image.
    const logStyle = findModelByReplicateName(prediction.replicate_model)?.logStyle ?? modelOf(generation).logStyle;
    const percent = logStyle === 'tqdm' ? parseProgressPercent(upstream.logs) : null;
    const moved = await advancePrediction(trx, prediction.id, upstream.status, percent, this.deps.now());
    if (!moved) return [];
    return [await this.advanceGenerationIn(trx, generation)];
  }

  /** failed, canceled, aborted: ends the prediction and, with its last sibling, the generation. */
  async applyFailureIn(trx: Executor, prediction: PredictionRow, upstream: Upstream): Promise<ChangeLog> {
    if (upstream.status !== 'failed' && upstream.status !== 'canceled' && upstream.status !== 'aborted') return [];
    const ended = await endPrediction(
      trx,
      prediction.id,
      {
        state: upstream.status,
        output: null,
        error: upstream.error,
        metrics: upstream.metrics,
        producedImages: 0,
      },
      this.deps.now(),
    );
    if (!ended) return [];
    return this.finalizeIfDone(trx, prediction.generation_id);
  }

  /**
   * Attaches the upstream id to a prediction whose create was in flight or unknown (the
   * generation becomes STARTING); returns the row when it now carries `replicateId`.
   */
  async adoptIn(
    trx: Executor,
    prediction: Prediction,
    replicateId: string,
    changes: ChangeLog,
  ): Promise<Prediction | undefined> {
    if (prediction.replicate_id) return prediction.replicate_id === replicateId ? prediction : undefined;
    const adopted = await adoptReplicateId(trx, prediction.id, replicateId, this.deps.now());
    if (!adopted) {
      // Adopted meanwhile (a webhook can beat the create's answer): fine if it is the same one.
      const current = await findPrediction(trx, prediction.id);
      return current?.replicate_id === replicateId ? current : undefined;
    }
    const generation = await findGeneration(trx, adopted.generation_id);
    if (generation) changes.push(await this.advanceGenerationIn(trx, generation));
    return adopted;
  }

  private async advanceGenerationIn(trx: Executor, generation: Generation): Promise<GenerationChange | null> {
    const predictions = await predictionsOf(trx, generation.id);
    const model = modelOf(generation);
    const running = predictions.some((p) => p.state === 'processing' || p.state === 'succeeded');
    const started = running || predictions.some((p) => p.state === 'starting');
    if (!started) return null;
    // Aggregated over the predictions, mapped across the phases of a transparent generation; never
    // 100 here: that means "done and stored", and a finished bar still has outputs to download.
    const { percent } = phasedProgress(
      predictions.map((p) => ({ purpose: p.purpose, imageCount: p.image_count, state: p.state, percent: p.percent })),
      { logged: model.logStyle === 'tqdm', transparent: generation.transparent_background },
    );
    return advanceGeneration(trx, generation.id, running ? 'PROCESSING' : 'STARTING', percent, this.deps.now());
  }

  /**
   * With every prediction ended: ends the generation (unless a cancel or the deadline already
   * did) and settles the hold at price × images produced — or releases it when none were. The
   * generation row is locked first, so the last two predictions ending at once cannot both
   * conclude "a sibling is still running".
   */
  async finalizeIfDone(trx: Executor, generationId: string): Promise<ChangeLog> {
    const generation = await lockGeneration(trx, generationId);
    if (!generation) return [];
    const predictions = await predictionsOf(trx, generationId);
    if (predictions.some((prediction) => !isTerminalPrediction(prediction.state))) {
      return isTerminalGeneration(generation.status) ? [] : [await this.advanceGenerationIn(trx, generation)];
    }
    const now = this.deps.now();
    const changes: ChangeLog = [];
    if (!isTerminalGeneration(generation.status)) {
      const outcome = outcomeOf(predictions);
      const warning = outcome.status === 'SUCCEEDED' ? warningOf(predictions) : null;
      if (warning) await recordWarningIn(trx, generationId, warning, now);
      changes.push(await endGeneration(trx, generationId, outcome, now));
    }
    if (generation.cost_micros === null) {
      // Each step that ran at its own price (a background removal is priced apart from the image).
      const perImage = Math.round(generation.estimated_cost_micros / generation.image_count);
      const actual = settledCostOf(predictions, generation.estimated_cost_micros, perImage);
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

  // ── creating ───────────────────────────────────────────────────────────────────────────────

  /**
   * Sends the create if this caller wins the right to (see `claimCreate`). Used by the request
   * (so the response can say STARTING) and by the job (after a crash, a 429, or a reconciliation
   * that proved the prediction absent).
   */
  async create(candidate: Prediction, from: readonly ('pending' | 'unknown')[]): Promise<CreateResult> {
    const claimed = await claimCreate(this.db, candidate.id, from, this.deps.liveness.instanceId);
    if (!claimed) return { kind: 'skipped' };
    const releaseLease = this.deps.liveness.holdCreateLease(claimed.id);
    try {
      return await this.sendCreate(claimed);
    } finally {
      releaseLease();
    }
  }

  private async sendCreate(claimed: Prediction & { deadline_at: Date }): Promise<CreateResult> {
    const { replicate, logger, settings, config } = this.deps;
    const secondsLeft = Math.ceil((claimed.deadline_at.getTime() - this.deps.now().getTime()) / 1000);
    const webhook = config.publicUrl
      ? `${config.publicUrl}/webhooks/replicate?generation=${claimed.generation_id}&prediction=${claimed.id}`
      : undefined;

    let upstream: Upstream;
    try {
      upstream = await replicate.createPrediction(
        { model: claimed.replicate_model },
        {
          input: claimed.input,
          ...(webhook ? { webhook, webhookEventsFilter: WEBHOOK_EVENTS } : {}),
          cancelAfter: Math.max(5, secondsLeft + settings.cancelAfterGraceSeconds),
          correlationId: claimed.id,
        },
      );
    } catch (error) {
      return this.onCreateFailed(claimed, error);
    }

    const recorded = await this.transact(async (trx, changes) => {
      const row = await this.adoptIn(trx, claimed, upstream.id, changes);
      if (!row) return undefined;
      if (upstream.status === 'processing') changes.push(...(await this.applyProgressIn(trx, row, upstream)));
      await scheduleTrack(trx, { predictionId: row.id, poll: 0 }, this.schedule.firstMs);
      // A cancel committed while the create was in flight could not cancel what did not exist yet.
      const generation = await findGeneration(trx, row.generation_id);
      return { row, stopped: !generation || isTerminalGeneration(generation.status) };
    });
    if (!recorded) {
      logger.error({ predictionId: claimed.id, replicateId: upstream.id }, 'created prediction could not be recorded');
      return { kind: 'unknown' };
    }
    if (TERMINAL_PREDICTION_STATUSES.has(upstream.status)) await this.applyUpstream(recorded.row, upstream);
    if (recorded.stopped) await this.cancelUpstream(recorded.row);
    return { kind: 'created' };
  }

  private async onCreateFailed(claimed: Prediction, error: unknown): Promise<CreateResult> {
    const { settings, logger } = this.deps;
    const now = this.deps.now();
    if (error instanceof ReplicateRateLimitedError || error instanceof ReplicateUnavailableError) {
      // Provably nothing was created (the client only throws these for a create when so).
      await releaseCreate(this.db, claimed.id, now);
      const retryMs = (error.retryAfterSeconds ?? 0) * 1000 || settings.createRetryMs;
      await scheduleTrack(this.db, { predictionId: claimed.id, poll: 0 }, retryMs);
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
      await this.endPrediction(claimed, {
        state: 'failed',
        output: null,
        error: REJECTION_MESSAGES[code] ?? error.message,
        metrics: { failure_code: code },
        producedImages: 0,
      });
      if (code === 'UPSTREAM_UNAVAILABLE')
        logger.error({ err: error, predictionId: claimed.id }, 'Replicate refused a create');
      // A refused background removal costs the generation a warning, not its other images.
      if (claimed.purpose !== 'remove_background') await this.cancelSiblings(claimed);
      return { kind: 'rejected', error };
    }
    // Outcome unknown (or an unexpected failure around the call): never re-send blindly.
    if (!(error instanceof ReplicateOutcomeUnknownError)) {
      logger.error({ err: error, predictionId: claimed.id }, 'create failed unexpectedly; reconciling');
    }
    await markCreateUnknown(this.db, claimed.id, now);
    await scheduleTrack(this.db, { predictionId: claimed.id, poll: 0 }, settings.reconcileRetryMs);
    return { kind: 'unknown' };
  }

  private creatorMayStillAnswer(prediction: Prediction): Promise<boolean> {
    return this.deps.liveness.createInFlight(this.db, prediction, this.deps.settings.creatingTimeoutMs);
  }

  /** Finds our prediction upstream after an unknown create; creates it only if provably absent. */
  private async reconcile(prediction: Prediction, stopping: boolean): Promise<void> {
    const { replicate, settings, logger } = this.deps;
    const sentAt = prediction.create_started_at ?? prediction.created_at;
    const candidates: Upstream[] = [];
    try {
      for await (const page of replicate.listPredictionPages({
        createdAfter: new Date(sentAt.getTime() - RECONCILE_CLOCK_SKEW_MS),
        maxPages: RECONCILE_MAX_PAGES,
      })) {
        candidates.push(...page.predictions.filter((upstream) => this.isOurs(prediction, upstream)));
      }
    } catch (error) {
      if (!isReplicateError(error)) throw error;
      logger.warn({ err: error, predictionId: prediction.id }, 'could not list predictions to reconcile; will retry');
      await scheduleTrack(this.db, { predictionId: prediction.id, poll: 0 }, settings.reconcileRetryMs * 2);
      return;
    }
    const owned = await ownedReplicateIds(
      this.db,
      candidates.map((upstream) => upstream.id),
    );
    const found = candidates
      .filter((upstream) => !owned.has(upstream.id))
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''))[0];

    if (found) {
      let adopted: Prediction | undefined;
      try {
        adopted = await this.transact((trx, changes) => this.adoptIn(trx, prediction, found.id, changes));
      } catch (error) {
        // Another row adopted the same upstream prediction a moment ago: look again.
        if ((error as { code?: string }).code !== '23505') throw error;
      }
      if (!adopted) {
        await scheduleTrack(this.db, { predictionId: prediction.id, poll: 0 }, settings.reconcileRetryMs);
        return;
      }
      logger.info({ predictionId: prediction.id, replicateId: found.id }, 'reconciled a create of unknown outcome');
      if (stopping) await this.cancelUpstream(adopted);
      else if (!(await this.applyUpstream(adopted, found))) {
        await scheduleTrack(this.db, { predictionId: prediction.id, poll: 0 }, this.schedule.firstMs);
      }
      return;
    }

    // Real time: create_started_at is database time, like Replicate's clock.
    const age = Date.now() - sentAt.getTime();
    if (age < settings.reconcileSettleMs) {
      await scheduleTrack(this.db, { predictionId: prediction.id, poll: 0 }, settings.reconcileSettleMs - age);
      return;
    }
    if (stopping) {
      await this.endNeverCreated(prediction);
      return;
    }
    logger.warn({ predictionId: prediction.id }, 'create of unknown outcome is not upstream; creating it again');
    await this.create(prediction, ['unknown']);
  }

  /** Ours: our webhook URL names it, or same model and exact input, created after we sent. */
  private isOurs(prediction: Prediction, upstream: Upstream): boolean {
    const webhook = (upstream as { webhook?: unknown }).webhook;
    if (typeof webhook === 'string' && webhook.includes(`prediction=${prediction.id}`)) return true;
    if (upstream.model !== prediction.replicate_model || upstream.input === null) return false;
    const sentAt = (prediction.create_started_at ?? prediction.created_at).getTime();
    const createdAt = upstream.created_at ? Date.parse(upstream.created_at) : Number.NaN;
    if (Number.isFinite(createdAt) && createdAt < sentAt - RECONCILE_CLOCK_SKEW_MS) return false;
    return canonicalJson(upstream.input) === canonicalJson(prediction.input);
  }

  // ── outputs ────────────────────────────────────────────────────────────────────────────────

  /** Stores every output, then ends the prediction: SUCCEEDED is only ever shown with images. */
  private async completeSuccess(prediction: PredictionRow, upstream: Upstream, payload: TrackPayload): Promise<void> {
    const generation = await findGeneration(this.db, prediction.generation_id);
    if (!generation) return;
    const urls = outputUrls(upstream.output);
    const reported = upstream.metrics?.image_count;
    const produced = typeof reported === 'number' && Number.isInteger(reported) ? reported : urls.length;
    const lost = (reason: string) =>
      this.endPrediction(prediction, {
        state: 'failed',
        output: null,
        error: `The images could not be stored: ${reason}.`,
        metrics: { ...(upstream.metrics ?? {}), failure_code: 'OUTPUT_UNAVAILABLE' },
        producedImages: produced,
      });
    if (urls.length === 0) {
      await lost(upstream.data_removed ? 'Replicate already deleted them' : 'the model returned no image');
      return;
    }

    let images: NewImageRow[];
    try {
      images = await this.storeOutputs(generation, prediction, urls);
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      const attempt = (payload.persistAttempt ?? 0) + 1;
      if (error.permanent || attempt >= this.deps.settings.maxPersistAttempts) {
        await lost(error.message);
        return;
      }
      this.deps.logger.warn({ err: error, predictionId: prediction.id, attempt }, 'storing outputs failed; retrying');
      await scheduleTrack(this.db, { ...payload, persistAttempt: attempt }, 1000 * 2 ** attempt);
      return;
    }

    const removals = await this.transact(async (trx, changes) => {
      await insertImages(trx, images);
      const ended = await endPrediction(
        trx,
        prediction.id,
        {
          state: 'succeeded',
          output: upstream.output,
          error: null,
          metrics: upstream.metrics,
          producedImages: produced,
        },
        this.deps.now(),
      );
      if (!ended) return [];
      // A transparent generation's images go on to background removal, chained in this same
      // transaction: the generation cannot end (or settle) before its second phase has.
      const chained =
        prediction.purpose === 'generate' && generation.transparent_background
          ? await chainRemovalsIn(
              trx,
              generation.id,
              urls,
              images.map((image) => image.position),
              this.deps.now(),
              this.deps.settings.removalHandoffMs ?? 15_000,
              changes,
            )
          : [];
      changes.push(...(await this.finalizeIfDone(trx, generation.id)));
      return chained;
    });
    // Outside the transaction, as every create; their jobs send them if this process cannot.
    await Promise.all(removals.map((removal) => this.create(removal, ['pending'])));
  }

  private async storeOutputs(generation: Generation, prediction: PredictionRow, urls: readonly string[]) {
    const model = modelOf(generation);
    // A background removal stores the transparent version of the image it was chained for.
    const removalOf = prediction.purpose === 'remove_background' ? imagePositionOfRemoval(prediction.position) : null;
    return Promise.all(
      urls.map(async (url, index): Promise<NewImageRow> => {
        const { bytes, info } = await this.deps.downloader.download(url);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const position = removalOf ?? prediction.position * model.maxOutputsPerPrediction + index;
        // The content hash makes the URL unguessable and the write idempotent for racing trackers.
        const storageKey = `${generation.id}/${position}-${sha256.slice(0, 32)}.${IMAGE_EXTENSIONS[info.contentType]}`;
        await this.deps.storage.put(storageKey, bytes, info.contentType);
        return {
          generationId: generation.id,
          position,
          storageKey,
          contentType: info.contentType,
          width: info.width,
          height: info.height,
          bytes: bytes.length,
          sha256,
          source: removalOf === null ? 'generate' : 'remove_background',
        };
      }),
    );
  }

  // ── stopping ───────────────────────────────────────────────────────────────────────────────

  /**
   * Ends an active generation now (cancel, deadline): predictions never sent are ended here,
   * running ones are canceled upstream. The money is settled when the last prediction has
   * ended — a prediction that finished just before the cancel reached Replicate was paid for.
   */
  async stopGeneration(generation: Generation, outcome: TerminalOutcome): Promise<boolean> {
    const stopped = await this.transact(async (trx, changes) => {
      // Predictions before the generation, as every other transition locks them.
      const predictions = await predictionsOf(trx, generation.id, { lock: true });
      const change = await endGeneration(trx, generation.id, outcome, this.deps.now());
      if (!change) return false;
      changes.push(change);
      for (const prediction of predictions) {
        if (prediction.state === 'pending') await endPrediction(trx, prediction.id, neverCreated(), this.deps.now());
      }
      changes.push(...(await this.finalizeIfDone(trx, generation.id)));
      return true;
    });
    if (!stopped) return false;
    for (const prediction of await predictionsOf(this.db, generation.id)) {
      if (prediction.replicate_id && !isTerminalPrediction(prediction.state)) await this.cancelUpstream(prediction);
      else if (!isTerminalPrediction(prediction.state)) {
        // Being created or reconciled: its job cancels it as soon as it has an upstream id.
        await scheduleTrack(this.db, { predictionId: prediction.id, poll: 0 }, 0);
      }
    }
    return true;
  }

  /** Best effort: a failure leaves the job to try again on its next run. */
  async cancelUpstream(prediction: PredictionRow): Promise<void> {
    if (!prediction.replicate_id) return;
    try {
      const upstream = await this.deps.replicate.cancelPrediction(prediction.replicate_id);
      await this.applyUpstream(prediction, upstream);
    } catch (error) {
      if (!isReplicateError(error) && !(error instanceof DownloadError)) throw error;
      this.deps.logger.warn({ err: error, predictionId: prediction.id }, 'cancel upstream failed; the job retries');
      await scheduleTrack(this.db, { predictionId: prediction.id, poll: 0 }, this.deps.settings.poll.firstMs);
    }
  }

  /** When one prediction of a generation fails, the others are canceled rather than paid for. */
  private async cancelSiblings(prediction: PredictionRow): Promise<void> {
    for (const sibling of await predictionsOf(this.db, prediction.generation_id)) {
      if (sibling.id === prediction.id || isTerminalPrediction(sibling.state)) continue;
      if (sibling.replicate_id) await this.cancelUpstream(sibling);
      else if (sibling.state === 'pending') await this.endNeverCreated(sibling);
    }
  }

  private async endNeverCreated(prediction: PredictionRow): Promise<void> {
    await this.endPrediction(prediction, neverCreated());
  }

  private async endPrediction(prediction: PredictionRow, end: PredictionEnd): Promise<void> {
    await this.transact(async (trx, changes) => {
      const ended = await endPrediction(trx, prediction.id, end, this.deps.now());
      if (ended) changes.push(...(await this.finalizeIfDone(trx, prediction.generation_id)));
    });
  }

  /** Runs `work` in a transaction; the generation changes it records are published once committed. */
  async transact<T>(work: (trx: Executor, changes: ChangeLog) => Promise<T>): Promise<T> {
    const changes: ChangeLog = [];
    const result = await this.db.transaction().execute((trx) => work(trx, changes));
    this.deps.events.publish(changes);
    return result;
  }
}

function neverCreated(): PredictionEnd {
  return { state: 'canceled', output: null, error: null, metrics: null, producedImages: 0 };
}
