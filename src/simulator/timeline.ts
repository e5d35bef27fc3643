/**
 * How long one simulated prediction spends in each phase, in simulated seconds (the engine scales
 * them by `speed`). Derived from the catalog's `averageSeconds`: official models are always on,
 * so the queue is short and most of the time is spent processing; ±10 % jitter keeps clients from
 * depending on exact timings.
 */
import type { SimulatedModel } from './models.ts';
import type { PromptMarkers } from './markers.ts';

export const SLOW_PROCESSING_SECONDS = 30;
export const COLD_BOOT_SECONDS = 60;
/** How far into processing a `[sim:fail]` prediction fails. */
export const FAILURE_POINT = 0.4;
/** Plain-style models log a heartbeat this often (simulated seconds) during a `[sim:slow]` run. */
export const SLOW_HEARTBEAT_SECONDS = 5;

export interface Timeline {
  readonly queueSeconds: number;
  readonly processingSeconds: number;
  /** tqdm models: denoising steps shown in the progress bar; 0 for plain-style models. */
  readonly steps: number;
}

export function planTimeline(
  model: SimulatedModel,
  input: Readonly<Record<string, unknown>>,
  markers: PromptMarkers,
  random: () => number = Math.random,
): Timeline {
  const jitter = (): number => 0.9 + random() * 0.2;
  const warmQueueSeconds = clamp(model.averageSeconds * 0.1, 0.2, 1.5) * jitter();
  const queueSeconds = markers.cold ? COLD_BOOT_SECONDS : warmQueueSeconds;
  const processingSeconds = markers.slow
    ? SLOW_PROCESSING_SECONDS
    : Math.max(0.2, (model.averageSeconds - warmQueueSeconds) * jitter());
  return { queueSeconds, processingSeconds, steps: model.logStyle === 'tqdm' ? inferenceSteps(model, input) : 0 };
}

function inferenceSteps(model: SimulatedModel, input: Readonly<Record<string, unknown>>): number {
  const requested = input.num_inference_steps ?? model.defaultInput.num_inference_steps;
  return typeof requested === 'number' && Number.isInteger(requested) && requested > 0 ? requested : 4;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
