/**
 * Smart generation, from a GraphQL request to admitted generations:
 *
 * 1. resolve what the user left open — a PREVIEW's model (FLUX Schnell) and seed, a model chosen
 *    automatically from the remaining budget, a final's model and its preview's prompt, aspect
 *    ratio and variation seed — then plan the predictions (`planGeneration`: validation, catalog
 *    defaults, splitting `count` into predictions);
 * 2. look the request up in the result cache (deterministic, seeded requests only);
 * 3. money first, in one short transaction, as for any generation: the idempotency check, the
 *    generation rows, admission (one hold each — for a batch, all of them or none), the
 *    prediction rows and their durable jobs. A cache hit is written SUCCEEDED at once, with no
 *    hold, no prediction and no cost;
 * 4. the answer is the generation as committed, QUEUED (its place in the create queue is read
 *    only when asked for); each prediction's job sends its create (the request never waits on
 *    Replicate).
 *
 * Idempotency keys compare the request as the user sent it (not the resolved one): a replay must
 * find its generation even when a drawn seed or an automatic choice would come out differently.
 */
import { randomUUID } from 'node:crypto';
import { completeAdmission } from '../billing/admission.ts';
import { BudgetExceededError } from '../billing/holds.ts';
import { RateLimitedError } from '../billing/rate-limit.ts';
import type { UsageCache } from '../billing/usage-cache.ts';
import { isUuid } from '../auth/users.ts';
import { REMOVE_BACKGROUND_MODEL } from '../catalog/models.ts';
import { CatalogInputError, requireGenerationModel } from '../catalog/pricing.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { loadGenerationView, type GenerationView } from '../generations/events.ts';
import {
  GenerationInputError,
  planGeneration,
  type GenerateImageRequest,
  type GenerationPlan,
} from '../generations/request.ts';
import { GenerationNotFoundError, IdempotencyKeyReusedError } from '../generations/service.ts';
import { findGeneration, findGenerationByIdempotencyKey, type Generation } from '../generations/store.ts';
import type { GenerationEvents } from '../generations/events.ts';
import { transact } from '../generations/transact.ts';
import {
  finalizeFingerprint,
  inBatchItem,
  userFingerprint,
  type FinalizeInput,
  type SmartGenerateInput,
} from './inputs.ts';
import { chooseModelAutomatically } from './auto.ts';
import { writeNewGeneration } from './admission-statement.ts';
import { CreateQueueGate } from './backpressure.ts';
import { startCallContext, type CallContext } from './call-context.ts';
import { BatchItemRefusedError, batchAdmission } from './batch-admission.ts';
import { batchShapeProblems } from './batching.ts';
import { cacheCutoff, resultCacheKey } from './cache.ts';
import {
  finalizeHistoryOf,
  findCachedResult,
  markCachedIn,
  shownImageCount,
  type CachedResult,
  type SmartColumns,
} from './store.ts';
import {
  bestAffordableFinalModel,
  finalizeRefusal,
  finalRequestFor,
  previewChoice,
  type PreviewFacts,
} from './tiers.ts';

export interface SmartServiceDependencies {
  readonly db: Db;
  readonly config: Config;
  readonly events: Pick<GenerationEvents, 'publish'>;
  readonly now: () => Date;
  readonly deadlineSeconds: (modelId: string) => number;
  /** Users' usage figures (the budget left, for automatic model choice), cached exactly per instance. */
  readonly usage: Pick<UsageCache, 'read'>;
  /** Milliseconds before `ahead` more creates can have started at the shared upstream budget's rate. */
  readonly expectedCreateWaitMs: (ahead: number) => number;
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

/** A request resolved and planned, ready for admission. */
interface Prepared {
  readonly plan: GenerationPlan;
  readonly columns: SmartColumns;
  readonly cached: CachedResult | undefined;
}

export class SmartGenerationService {
  private readonly queueGate: CreateQueueGate;

  constructor(private readonly deps: SmartServiceDependencies) {
    this.queueGate = new CreateQueueGate({ ...deps, maxQueueWaitSeconds: deps.config.maxQueueWaitSeconds });
  }

