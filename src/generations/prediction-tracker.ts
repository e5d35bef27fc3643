/**
 * The life of each upstream prediction: create it (once), follow it, store its outputs, end it,
 * and settle the generation's money when its last prediction ends.
 *
 * Many actors touch a prediction — its durable job, webhooks, a user's cancel, the deadline
 * check, a sweep after a crash — possibly on several instances. None of them coordinates through
 * memory: each transition is a conditional UPDATE in the stores and whoever does not win it does
 * nothing. Replicate is never called inside a transaction.
 *
 * This class only wires the parts together (see `tracker-interface.ts`): `step.ts` (one run of the job),
 * `create.ts` (exactly-once create and reconcile), `outputs.ts`, `stop.ts`, and `transitions.ts`
 * (the state machine inside a transaction).
 */
import type { Executor } from '../db/index.ts';
import type { PredictionRow } from '../db/types.ts';
import type { Prediction as Upstream } from '../replicate/index.ts';
import { create } from './create.ts';
import type { TrackPayload } from './jobs.ts';
import type { Prediction, PredictionEnd } from './predictions-store.ts';
import { applyUpstream, runJob } from './step.ts';
import { cancelUpstream, stopGeneration, type AlsoOnStop } from './stop.ts';
import type { Generation, TerminalOutcome } from './store.ts';
import { transact, type ChangeLog } from './transact.ts';
import type { CreateResult, PollSchedule, Tracker, TrackerDependencies } from './tracker-interface.ts';
import { endPredictionIn } from './transitions.ts';

export type { TrackerSettings } from './tracker-interface.ts';

export class PredictionTracker implements Tracker {
  constructor(readonly deps: TrackerDependencies) {}

  get schedule(): PollSchedule {
    return this.deps.config.publicUrl ? this.deps.settings.webhookPoll : this.deps.settings.poll;
  }

  /**
   * One run of a prediction's durable job: move it one step on and schedule the next run.
   * `signal` (the worker's, aborted when it stops) ends the run's upstream calls and downloads
   * early; each step leaves the prediction for the next run to pick up (see `create.ts`).
   */
  runJob(payload: TrackPayload, signal?: AbortSignal): Promise<void> {
    return runJob(signal ? this.abortableBy(signal) : this, payload);
  }

  /** The same tracker whose Replicate calls and downloads end when `signal` aborts. */
  private abortableBy(signal: AbortSignal): PredictionTracker {
    const { replicate, downloader } = this.deps;
    return new PredictionTracker({
      ...this.deps,
      replicate: replicate.withSignal(signal),
      downloader: {
        download: (url, _signal, maxBytes) => downloader.download(url, signal, maxBytes),
        close: () => downloader.close(),
      },
    });
  }

  applyUpstream(prediction: PredictionRow, upstream: Upstream, payload?: TrackPayload): Promise<boolean> {
    return applyUpstream(this, prediction, upstream, payload);
  }

  create(candidate: Prediction, from: readonly ('pending' | 'unknown')[]): Promise<CreateResult> {
    return create(this, candidate, from);
  }

  stopGeneration(generation: Generation, outcome: TerminalOutcome, alsoOnStop?: AlsoOnStop): Promise<boolean> {
    return stopGeneration(this, generation, outcome, alsoOnStop);
  }

  cancelUpstream(prediction: PredictionRow): Promise<void> {
    return cancelUpstream(this, prediction);
  }

  async endPrediction(prediction: PredictionRow, end: PredictionEnd): Promise<void> {
    await this.transact(async (trx, changes) => {
      changes.push(...(await endPredictionIn(trx, prediction, end, this.deps.now())));
    });
  }

  transact<T>(work: (trx: Executor, changes: ChangeLog) => Promise<T>): Promise<T> {
    return transact(this.deps.db, this.deps.events, work);
  }
}
