/**
 * What the API can do with generations: start one, cancel it, read it, list a user's.
 *
 * Starting one is "money first": the idempotency check, the budget hold (an upper bound of the
 * cost), the generation and prediction rows and each prediction's durable job are written in one
 * short transaction — all or nothing. Only after it commits is Replicate called, by the request
 * itself so the answer can already say STARTING; if the process dies before or during that call,
 * the job (scheduled a few seconds out) takes over. An accepted generation is never lost.
 */
import { randomUUID } from 'node:crypto';
import { admitGeneration } from '../billing/admission.ts';
import { findUser, isUuid } from '../auth/users.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { Viewer } from '../graphql/context.ts';
import type { ReplicateError } from '../replicate/index.ts';
import { loadGenerationView, type GenerationEvents, type GenerationView } from './events.ts';
import { scheduleTrack } from './jobs.ts';
import { planGeneration, type GenerateImageRequest, type GenerationPlan } from './request.ts';
import {
  findGeneration,
  findGenerationByIdempotencyKey,
  imagesOf,
  insertGeneration,
  insertPredictions,
  isTerminalGeneration,
  listUserGenerations,
  type Generation,
} from './store.ts';
import type { PredictionTracker } from './tracker.ts';

export class GenerationNotFoundError extends Error {
  constructor(readonly generationId: string) {
    super(`Generation ${generationId} was not found.`);
    this.name = 'GenerationNotFoundError';
  }
}

export class IdempotencyKeyReusedError extends Error {
  constructor(readonly generationId: string) {
    super(
      'This idempotency key was already used for a different request. Use a new key for a new request, ' +
        'or repeat the original request exactly to get its generation.',
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** Replicate refused the generation outright (422, 402, …): it is FAILED and its hold released. */
export class UpstreamRejectedError extends Error {
  constructor(
    readonly upstream: ReplicateError,
    readonly generationId: string,
  ) {
    super(upstream.message);
    this.name = 'UpstreamRejectedError';
  }
}

export interface GenerationServiceDependencies {
  readonly db: Db;
  readonly config: Config;
  readonly tracker: PredictionTracker;
  readonly events: GenerationEvents;
  readonly now: () => Date;
  /** How long a generation of `model` may run before it is canceled as TIMEOUT. */
  readonly deadlineSeconds: (modelId: string) => number;
  /** When the request's own create attempt has not happened by then, the job sends it. */
  readonly createHandoffMs: number;
}

export interface GenerationPage {
  readonly views: GenerationView[];
  readonly hasNextPage: boolean;
}

export class GenerationService {
  constructor(private readonly deps: GenerationServiceDependencies) {}

  async generate(userId: string, request: GenerateImageRequest): Promise<GenerationView> {
    const plan = planGeneration(request);
    const { db, config, tracker } = this.deps;

    if (plan.idempotencyKey) {
      const existing = await findGenerationByIdempotencyKey(db, userId, plan.idempotencyKey);
      if (existing) return this.replay(existing, plan);
    }
    const user = await findUser(db, userId);
    if (!user) throw new Error('the user of this API key no longer exists');

    const id = randomUUID();
    const now = this.deps.now();
    const created = await tracker.transact(async (trx, changes) => {
      const generation = await insertGeneration(trx, {
        id,
        userId,
        modelId: plan.model.id,
        mode: plan.mode,
        prompt: plan.prompt,
        request: plan.normalized,
        fingerprint: plan.fingerprint,
        idempotencyKey: plan.idempotencyKey,
        imageCount: plan.imageCount,
        estimatedCostMicros: plan.estimatedCostMicros,
        deadlineAt: new Date(now.getTime() + this.deps.deadlineSeconds(plan.model.id) * 1000),
        now,
      });
      // Same key, same user, a concurrent request got there first.
      if (!generation) return null;
      await admitGeneration(trx, config, { user, generationId: id, amountMicros: plan.estimatedCostMicros, now });
      const predictions = await insertPredictions(
        trx,
        plan.predictions.map((planned) => ({
          generationId: id,
          position: planned.position,
          replicateModel: plan.model.replicateModel,
          input: planned.input,
          imageCount: planned.imageCount,
          now,
        })),
      );
      for (const prediction of predictions) {
        await scheduleTrack(trx, { predictionId: prediction.id, poll: 0 }, this.deps.createHandoffMs);
      }
      changes.push({ id, status: generation.status, version: generation.version });
      return predictions;
    });
    if (!created) {
      const existing = await findGenerationByIdempotencyKey(db, userId, plan.idempotencyKey ?? '');
      if (!existing) throw new Error('idempotency conflict without a generation');
      return this.replay(existing, plan);
    }

    // Outside any transaction: Replicate may take its time, and may fail in ways the job handles.
    const results = await Promise.all(created.map((prediction) => tracker.create(prediction, ['pending'])));
    const rejected = results.find((result) => result.kind === 'rejected');
    if (rejected?.kind === 'rejected') throw new UpstreamRejectedError(rejected.error, id);
    return this.view(id);
  }

  /** Owner or admin; stops the generation (idempotent: an ended one is returned as it is). */
  async cancel(viewer: Viewer, id: string): Promise<GenerationView> {
    const generation = await this.visibleGeneration(viewer, id);
    if (!isTerminalGeneration(generation.status)) {
      await this.deps.tracker.stopGeneration(generation, { status: 'CANCELED', errorCode: null, errorMessage: null });
    }
    return this.view(id);
  }

  async get(viewer: Viewer, id: string): Promise<GenerationView> {
    const generation = await this.visibleGeneration(viewer, id);
    return { generation, images: await imagesOf(this.deps.db, [generation.id]) };
  }

  /** The current state at once, then each change until a terminal state. */
  async follow(viewer: Viewer, id: string): Promise<AsyncIterableIterator<GenerationView>> {
    return this.deps.events.stream(await this.get(viewer, id));
  }

  async list(userId: string, first: number, after: { createdAt: Date; id: string } | null): Promise<GenerationPage> {
    const page = await listUserGenerations(this.deps.db, userId, first, after);
    const images = await imagesOf(
      this.deps.db,
      page.rows.map((row) => row.id),
    );
    return {
      views: page.rows.map((generation) => ({
        generation,
        images: images.filter((image) => image.generation_id === generation.id),
      })),
      hasNextPage: page.hasNextPage,
    };
  }

  private async replay(existing: Generation, plan: GenerationPlan): Promise<GenerationView> {
    if (existing.request_fingerprint !== plan.fingerprint) throw new IdempotencyKeyReusedError(existing.id);
    return this.view(existing.id);
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