  /** `generateImage`: one request, possibly without a model, possibly answered by the cache. */
  async generate(userId: string, input: SmartGenerateInput): Promise<GenerationView> {
    const fingerprint = userFingerprint(input);
    const replay = await this.replayOf(userId, input.idempotencyKey, fingerprint);
    if (replay) return replay;
    const context = startCallContext(this.deps, userId);
    const prepared = await this.prepare(context, input, fingerprint);
    const [result] = await this.start(context, [prepared], null);
    return result!.view;
  }

  /** `finalizeGeneration`: the approved variation of a preview, on a high-quality model. */
  async finalize(userId: string, input: FinalizeInput): Promise<GenerationView> {
    const fingerprint = finalizeFingerprint(input);
    const replay = await this.replayOf(userId, input.idempotencyKey, fingerprint);
    if (replay) return replay;
    const preview = isUuid(input.previewId) ? await findGeneration(this.deps.db, input.previewId) : undefined;
    const facts: PreviewFacts | undefined = preview && {
      id: preview.id,
      userId: preview.user_id,
      mode: preview.mode,
      status: preview.status,
      prompt: preview.prompt,
      negativePrompt: (preview.request.negativePrompt as string | null | undefined) ?? null,
      aspectRatio: (preview.request.aspectRatio as string | null | undefined) ?? null,
      seed: (preview.request.seed as number | null | undefined) ?? null,
      storedImages: await shownImageCount(this.deps.db, preview),
    };
    const refusal = finalizeRefusal(facts, userId, input.imageIndex);
    if (refusal?.kind === 'not-found') throw new GenerationNotFoundError(input.previewId);
    if (refusal) throw new GenerationInputError(`${refusal.path} ${refusal.message}`, [refusal]);

    const context = startCallContext(this.deps, userId);
    const count = input.count ?? 1;
    const transparentBackground = input.transparentBackground ?? false;
    const choice =
      input.modelId === undefined || input.modelId === null
        ? bestAffordableFinalModel(await context.remainingMicros(), count, transparentBackground)
        : { model: requireGenerationModel(input.modelId), reason: null };
    const final = finalRequestFor(facts!, input.imageIndex, choice.model);
    const request: GenerateImageRequest = {
      ...final,
      count,
      transparentBackground,
      settings: input.settings,
      idempotencyKey: input.idempotencyKey ?? null,
    };
    const prepared = await this.planned(context, request, {
      fingerprint,
      selectionReason: choice.reason,
      previewId: facts!.id,
      previewImageIndex: input.imageIndex,
    });
    const [result] = await this.start(context, [prepared], null);
    return result!.view;
  }

  /** `generateImages`: up to 20 requests, one admission for all of them (every hold or none). */
  async generateBatch(userId: string, inputs: readonly SmartGenerateInput[]): Promise<BatchResult> {
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
    const context = startCallContext(this.deps, userId);
    const fresh: Array<{ index: number; prepared: Prepared }> = [];
    for (const [index, input] of inputs.entries()) {
      if (replays.has(index)) continue;
      try {
        fresh.push({ index, prepared: await this.prepare(context, input, fingerprints[index]!) });
      } catch (error) {
        if (error instanceof GenerationInputError || error instanceof CatalogInputError)
          throw inBatchItem(error, index);
        throw error;
      }
    }
    const batchId = randomUUID();
    const started = await this.start(
      context,
      fresh.map((item) => item.prepared),
      { batchId, inputIndexes: fresh.map((item) => item.index) },
    );
    const items: BatchItemResult[] = inputs.map((_, index) => {
      const replay = replays.get(index);
      if (replay) return { index, view: replay, replayed: true };
      const position = fresh.findIndex((item) => item.index === index);
      const result = started[position]!;
      return { index, view: result.view, replayed: result.replayed };
    });
    return { batchId, items };
  }

  // ── resolving and planning ─────────────────────────────────────────────────────────────────

