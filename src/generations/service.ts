/**
 * What the API does with generations: start one (`start`), a batch (`startBatch`) or the final of
 * a preview (`finalize`); read, follow and cancel one. A start reads top to bottom as the flow
 * told in README.md ("Starting a generation"): resolve what the request left open → plan →
 * admit and persist in one transaction → answer QUEUED. The policies it consults (tiers,
 * automatic choice, result cache, backpressure) are functions in `policies/`.
 */
import { randomUUID } from 'node:crypto';
import { perRequestWebhookUrl } from '../app-webhooks/service.ts';
import { isUuid } from '../auth/users.ts';
import type { Viewer } from '../auth/viewer.ts';
import { completeAdmission } from '../billing/admission.ts';
import { BudgetExceededError, RateLimitedError } from '../billing/errors.ts';
import type { UsageCache } from '../billing/usage-cache.ts';
import { REMOVE_BACKGROUND_MODEL, replicateRefOf, UPSCALER_MODEL_ID } from '../catalog/models.ts';
import { MAX_UPSCALE_PASSES } from '../print/target.ts';
import { requireGenerationModel } from '../catalog/pricing.ts';
import type { Config } from '../config.ts';
import type { PreferenceCache } from '../preferences/cache.ts';
import type { Random } from '../random.ts';
import { recordGenerationSignal } from '../preferences/store.ts';
import type { Db, Executor } from '../db/index.ts';
import { InputRefusal } from '../refusal.ts';
import { writeNewGeneration, type WrittenGeneration } from './admission.ts';
import { batchAdmission, type BatchAdmission } from './batch-admission.ts';
import { startCallContext, type CallContext } from './call-context.ts';
import {
  BatchItemRefusedError,
  GenerationInputError,
  GenerationNotFoundError,
  IdempotencyKeyReusedError,
} from './errors.ts';
import type { GenerationEvents } from './events.ts';
import { loadGenerationView, publishedView, type GenerationView } from './generation-view.ts';
import { chooseFinalModel, chooseModelAutomatically, type PreferenceInputs } from './policies/auto.ts';
import { CreateQueueGate } from './policies/backpressure.ts';
import { batchShapeProblems } from './policies/batching.ts';
import { ExplorationTurns } from './policies/exploration.ts';
import { cacheCutoff, resultCacheKey } from './policies/cache.ts';
import {
  findCachedResult,
  markCachedIn,
  shownImageCount,
  type CachedResult,
  type StartColumns,
} from './policies/store.ts';
import { finalizeRefusal, finalRequestFor, previewChoice, type PreviewFacts } from './policies/tiers.ts';
import { planGeneration, type GenerateImageRequest, type GenerationPlan } from './request.ts';
import {
  finalizeFingerprint,
  inBatchItem,
  userFingerprint,
  type FinalizeInput,
  type StartInput,
} from './start-inputs.ts';
import {
  findGeneration,
  findGenerationByIdempotencyKey,
  isTerminalGeneration,
  type Generation,
  type GenerationChange,
} from './store.ts';
import type { PredictionTracker } from './prediction-tracker.ts';
import { transact } from './transact.ts';

export interface GenerationServiceDependencies {
  readonly db: Db;
  readonly config: Config;
  readonly tracker: Pick<PredictionTracker, 'stopGeneration'>;
  readonly events: Pick<GenerationEvents, 'publish' | 'stream'>;
  readonly now: () => Date;
  readonly deadlineSeconds: (modelId: string) => number;
  /** Users' usage figures (the budget left, for automatic model choice), cached exactly per instance. */
  readonly usage: Pick<UsageCache, 'read'>;
  /** Milliseconds before `ahead` more creates can have started at the shared upstream budget's rate. */
  readonly expectedCreateWaitMs: (ahead: number) => number;
  /** Users' learned model preferences (automatic choice), cached per instance; told of signals recorded here. */
  readonly preferences: Pick<PreferenceCache, 'read' | 'invalidate'>;
  /** Uniform [0, 1) for automatic choice's exploration (seeded in tests). */
  readonly random: Random;
  /** Every this many automatic choices of a user, one explores (`ExplorationTurns`); null: never. */
  readonly explorationEvery: number | null;
}

