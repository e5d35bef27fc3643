/**
 * A simulated prediction's state, and how Replicate's API shows it (`GET /v1/predictions/{id}`):
 * timestamps as ISO strings, metrics in seconds once it completes, `output` a list or one URL as
 * the model returns it.
 */
import type { SimulatedModel } from './models.ts';
import type { PromptMarkers } from './markers.ts';
import type { PreparedInputs } from './outputs.ts';
import type { CancelTimer } from './scheduler.ts';
import type { Timeline } from './timeline.ts';
import type { PredictionJson, PredictionMetrics, PredictionStatus } from './types.ts';
import type { WebhookTarget } from './webhooks.ts';

export interface PredictionRecord {
  readonly id: string;
  /** Creation order; breaks ties between equal `createdAt` in listings and cursors. */
  readonly sequence: number;
  readonly model: SimulatedModel;
  readonly version: string;
  input: Readonly<Record<string, unknown>>;
  status: PredictionStatus;
  logs: string;
  outputUrls: string[] | null;
  files: Buffer[];
  error: string | null;
  readonly createdAt: number;
  startedAt: number | undefined;
  completedAt: number | undefined;
  readonly deadline: number | undefined;
  dataRemoved: boolean;
  imageCount: number | undefined;
  chargedMicros: number;
  readonly seed: number;
  readonly markers: PromptMarkers;
  readonly timeline: Timeline;
  readonly webhook: WebhookTarget | null;
  /** Pending lifecycle timers: cleared when the prediction ends early. */
  readonly timers: Set<CancelTimer>;
  readonly terminalListeners: Set<() => void>;
  /** Input images being downloaded since processing started. */
  inputs: Promise<PreparedInputs> | undefined;
}

/** Where the simulator's API and web pages are served, for a prediction's `urls`. */
export interface PredictionUrls {
  readonly apiBaseUrl: string;
  readonly origin: string;
}

export function predictionJson(record: PredictionRecord, { apiBaseUrl, origin }: PredictionUrls): PredictionJson {
  const output = record.outputUrls && (record.model.outputIsArray ? [...record.outputUrls] : record.outputUrls[0]);
  return {
    id: record.id,
    model: record.model.replicateModel,
    version: record.version,
    input: record.input,
    logs: record.logs,
    output: output ?? null,
    data_removed: record.dataRemoved,
    error: record.error,
    status: record.status,
    created_at: iso(record.createdAt),
    ...(record.startedAt !== undefined && { started_at: iso(record.startedAt) }),
    ...(record.completedAt !== undefined && { completed_at: iso(record.completedAt) }),
    ...(record.deadline !== undefined && { deadline: iso(record.deadline) }),
    source: 'api',
    metrics: metricsOf(record),
    urls: {
      get: `${apiBaseUrl}/predictions/${record.id}`,
      cancel: `${apiBaseUrl}/predictions/${record.id}/cancel`,
      web: `${origin}/p/${record.id}`,
    },
  };
}

function metricsOf(record: PredictionRecord): PredictionMetrics {
  if (record.completedAt === undefined) return {};
  return {
    ...(record.startedAt !== undefined && { predict_time: seconds(record.completedAt - record.startedAt) }),
    total_time: seconds(record.completedAt - record.createdAt),
    ...(record.imageCount !== undefined && record.status === 'succeeded' && { image_count: record.imageCount }),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