  private async prepare(context: CallContext, input: SmartGenerateInput, fingerprint: string): Promise<Prepared> {
    const mode = input.mode ?? 'STANDARD';
    const base = {
      prompt: input.prompt,
      negativePrompt: input.negativePrompt ?? null,
      mode,
      count: input.count ?? 1,
      aspectRatio: input.aspectRatio ?? null,
      seed: input.seed ?? null,
      transparentBackground: input.transparentBackground ?? false,
      settings: input.settings,
      idempotencyKey: input.idempotencyKey ?? null,
    };
    if (input.iterations !== undefined && input.iterations !== null) {
      if (!Number.isInteger(input.iterations) || input.iterations < 1 || input.iterations > 10_000) {
        throw new GenerationInputError('input.iterations must be a whole number from 1 to 10000.', [
          { path: 'input.iterations', message: 'must be a whole number from 1 to 10000' },
        ]);
      }
    }
    if (mode === 'PREVIEW') {
      const choice = previewChoice(input);
      const named = input.modelId !== undefined && input.modelId !== null;
      return this.planned(
        context,
        { ...base, modelId: choice.modelId, seed: choice.seed },
        {
          fingerprint,
          selectionReason: named ? null : choice.reason,
        },
      );
    }
    if (input.modelId !== undefined && input.modelId !== null) {
      return this.planned(context, { ...base, modelId: input.modelId }, { fingerprint, selectionReason: null });
    }
    if (typeof input.prompt !== 'string' || input.prompt.trim().length === 0) {
      // planGeneration names the field; the heuristic needs a prompt first.
      planGeneration({ ...base, modelId: 'flux-schnell' });
    }
    context.history ??= await finalizeHistoryOf(this.deps.db, context.userId);
    const choice = chooseModelAutomatically({
      prompt: input.prompt,
      count: base.count,
      iterations: input.iterations ?? null,
      transparentBackground: base.transparentBackground,
      aspectRatio: base.aspectRatio,
      remainingMicros: await context.remainingMicros(),
      finalizedByModel: context.history!,
    });
    return this.planned(
      context,
      { ...base, modelId: choice.modelId, aspectRatio: choice.aspectRatio },
      { fingerprint, selectionReason: choice.reason },
    );
  }

  private async planned(
    context: CallContext,
    request: GenerateImageRequest,
    extras: {
      fingerprint: string;
      selectionReason: string | null;
      previewId?: string;
      previewImageIndex?: number;
    },
  ): Promise<Prepared> {
    const plan = { ...planGeneration(request), fingerprint: extras.fingerprint };
    const transparentBackground = request.transparentBackground ?? false;
    const cacheKey = resultCacheKey({
      model: plan.model,
      inputs: plan.predictions.map((prediction) => prediction.input),
      imageCount: plan.imageCount,
      transparentBackground,
    });
    const cutoff = cacheCutoff(context.now, this.deps.config.resultCacheTtlSeconds);
    const cached =
      cacheKey !== null && cutoff !== null
        ? await findCachedResult(this.deps.db, context.userId, cacheKey, cutoff)
        : undefined;
    if (!cached) context.notePlanned(plan.estimatedCostMicros);
    return {
      plan,
      cached,
      columns: {
        selectionReason: extras.selectionReason,
        previewId: extras.previewId ?? null,
        previewImageIndex: extras.previewImageIndex ?? null,
        cacheKey,
        batchId: null,
        transparentBackground,
      },
    };
  }

  // ── admission and start ────────────────────────────────────────────────────────────────────

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

  private async replay(existing: Generation, fingerprint: string): Promise<GenerationView> {
    if (existing.request_fingerprint !== fingerprint) throw new IdempotencyKeyReusedError(existing.id);
    return this.view(existing.id);
  }

  private deadlineOf(plan: GenerationPlan, transparent: boolean, now: Date): Date {
    const seconds =
      this.deps.deadlineSeconds(plan.model.id) +
      (transparent ? this.deps.deadlineSeconds(REMOVE_BACKGROUND_MODEL.id) : 0);
    return new Date(now.getTime() + seconds * 1000);
  }