export interface BatchItemResult {
  readonly index: number;
  readonly view: GenerationView;
  /** The item repeated an idempotency key: this is the earlier generation, nothing new was held. */
  readonly replayed: boolean;
}

export interface BatchResult {
  readonly batchId: string;
  readonly items: readonly BatchItemResult[];
}

/** A request with nothing left open: its model, seed and (for a final) its preview resolved. */
interface Resolved {
  readonly request: GenerateImageRequest;
  /** The request's own webhook target, checked (SSRF, a signing endpoint); null when none. */
  readonly webhookUrl: string | null;
  readonly fingerprint: string;
  readonly selectionReason: string | null;
  readonly previewId?: string;
  readonly previewImageIndex?: number;
}

/** A resolved request planned (validated, split into predictions) and looked up in the cache. */
interface Planned {
  readonly plan: GenerationPlan;
  readonly columns: StartColumns;
  readonly cached: CachedResult | undefined;
}

interface Started {
  readonly view: GenerationView;
  readonly replayed: boolean;
}

type Batch = { readonly batchId: string; readonly inputIndexes: readonly number[] } | null;

export class GenerationService {
  private readonly queueGate: CreateQueueGate;
  private readonly exploration: ExplorationTurns;

  constructor(private readonly deps: GenerationServiceDependencies) {
    this.queueGate = new CreateQueueGate({ ...deps, maxQueueWaitSeconds: deps.config.maxQueueWaitSeconds });
    this.exploration = new ExplorationTurns(deps.explorationEvery);
  }

  // ── starting ───────────────────────────────────────────────────────────────────────────────

  /** `generateImage`: one request, possibly without a model, possibly answered by the cache. */
  async start(userId: string, input: StartInput): Promise<GenerationView> {
    const fingerprint = userFingerprint(input);
    const replay = await this.replayOf(userId, input.idempotencyKey, fingerprint);
    if (replay) return replay;
    const call = startCallContext(this.deps, userId);
    const resolved = await this.resolve(call, input, fingerprint);
    const planned = await this.plan(call, resolved);
    const [started] = await this.admitAndPersist(call, [planned], null);
    return started!.view;
  }

  /** `finalizeGeneration`: the approved variation of a preview, on a high-quality model. */
  async finalize(userId: string, input: FinalizeInput): Promise<GenerationView> {
    const fingerprint = finalizeFingerprint(input);
    const replay = await this.replayOf(userId, input.idempotencyKey, fingerprint);
    if (replay) return replay;
    const call = startCallContext(this.deps, userId);
    const resolved = await this.resolveFinal(call, input, fingerprint);
    const planned = await this.plan(call, resolved);
    const [started] = await this.admitAndPersist(call, [planned], null);
    return started!.view;
  }

  /** `generateImages`: up to 20 requests, one admission for all of them (every hold or none). */
  async startBatch(userId: string, inputs: readonly StartInput[]): Promise<BatchResult> {
    const problems = batchShapeProblems(inputs);
    if (problems.length > 0) {
      throw new GenerationInputError(
        problems.map((problem) => `${problem.path} ${problem.message}`).join(' '),
        problems,
      );
    }
    const fingerprints = inputs.map(userFingerprint);
    const replays = new Map<number, GenerationView>();
    for (const [index, input] of inputs.entries()) {
      const replay = await this.replayOf(userId, input.idempotencyKey, fingerprints[index]!);
      if (replay) replays.set(index, replay);
    }
    const call = startCallContext(this.deps, userId);
    const fresh: Array<{ index: number; planned: Planned }> = [];
    for (const [index, input] of inputs.entries()) {
      if (replays.has(index)) continue;
      try {
        fresh.push({ index, planned: await this.plan(call, await this.resolve(call, input, fingerprints[index]!)) });
      } catch (error) {
        if (error instanceof InputRefusal) throw inBatchItem(error, index);
        throw error;
      }
    }
    const batchId = randomUUID();
    const started = await this.admitAndPersist(
      call,
      fresh.map((item) => item.planned),
      { batchId, inputIndexes: fresh.map((item) => item.index) },
    );
    const items = inputs.map((_, index): BatchItemResult => {
      const replay = replays.get(index);
      if (replay) return { index, view: replay, replayed: true };
      return { index, ...started[fresh.findIndex((item) => item.index === index)]! };
    });
    return { batchId, items };
  }

