/** The wire shapes the simulator serves (Replicate's `schemas_prediction_response` and friends). */

export const PREDICTION_STATUSES = ['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted'] as const;
export type PredictionStatus = (typeof PREDICTION_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<PredictionStatus> = new Set(['succeeded', 'failed', 'canceled', 'aborted']);

export interface PredictionMetrics {
  /** Seconds spent in `processing` (not counting the queue), once terminal after starting. */
  readonly predict_time?: number;
  /** Seconds from creation to completion, once terminal. */
  readonly total_time?: number;
  /** Images produced, once succeeded (official image models bill per image). */
  readonly image_count?: number;
}

/** A prediction exactly as the simulator serves it over HTTP. */
export interface PredictionJson {
  readonly id: string;
  readonly model: string;
  /** The version id, or `"hidden"` for predictions of official models run by model name. */
  readonly version: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly logs: string;
  /** `null` until succeeded and after data removal; a URL array or one URL per the model. */
  readonly output: readonly string[] | string | null;
  readonly data_removed: boolean;
  readonly error: string | null;
  readonly status: PredictionStatus;
  readonly created_at: string;
  readonly started_at?: string;
  readonly completed_at?: string;
  /** Present when the prediction was created with `Cancel-After`. */
  readonly deadline?: string;
  readonly source: 'api';
  readonly metrics: PredictionMetrics;
  readonly urls: { readonly get: string; readonly cancel: string; readonly web: string };
}

/** What `RunningSimulator.predictions()` returns: the wire object plus facts only the simulator knows. */
export interface SimulatedPredictionSnapshot extends PredictionJson {
  readonly webhook: string | null;
  readonly webhookEventsFilter: readonly string[];
  /** Micro-dollars charged to the simulated account (0 unless succeeded). */
  readonly chargedMicros: number;
}
