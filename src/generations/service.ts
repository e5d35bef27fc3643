/**
 * What the API can do with existing generations: cancel one, read it, follow it, list a user's.
 *
 * Starting generations — "money first": the idempotency check, the budget hold (an upper bound of
 * the cost), the generation and prediction rows and each prediction's durable job in one short
 * transaction, all or nothing, answered QUEUED at once; the job sends the create — lives in
 * `smart/service.ts`, which adds tiers, automatic model choice, the result cache and batches to it.
 */
import { isUuid } from '../auth/users.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { Viewer } from '../auth/viewer.ts';
import { loadGenerationView, publishedView, type GenerationEvents, type GenerationView } from './events.ts';
import { findGeneration, isTerminalGeneration, type Generation } from './store.ts';
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

/**
 * The create queue is too long for a new generation to start before its deadline or within
 * `MAX_QUEUE_WAIT_SECONDS`: refused before anything is held.
 */
export class UpstreamBusyError extends Error {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      `Replicate is busy: too many generations are waiting to start, so this one could not start in time. ` +
        `Nothing was held or charged. Retry in ${seconds} s.`,
    );
    this.name = 'UpstreamBusyError';
    this.retryAfterSeconds = seconds;
  }
}

export interface GenerationServiceDependencies {
  readonly db: Db;
  readonly config: Config;
  readonly tracker: PredictionTracker;
  readonly events: GenerationEvents;
  readonly now: () => Date;
}

export class GenerationService {
  constructor(private readonly deps: GenerationServiceDependencies) {}

  /** Owner or admin; stops the generation (idempotent: an ended one is returned as it is). */
  async cancel(viewer: Viewer, id: string): Promise<GenerationView> {
    const generation = await this.visibleGeneration(viewer, id);
    if (!isTerminalGeneration(generation.status)) {
      await this.deps.tracker.stopGeneration(generation, { status: 'CANCELED', errorCode: null, errorMessage: null });
    }
    return this.view(id);
  }

  /**
   * The generation for one request (its images load with the response's others, and its queue
   * position is read, only if asked for).
   */
  async get(viewer: Viewer, id: string): Promise<GenerationView> {
    return { generation: await this.visibleGeneration(viewer, id) };
  }

  /** The current state at once, then each change until a terminal state; every view with its images. */
  async follow(viewer: Viewer, id: string): Promise<AsyncIterableIterator<GenerationView>> {
    const generation = await this.visibleGeneration(viewer, id);
    return this.deps.events.stream(await publishedView(this.deps.db, generation));
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