  // ── reading, following, cancelling ─────────────────────────────────────────────────────────

  /**
   * The generation for one request (its images load with the response's others, and its queue
   * position is read, only if asked for).
   */
  async get(viewer: Viewer, id: string): Promise<GenerationView> {
    return this.visibleGeneration(viewer, id);
  }

  /** The current state at once, then each change until a terminal state; every view with its images. */
  async follow(viewer: Viewer, id: string): Promise<AsyncIterableIterator<GenerationView>> {
    const generation = await this.visibleGeneration(viewer, id);
    return this.deps.events.stream(await publishedView(this.deps.db, generation));
  }

  /** Owner or admin; stops the generation (idempotent: an ended one is returned as it is). */
  async cancel(viewer: Viewer, id: string): Promise<GenerationView> {
    const generation = await this.visibleGeneration(viewer, id);
    if (!isTerminalGeneration(generation.status)) {
      // The owner stopping a running generation says something about the model (an admin's cancel
      // does not): the signal commits with the cancel, or neither does.
      const byOwner = viewer.kind === 'user' && viewer.userId === generation.user_id;
      const cancelSignal = async (trx: Executor, before: Generation) => {
        if (before.status !== 'STARTING' && before.status !== 'PROCESSING') return;
        await recordGenerationSignal(trx, signalAbout(before, 'cancel', this.deps.now()));
      };
      const outcome = { status: 'CANCELED', errorCode: null, errorMessage: null } as const;
      await this.deps.tracker.stopGeneration(generation, outcome, byOwner ? cancelSignal : undefined);
      if (byOwner) this.deps.preferences.invalidate(generation.user_id);
    }
    return this.view(id);
  }

  // ── 1. resolve: what the request left open ─────────────────────────────────────────────────

  private async resolve(call: CallContext, input: StartInput, fingerprint: string): Promise<Resolved> {
    const webhookUrl = await this.webhookUrlOf(call, input.webhookUrl);
    const mode = input.mode ?? 'STANDARD';
    const request: GenerateImageRequest = {
      prompt: input.prompt,
      negativePrompt: input.negativePrompt ?? null,
      mode,
      modelId: input.modelId ?? '',
      count: input.count ?? 1,
      aspectRatio: input.aspectRatio ?? null,
      seed: input.seed ?? null,
      transparentBackground: input.transparentBackground ?? false,
      settings: input.settings,
      idempotencyKey: input.idempotencyKey ?? null,
      print: input.print ?? null,
    };
    if (input.iterations !== undefined && input.iterations !== null) {
      if (!Number.isInteger(input.iterations) || input.iterations < 1 || input.iterations > 10_000) {
        throw new GenerationInputError('input.iterations must be a whole number from 1 to 10000.', [
          { path: 'input.iterations', message: 'must be a whole number from 1 to 10000' },
        ]);
      }
    }
    const named = input.modelId !== undefined && input.modelId !== null;
    if (mode === 'PREVIEW') {
      const choice = previewChoice(input);
      const resolvedRequest = { ...request, modelId: choice.modelId, seed: choice.seed };
      return { request: resolvedRequest, fingerprint, webhookUrl, selectionReason: named ? null : choice.reason };
    }
    if (named) return { request, fingerprint, webhookUrl, selectionReason: null };
    if (typeof input.prompt !== 'string' || input.prompt.trim().length === 0) {
      // planGeneration names the field; the automatic choice needs a prompt first.
      planGeneration({ ...request, modelId: 'flux-schnell' });
    }
    const choice = chooseModelAutomatically({
      userId: call.userId,
      prompt: input.prompt,
      count: request.count ?? 1,
      iterations: input.iterations ?? null,
      transparentBackground: request.transparentBackground ?? false,
      aspectRatio: request.aspectRatio ?? null,
      remainingMicros: await call.remainingMicros(),
      ...(await this.preferenceInputs(call)),
    });
    return {
      request: { ...request, modelId: choice.modelId, aspectRatio: choice.aspectRatio },
      fingerprint,
      webhookUrl,
      selectionReason: choice.reason,
    };
  }

