/**
 * What the Replicate client offers its callers (the tracker, the reconciler, the CLI) and what it
 * is built from; the implementation is `client.ts`.
 */
import type { Logger } from '../logger.ts';
import type { BreakerState, CircuitBreakerSettings } from './breaker.ts';
import type { CreatePredictionOptions, PredictionTarget } from './create-request.ts';
import type { OutboundLimiterSettings } from './limiter.ts';
import type { RetrySchedule } from './retry.ts';
import type { Prediction, ReplicateHardware, ReplicateModel, ReplicateModelVersion } from './schemas.ts';
import type { TransportSettings, TransportStats } from './transport.ts';

export interface ListPredictionsOptions {
  /** The opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
  readonly createdAfter?: Date | string;
  readonly createdBefore?: Date | string;
}

export interface PredictionPage {
  readonly predictions: readonly Prediction[];
  /** Pass to `listPredictions` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface ReplicateClientOptions {
  readonly token: string;
  /**
   * The token to send now, read on every request (a token rotated from a secret file); default
   * `token`. The shared budget stays keyed by `token`: a rotated token is the same account.
   */
  readonly currentToken?: () => string;
  /** Default https://api.replicate.com/v1; plain http only for loopback hosts. */
  readonly baseUrl?: string;
  /** Default `pixelgate/<package version>`. */
  readonly userAgent?: string;
  readonly logger?: Logger;
  readonly transport?: TransportSettings;
  readonly limiter?: OutboundLimiterSettings;
  readonly breaker?: CircuitBreakerSettings;
  readonly retry?: Partial<RetrySchedule>;
  /**
   * Injected for tests: waits between retries and during rate-limit pauses. The signal aborts when
   * the client closes; an injected sleep may ignore it (the client checks it after waking).
   */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Injected for tests: uniform in [0, 1), drives the backoff jitter. */
  readonly random?: () => number;
  readonly now?: () => Date;
}

export interface ReplicateClient {
  createPrediction(target: PredictionTarget, options: CreatePredictionOptions): Promise<Prediction>;
  getPrediction(id: string): Promise<Prediction>;
  cancelPrediction(id: string): Promise<Prediction>;
  listPredictions(options?: ListPredictionsOptions): Promise<PredictionPage>;
  /** Every page from `options.cursor` on, newest first; stops after `maxPages` (default 100). */
  listPredictionPages(options?: ListPredictionsOptions & { maxPages?: number }): AsyncGenerator<PredictionPage>;
  getModel(owner: string, name: string): Promise<ReplicateModel>;
  getModelVersion(owner: string, name: string, id: string): Promise<ReplicateModelVersion>;
  /** `GET /v1/hardware`: the SKUs models can run on. */
  listHardware(): Promise<ReplicateHardware[]>;
  /** The signing secret of the account's default webhook (`whsec_…`). */
  getWebhookSecret(): Promise<string>;
  /** State of a model's create circuit breaker (`owner/name` or version id). */
  breakerState(target: PredictionTarget): BreakerState;
  /** Connection counts of the keep-alive pool, for metrics and benchmarks. */
  transportStats(): TransportStats;
  /**
   * Milliseconds before `ahead` more creates can have started at the shared budget's rate (plus
   * any upstream pause this process knows of): what a queued generation waits for.
   */
  expectedCreateWaitMs(ahead: number): number;
  /**
   * The same client (budget, connections, breakers) with every call also ended by `signal`: a
   * stopping job's. A call ended before its request was sent fails with `ReplicateUnavailableError`
   * (reason `aborted`); a create ended after its request may have left fails with
   * `ReplicateCreateInterruptedError`, an unknown outcome to reconcile.
   */
  withSignal(signal: AbortSignal): ReplicateClient;
  /** Closes pooled connections and cancels waits and timers; later calls fail with client_closed. */
  close(): Promise<void>;
}
