/**
 * What every part of a prediction's tracker shares: its dependencies and settings, and the few
 * operations one part asks of another (`prediction-tracker.ts` wires them). The parts — `step.ts` (one run
 * of the job), `create.ts`, `outputs.ts`, `stop.ts` — take this interface rather than each other,
 * so none imports back the part that calls it.
 */
import type { Config } from '../config.ts';
import type { Db, Executor } from '../db/index.ts';
import type { PredictionRow } from '../db/types.ts';
import type { Logger } from '../logger.ts';
import type { Prediction as Upstream, ReplicateClient, ReplicateError } from '../replicate/index.ts';
import type { PrintFileMaker } from '../print/file.ts';
import type { Downloader, ImageStorage } from '../storage/index.ts';
import type { GenerationEvents } from './events.ts';
import type { TrackPayload } from './jobs.ts';
import type { Liveness } from './liveness.ts';
import type { Prediction, PredictionEnd } from './predictions-store.ts';
import type { ChangeLog } from './transact.ts';

export interface PollSchedule {
  readonly firstMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

export interface TrackerSettings {
  /** 1 s, ×1.5, capped at 5 s. */
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
  /** Makes print files, a bounded number at once in this process (`PRINT_FILE_CONCURRENCY`). */
  readonly printFiles: PrintFileMaker;
  readonly events: GenerationEvents;
  readonly liveness: Liveness;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly settings: TrackerSettings;
}

export type CreateResult =
  | { readonly kind: 'created' }
  | { readonly kind: 'queued' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'skipped' }
  /** Claimed, but its generation ended before the send: ended as never created. */
  | { readonly kind: 'withdrawn' }
  | { readonly kind: 'rejected'; readonly error: ReplicateError };

/** The operations the tracker's parts call on one another. */
export interface Tracker {
  readonly deps: TrackerDependencies;
  /** The poll schedule in force (the webhook one when `PUBLIC_URL` is set). */
  readonly schedule: PollSchedule;
  transact<T>(work: (trx: Executor, changes: ChangeLog) => Promise<T>): Promise<T>;
  /** Applies what Replicate says; true when the prediction has ended (or its end is being retried). */
  applyUpstream(prediction: PredictionRow, upstream: Upstream, payload?: TrackPayload): Promise<boolean>;
  create(candidate: Prediction, from: readonly ('pending' | 'unknown')[]): Promise<CreateResult>;
  cancelUpstream(prediction: PredictionRow): Promise<void>;
  /** Ends a prediction and, with its last sibling, the generation, in one transaction. */
  endPrediction(prediction: PredictionRow, end: PredictionEnd): Promise<void>;
}

export function nextPollDelayMs(schedule: PollSchedule, poll: number): number {
  return Math.min(schedule.maxMs, schedule.firstMs * schedule.factor ** poll);
}