  /** A final: its preview's prompt, aspect ratio and variation seed on a high-quality model. */
  private async resolveFinal(call: CallContext, input: FinalizeInput, fingerprint: string): Promise<Resolved> {
    const preview = isUuid(input.previewId) ? await findGeneration(this.deps.db, input.previewId) : undefined;
    const facts: PreviewFacts | undefined = preview && {
      id: preview.id,
      userId: preview.user_id,
      mode: preview.mode,
      status: preview.status,
      prompt: preview.prompt,
      negativePrompt: preview.request.negativePrompt,
      aspectRatio: preview.request.aspectRatio,
      seed: preview.request.seed,
      storedImages: await shownImageCount(this.deps.db, preview),
    };
    const refusal = finalizeRefusal(facts, call.userId, input.imageIndex);
    if (refusal?.kind === 'not-found') throw new GenerationNotFoundError(input.previewId);
    if (refusal) throw new GenerationInputError(`${refusal.path} ${refusal.message}`, [refusal]);
    const webhookUrl = await this.webhookUrlOf(call, input.webhookUrl);

    const count = input.count ?? 1;
    const transparentBackground = input.transparentBackground ?? false;
    const choice =
      input.modelId === undefined || input.modelId === null
        ? chooseFinalModel({
            userId: call.userId,
            remainingMicros: await call.remainingMicros(),
            count,
            transparentBackground,
            ...(await this.preferenceInputs(call)),
          })
        : { model: requireGenerationModel(input.modelId, 'modelId', call.userId), reason: null };
    return {
      request: {
        ...finalRequestFor(facts!, input.imageIndex, choice.model),
        count,
        transparentBackground,
        settings: input.settings,
        idempotencyKey: input.idempotencyKey ?? null,
        print: input.print ?? null,
      },
      fingerprint,
      webhookUrl,
      selectionReason: choice.reason,
      previewId: facts!.id,
      previewImageIndex: input.imageIndex,
    };
  }

  /** What an automatic choice needs to know of the user's taste (read once per call, from the cache). */
  private async preferenceInputs(call: CallContext): Promise<PreferenceInputs> {
    call.preferences ??= await this.deps.preferences.read(call.userId);
    return {
      preferences: call.preferences,
      now: call.now,
      random: this.deps.random,
      exploreTurn: () => this.exploration.take(call.userId),
    };
  }

  // ── 2. plan: validate, split into predictions, look up the result cache ────────────────────

  private async plan(call: CallContext, resolved: Resolved): Promise<Planned> {
    const plan = { ...planGeneration(resolved.request, call.userId), fingerprint: resolved.fingerprint };
    // A print file is made per generation (and its upscale billed): never answered from the cache.
    const cacheKey = plan.print
      ? null
      : resultCacheKey({
          model: plan.model,
          inputs: plan.predictions.map((prediction) => prediction.input),
          imageCount: plan.imageCount,
          transparentBackground: plan.normalized.transparentBackground,
        });
    const cutoff = cacheCutoff(call.now, this.deps.config.resultCacheTtlSeconds);
    const cached =
      cacheKey !== null && cutoff !== null
        ? await findCachedResult(this.deps.db, call.userId, cacheKey, cutoff)
        : undefined;
    if (!cached) call.notePlanned(plan.estimatedCostMicros);
    return {
      plan,
      cached,
      columns: {
        selectionReason: resolved.selectionReason,
        previewId: resolved.previewId ?? null,
        previewImageIndex: resolved.previewImageIndex ?? null,
        cacheKey,
        batchId: null,
        webhookUrl: resolved.webhookUrl,
      },
    };
  }