  /**
   * The money-first transaction for one or more prepared requests; each prediction's job, due at
   * once, sends its create (the request never waits on Replicate). With a batch id, admission is
   * the batch's (every hold or none); without, billing's own gate.
   */
  private async start(
    context: CallContext,
    items: readonly Prepared[],
    batch: { batchId: string; inputIndexes: readonly number[] } | null,
  ): Promise<Array<{ view: GenerationView; replayed: boolean }>> {
    const { db, config, events } = this.deps;
    const batchId = batch?.batchId ?? null;
    const { userId, now } = context;
    await this.queueGate.refuseWhenQueueTooLong(
      items.reduce((sum, item) => sum + (item.cached ? 0 : item.plan.predictions.length), 0),
      items.map((item) => this.deadlineOf(item.plan, item.columns.transparentBackground, now)),
      now,
    );
    const ids = items.map(() => randomUUID());
    const { raced, inserted } = await transact(db, events, async (trx, changes) => {
      const raced: boolean[] = [];
      // The row as committed when admitted and queued (nothing else writes it in this
      // transaction); null when it raced an earlier request or was a cache hit.
      const inserted: Array<Generation | null> = [];
      const admission = batchId === null ? null : batchAdmission(trx, config);
      let admitted = 0;
      for (const [index, item] of items.entries()) {
        const { plan, columns, cached } = item;
        const id = ids[index]!;
        const written = await writeNewGeneration(
          trx,
          config,
          {
            id,
            userId,
            modelId: plan.model.id,
            mode: plan.mode,
            prompt: plan.prompt,
            request: plan.normalized,
            fingerprint: plan.fingerprint,
            idempotencyKey: plan.idempotencyKey,
            imageCount: plan.imageCount,
            estimatedCostMicros: cached ? 0 : plan.estimatedCostMicros,
            deadlineAt: this.deadlineOf(plan, columns.transparentBackground, now),
            now,
            ...columns,
            batchId,
          },
          cached
            ? null
            : {
                amountMicros: plan.estimatedCostMicros,
                predictions: plan.predictions.map((planned) => ({
                  position: planned.position,
                  replicateModel: plan.model.replicateModel,
                  input: planned.input,
                  imageCount: planned.imageCount,
                  now,
                })),
              },
        );
        raced.push(!written);
        if (!written) {
          // Same key, same user: a concurrent request got there first.
          inserted.push(null);
          continue;
        }
        const { generation, admission: held } = written;
        if (cached) {
          inserted.push(null);
          changes.push(await markCachedIn(trx, id, cached.generationId, now));
          continue;
        }
        const locked = { ...held!, generationId: id, now };
        if (admission) {
          try {
            await admission.admit(admitted++, locked);
          } catch (error) {
            if (error instanceof BudgetExceededError || error instanceof RateLimitedError) {
              throw new BatchItemRefusedError(batch!.inputIndexes[index]!, error);
            }
            throw error;
          }
        } else await completeAdmission(trx, config, locked);
        changes.push({ id, status: generation.status, version: generation.version, userId });
        inserted.push(generation);
      }
      admission?.finish();
      return { raced, inserted };
    });

    const answers: Array<{ view: GenerationView; replayed: boolean }> = [];
    for (const [index, item] of items.entries()) {
      if (raced[index]) {
        const existing = await findGenerationByIdempotencyKey(db, userId, item.plan.idempotencyKey ?? '');
        if (!existing) throw new Error('idempotency conflict without a generation');
        answers.push({ view: await this.replay(existing, item.plan.fingerprint), replayed: true });
        continue;
      }
      const generation = inserted[index];
      // A queued generation is answered as committed, with no images yet; its place in the queue
      // is read only if the client selects it (the resolver reads it when undefined).
      const view = generation ? { generation, images: [] } : await this.view(ids[index]!);
      answers.push({ view, replayed: false });
    }
    return answers;
  }

  private async view(id: string): Promise<GenerationView> {
    const view = await loadGenerationView(this.deps.db, id);
    if (!view) throw new GenerationNotFoundError(id);
    return view;
  }
}