  // ── 3. admit and persist: backpressure, then one money-first transaction ───────────────────

  /**
   * Refused before money when the create queue is too long; then one transaction writes every
   * item (`writeNewGeneration`: the generation, its hold, predictions and jobs in one statement)
   * and admits it (billing's gate; for a batch, every hold or none). Each prediction's job, due at
   * once, sends its create: the request never waits on Replicate.
   */
  private async admitAndPersist(call: CallContext, items: readonly Planned[], batch: Batch): Promise<Started[]> {
    await this.queueGate.refuseWhenQueueTooLong(
      items.reduce((sum, item) => sum + (item.cached ? 0 : item.plan.predictions.length), 0),
      items.map((item) => this.deadlineOf(item.plan, call.now)),
      call.now,
    );
    const ids = items.map(() => randomUUID());
    const persisted = await transact(this.deps.db, this.deps.events, async (trx, changes) => {
      const admission = batch === null ? null : batchAdmission(trx, this.deps.config);
      const written: Array<Persisted> = [];
      for (const [index, item] of items.entries()) {
        const outcome = await this.persist(trx, call, item, ids[index]!, batch?.batchId ?? null);
        written.push(outcome);
        if (outcome.kind === 'raced') continue;
        // A final is a preference signal for its model, written with the final itself (or not at all).
        if (item.columns.previewId !== null) {
          const final = { id: ids[index]!, user_id: call.userId, model_id: item.plan.model.id };
          await recordGenerationSignal(trx, signalAbout(final, 'finalize', call.now));
        }
        if (outcome.kind === 'cached') {
          changes.push(outcome.change);
          continue;
        }
        const locked = { ...outcome.held, generationId: ids[index]!, now: call.now };
        if (admission) await admitBatchItem(admission, locked, batch!.inputIndexes[index]!);
        else await completeAdmission(trx, this.deps.config, locked);
        const { generation } = outcome;
        changes.push({
          id: generation.id,
          status: generation.status,
          version: generation.version,
          userId: call.userId,
        });
      }
      admission?.finish();
      return written;
    });
    if (items.some((item) => item.columns.previewId !== null)) this.deps.preferences.invalidate(call.userId);
    const answers: Started[] = [];
    for (const [index, item] of items.entries())
      answers.push(await this.answer(call, item, ids[index]!, persisted[index]!));
    return answers;
  }

  /** One item's statement (`writeNewGeneration`); a cache hit is then marked SUCCEEDED at once. */
  private async persist(
    trx: Executor,
    call: CallContext,
    item: Planned,
    id: string,
    batchId: string | null,
  ): Promise<Persisted> {
    const { plan, columns, cached } = item;
    const written = await writeNewGeneration(
      trx,
      this.deps.config,
      {
        id,
        userId: call.userId,
        request: plan.normalized,
        fingerprint: plan.fingerprint,
        idempotencyKey: plan.idempotencyKey,
        estimatedCostMicros: cached ? 0 : plan.estimatedCostMicros,
        priceRule: cached ? null : plan.priceRule,
        deadlineAt: this.deadlineOf(plan, call.now),
        now: call.now,
        ...columns,
        batchId,
      },
      cached
        ? null
        : {
            amountMicros: plan.estimatedCostMicros,
            predictions: plan.predictions.map((planned) => ({
              position: planned.position,
              replicateModel: replicateRefOf(plan.model),
              input: planned.input,
              imageCount: planned.imageCount,
              now: call.now,
            })),
          },
    );
    // Same key, same user: a concurrent request got there first.
    if (!written) return { kind: 'raced' };
    if (cached) return { kind: 'cached', change: await markCachedIn(trx, id, cached.generationId, call.now) };
    return { kind: 'admit', generation: written.generation, held: written.admission! };
  }

  // ── 4. answer: the generation as committed, QUEUED ─────────────────────────────────────────

  private async answer(call: CallContext, item: Planned, id: string, persisted: Persisted): Promise<Started> {
    if (persisted.kind === 'raced') {
      const existing = await findGenerationByIdempotencyKey(this.deps.db, call.userId, item.plan.idempotencyKey ?? '');
      if (!existing) throw new Error('idempotency conflict without a generation');
      return { view: await this.replay(existing, item.plan.fingerprint), replayed: true };
    }
    // A queued generation is answered as committed, with no images yet; its place in the queue
    // is read only if the client selects it (the resolver reads it when undefined).
    const view = persisted.kind === 'admit' ? { ...persisted.generation, images: [] } : await this.view(id);
    return { view, replayed: false };
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────

  /** A request's `webhookUrl`, checked before anything is written (`perRequestWebhookUrl`). */
  private async webhookUrlOf(call: CallContext, url: string | null | undefined): Promise<string | null> {
    if (url === undefined || url === null) return null;
    return perRequestWebhookUrl(this.deps, call.userId, url, 'input.webhookUrl');
  }

  private async replayOf(
    userId: string,
    key: string | null | undefined,
    fingerprint: string,
  ): Promise<GenerationView | undefined> {
    if (key === undefined || key === null) return undefined;
    const existing = await findGenerationByIdempotencyKey(this.deps.db, userId, key);
    if (!existing) return undefined;
    return this.replay(existing, fingerprint);
  }

  /** Idempotency keys compare the request as sent, not as resolved (`start-inputs.ts`). */
  private async replay(existing: Generation, fingerprint: string): Promise<GenerationView> {
    if (existing.request_fingerprint !== fingerprint) throw new IdempotencyKeyReusedError(existing.id);
    return this.view(existing.id);
  }

  private deadlineOf(plan: GenerationPlan, now: Date): Date {
    const seconds =
      this.deps.deadlineSeconds(plan.model.id) +
      (plan.normalized.transparentBackground ? this.deps.deadlineSeconds(REMOVE_BACKGROUND_MODEL.id) : 0) +
      (plan.print ? MAX_UPSCALE_PASSES * this.deps.deadlineSeconds(UPSCALER_MODEL_ID) : 0);
    return new Date(now.getTime() + seconds * 1000);
  }

  private async view(id: string): Promise<GenerationView> {
    const view = await loadGenerationView(this.deps.db, id);
    if (!view) throw new GenerationNotFoundError(id);
    return view;
  }

  /** Someone else's generation is reported as not found: its existence is not disclosed. */
  private async visibleGeneration(viewer: Viewer, id: string): Promise<Generation> {
    const generation = isUuid(id) ? await findGeneration(this.deps.db, id) : undefined;
    if (!generation || (viewer.kind === 'user' && generation.user_id !== viewer.userId)) {
      throw new GenerationNotFoundError(id);
    }
    return generation;
  }
}

/** An implicit preference signal about a generation's model (`recordGenerationSignal`: once per generation). */
function signalAbout(
  generation: Pick<Generation, 'id' | 'user_id' | 'model_id'>,
  kind: 'finalize' | 'cancel',
  now: Date,
): Parameters<typeof recordGenerationSignal>[1] {
  return { userId: generation.user_id, modelId: generation.model_id, generationId: generation.id, kind, now };
}

/** What one item's statement did: raced an earlier request, answered from the cache, or wrote rows to admit. */
type Persisted =
  | { readonly kind: 'raced' }
  | { readonly kind: 'cached'; readonly change: GenerationChange | null }
  | { readonly kind: 'admit'; readonly generation: Generation; readonly held: AdmissionHeld };

type AdmissionHeld = NonNullable<WrittenGeneration['admission']>;

/** A batch item's admission; its refusal names the item (the whole batch rolls back). */
async function admitBatchItem(
  admission: BatchAdmission,
  locked: Parameters<BatchAdmission['admit']>[0],
  inputIndex: number,
): Promise<void> {
  try {
    await admission.admit(locked);
  } catch (error) {
    if (error instanceof BudgetExceededError || error instanceof RateLimitedError) {
      throw new BatchItemRefusedError(inputIndex, error);
    }
    throw error;
  }
}
