/**
 * Prediction state and lifecycle: `starting` (queue) → `processing` (logs grow) → `succeeded` |
 * `failed` | `canceled`, or `aborted` when a `Cancel-After` deadline passes before start. Every
 * duration is simulated seconds × `speed`; every timer belongs to the prediction that scheduled it,
 * so a cancel or deadline stops the rest of its lifecycle at once.
 *
 * Output files, input and logs are removed one simulated hour after completion, as Replicate does
 * for API predictions. Removal is applied lazily against the injected clock on every read (so
 * tests can jump the clock) and by a timer (so a long-running simulator frees the image bytes).
 */
import type { SimulatedModel, SimulatedUpscaler } from './models.ts';
import type { Logger } from '../logger.ts';
import type { CreditAccount } from './account.ts';
import { newPredictionId, randomSeed } from './ids.ts';
import { plainLog, seedLine, tqdmLine } from './logs.ts';
import { readPromptMarkers, type PromptMarkers } from './markers.ts';
import {
  expectedImageCount,
  ModelInputError,
  prepareInputs,
  renderOutputs,
  upscaleSeconds,
  type ImageFetcher,
  type PreparedInputs,
  type OutputRequest,
} from './outputs.ts';
import type { Scheduler } from './scheduler.ts';
import { FAILURE_POINT, planTimeline, SLOW_HEARTBEAT_SECONDS } from './timeline.ts';
import { predictionJson, type PredictionRecord } from './prediction-record.ts';
import {
  TERMINAL_STATUSES,
  type PredictionJson,
  type PredictionStatus,
  type SimulatedPredictionSnapshot,
} from './types.ts';
import type { WebhookDispatcher, WebhookEvent, WebhookTarget } from './webhooks.ts';

/** Replicate removes API predictions' data one hour after completion. */
export const DATA_RETENTION_SECONDS = 3600;
/** Simulated seconds between the model returning and the prediction completing (upload). */
const UPLOAD_SECONDS = 0.05;

export interface CreatePredictionParams {
  readonly model: SimulatedModel;
  readonly version: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly webhook: string | undefined;
  readonly webhookEvents: ReadonlySet<WebhookEvent>;
  readonly cancelAfterSeconds: number | undefined;
}

export interface PredictionEngineOptions {
  readonly speed: number;
  readonly now: () => number;
  readonly scheduler: Scheduler;
  readonly webhooks: WebhookDispatcher;
  readonly credits: CreditAccount;
  readonly apiBaseUrl: string;
  readonly origin: string;
  readonly fetchImage: ImageFetcher;
  readonly logger: Logger;
}

/** An opaque prediction handle for the HTTP layer; read it through the engine. */
export type Prediction = Readonly<Pick<PredictionRecord, 'id' | 'status'>>;

export class PredictionEngine {
  private readonly records = new Map<string, PredictionRecord>();
  private sequence = 0;
  /** Ids of predictions created since the last `resetCounters()`, for `predictions()`. */
  private createdSinceReset: string[] = [];

  constructor(private readonly options: PredictionEngineOptions) {}

  create(params: CreatePredictionParams): Prediction {
    const { now } = this.options;
    const createdAt = now();
    const id = newPredictionId();
    const markers = this.markersOf(params);
    const seed = typeof params.input.seed === 'number' ? params.input.seed : randomSeed();
    const webhook: WebhookTarget | null = params.webhook
      ? {
          predictionId: id,
          url: params.webhook,
          events: params.webhookEvents,
          // Deliveries serialise the prediction when they are sent, not when they are queued.
          snapshot: () => this.toJson(record),
        }
      : null;
    const record: PredictionRecord = {
      id,
      sequence: this.sequence++,
      model: params.model,
      version: params.version,
      input: params.input,
      status: 'starting',
      logs: '',
      outputUrls: null,
      files: [],
      error: null,
      createdAt,
      startedAt: undefined,
      completedAt: undefined,
      deadline:
        params.cancelAfterSeconds === undefined ? undefined : createdAt + this.scaledMs(params.cancelAfterSeconds),
      dataRemoved: false,
      imageCount: undefined,
      chargedMicros: 0,
      seed,
      markers,
      timeline: planTimeline(params.model, params.input, markers),
      webhook,
      timers: new Set(),
      terminalListeners: new Set(),
      inputs: undefined,
    };
    this.records.set(id, record);
    this.createdSinceReset.push(id);
    if (params.cancelAfterSeconds !== undefined) {
      this.schedule(record, this.scaledMs(params.cancelAfterSeconds), () => this.onDeadline(record));
    }
    this.schedule(record, this.scaledMs(record.timeline.queueSeconds), () => this.start(record));
    this.options.logger.debug(
      { predictionId: id, model: params.model.replicateModel },
      'simulator: prediction created',
    );
    return record;
  }

  get(id: string): Prediction | undefined {
    const record = this.records.get(id);
    if (record) this.applyDataRetention(record);
    return record;
  }

  /** Every prediction, newest first. */
  all(): Prediction[] {
    const records = [...this.records.values()].sort((a, b) => b.createdAt - a.createdAt || b.sequence - a.sequence);
    for (const record of records) this.applyDataRetention(record);
    return records;
  }

  /** Position of a prediction in the newest-first order, for list cursors. */
  position(prediction: Prediction): { readonly createdAt: number; readonly sequence: number } {
    const record = this.record(prediction);
    return { createdAt: record.createdAt, sequence: record.sequence };
  }

  /** Cancels a running prediction; a terminal one is left unchanged (cancel is idempotent). */
  cancel(prediction: Prediction): void {
    const record = this.record(prediction);
    if (!this.isTerminal(record)) this.finish(record, 'canceled');
  }

  /** Resolves when the prediction is terminal, `ms` have passed, or the simulator closes. */
  async waitForTerminal(prediction: Prediction, ms: number): Promise<void> {
    const record = this.record(prediction);
    if (this.isTerminal(record)) return;
    const done = new AbortController();
    const listener = (): void => done.abort();
    record.terminalListeners.add(listener);
    try {
      await this.options.scheduler.delay(ms, done.signal);
    } finally {
      record.terminalListeners.delete(listener);
    }
  }

  isTerminal(prediction: Prediction): boolean {
    return TERMINAL_STATUSES.has(prediction.status);
  }

  /** The bytes of output image `index`, while the prediction's data has not been removed. */
  file(id: string, index: number): Buffer | undefined {
    const record = this.records.get(id);
    if (!record) return undefined;
    this.applyDataRetention(record);
    return record.files[index];
  }

  expectedCostMicros(model: SimulatedModel, input: Readonly<Record<string, unknown>>): number {
    return model.costPerImageMicros * expectedImageCount(model, input);
  }

  toJson(prediction: Prediction): PredictionJson {
    return predictionJson(this.record(prediction), this.options);
  }

  snapshots(): SimulatedPredictionSnapshot[] {
    return this.createdSinceReset.flatMap((id) => {
      const record = this.records.get(id);
      if (!record) return [];
      this.applyDataRetention(record);
      return [
        {
          ...this.toJson(record),
          webhook: record.webhook?.url ?? null,
          webhookEventsFilter: record.webhook ? [...record.webhook.events] : [],
          chargedMicros: record.chargedMicros,
        },
      ];
    });
  }

  countByStatus(): Record<PredictionStatus, number> {
    const counts: Record<PredictionStatus, number> = {
      starting: 0,
      processing: 0,
      succeeded: 0,
      failed: 0,
      canceled: 0,
      aborted: 0,
    };
    for (const record of this.records.values()) counts[record.status] += 1;
    return counts;
  }

  runCount(model: SimulatedModel): number {
    let count = 0;
    for (const record of this.records.values()) if (record.model === model) count += 1;
    return count;
  }

  resetCounters(): void {
    this.createdSinceReset = [];
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  private start(record: PredictionRecord): void {
    if (record.status !== 'starting') return;
    record.status = 'processing';
    record.startedAt = this.options.now();
    const { timeline, model, markers } = record;
    const processingMs = this.scaledMs(timeline.processingSeconds);
    this.emit(record, 'start');

    if (model.upscaler) {
      this.appendLogs(record, ['Downloading input image...', 'Upscaling image...']);
    } else if (model.kind === 'postprocess') {
      this.appendLogs(record, ['Downloading input image...', 'Removing background...']);
    } else if (model.logStyle === 'tqdm') {
      this.appendLogs(record, [seedLine(record.seed), tqdmLine(0, timeline.steps, 0)]);
    } else {
      this.appendLogs(record, [seedLine(record.seed), plainLog.generating]);
    }

    // Input images are fetched now: a broken one fails the run early, as upstream.
    record.inputs = prepareInputs(this.outputRequest(record));
    record.inputs.catch((error: unknown) => {
      if (record.status === 'processing') this.failOnInput(record, error);
    });
    if (model.upscaler) {
      this.scheduleUpscale(record, model.upscaler);
      return;
    }

    if (markers.fail) {
      this.schedule(record, processingMs * FAILURE_POINT, () => this.failAsRequested(record));
    }
    if (model.logStyle === 'tqdm' && model.kind === 'generate') {
      this.scheduleTqdmProgress(record, processingMs);
    } else if (markers.slow) {
      this.schedulePlainHeartbeats(record);
    }
    this.schedule(record, processingMs, () => this.completeProcessing(record));
  }

  /** An upscaler runs for as long as its output takes to write: known once the input is read. */
  private scheduleUpscale(record: PredictionRecord, upscaler: SimulatedUpscaler): void {
    record.inputs!.then(
      (prepared) => {
        if (record.status !== 'processing') return;
        const processingMs = this.scaledMs(upscaleSeconds(upscaler, prepared.size));
        if (record.markers.fail) {
          this.schedule(record, processingMs * FAILURE_POINT, () => this.failAsRequested(record));
        }
        this.schedule(record, processingMs, () => this.completeProcessing(record));
      },
      () => undefined, // failed on its input (above)
    );
  }

  /**
   * The prompt's markers; an upscaler's input has no prompt, so it fails on request when the
   * image it reads was made (or cut out of one made) by a prompt with `[sim:fail-upscale]`.
   */
  private markersOf(params: CreatePredictionParams): PromptMarkers {
    const markers = readPromptMarkers(params.input);
    if (!params.model.upscaler || typeof params.input.image !== 'string') return markers;
    return this.madeUnder(params.input.image, 3)?.failUpscale ? { ...markers, fail: true } : markers;
  }

  /** The markers of the prompt behind one of this simulator's output files (through removals). */
  private madeUnder(url: string, depth: number): PromptMarkers | undefined {
    if (depth === 0 || !url.startsWith(`${this.options.origin}/files/`)) return undefined;
    const source = this.records.get(url.slice(this.options.origin.length + '/files/'.length).split('/')[0]!);
    if (!source) return undefined;
    if (typeof source.input.prompt === 'string') return source.markers;
    return typeof source.input.image === 'string' ? this.madeUnder(source.input.image, depth - 1) : undefined;
  }

  private scheduleTqdmProgress(record: PredictionRecord, processingMs: number): void {
    const { steps, processingSeconds } = record.timeline;
    for (let step = 1; step <= steps; step++) {
      const at = (processingMs * step) / steps;
      this.schedule(record, at, () => {
        if (record.status === 'processing') {
          this.appendLogs(record, [tqdmLine(step, steps, (processingSeconds * step) / steps)]);
        }
      });
    }
  }

  private schedulePlainHeartbeats(record: PredictionRecord): void {
    const { processingSeconds } = record.timeline;
    for (let elapsed = SLOW_HEARTBEAT_SECONDS; elapsed < processingSeconds; elapsed += SLOW_HEARTBEAT_SECONDS) {
      const seconds = elapsed;
      this.schedule(record, this.scaledMs(seconds), () => {
        if (record.status === 'processing') this.appendLogs(record, [plainLog.stillGenerating(seconds)]);
      });
    }
  }

  private async completeProcessing(record: PredictionRecord): Promise<void> {
    if (record.status !== 'processing' || !record.inputs) return;
    let files: Buffer[];
    let prepared: PreparedInputs;
    try {
      prepared = await record.inputs;
      files = await renderOutputs(this.outputRequest(record), prepared);
    } catch (error) {
      if (record.status === 'processing') this.failOnInput(record, error);
      return;
    }
    if (record.status !== 'processing') return;
    const seconds = record.timeline.processingSeconds;
    if (record.markers.nsfw) {
      this.fail(record, nsfwMessage(record.model), ['Running safety checker...', 'NSFW content detected.']);
      return;
    }
    if (record.model.upscaler) {
      this.appendLogs(record, [`Upscaled to ${prepared.size.width}x${prepared.size.height}`]);
    } else if (record.model.kind === 'postprocess') {
      this.appendLogs(record, [`Removed background in ${seconds.toFixed(1)}sec`]);
    } else if (record.model.logStyle === 'plain') {
      const bytes = files.reduce((total, file) => total + file.length, 0);
      this.appendLogs(record, [plainLog.generated(seconds), plainLog.downloading(bytes)]);
    }
    record.files = files;
    record.outputUrls = files.map((_, index) => `${this.options.origin}/files/${record.id}/${index}.png`);
    record.imageCount = files.length;
    this.emit(record, 'output');
    this.schedule(record, this.scaledMs(UPLOAD_SECONDS), () => this.finish(record, 'succeeded'));
  }

  private failOnInput(record: PredictionRecord, error: unknown): void {
    const message = error instanceof ModelInputError ? error.message : 'Prediction failed: could not process input';
    if (!(error instanceof ModelInputError)) {
      this.options.logger.error({ err: error, predictionId: record.id }, 'simulator: unexpected model error');
    }
    this.fail(record, message, [`Error: ${message}`]);
  }

  private failAsRequested(record: PredictionRecord): void {
    if (record.status !== 'processing') return;
    const message = 'CUDA out of memory. Tried to allocate 2.00 GiB (simulated failure requested by [sim:fail])';
    this.fail(record, message, ['Traceback (most recent call last):', `torch.OutOfMemoryError: ${message}`]);
  }

  private fail(record: PredictionRecord, message: string, logLines: readonly string[]): void {
    this.appendLogs(record, logLines);
    record.error = message;
    this.finish(record, 'failed');
  }

  private onDeadline(record: PredictionRecord): void {
    if (record.status === 'starting') this.finish(record, 'aborted');
    else if (record.status === 'processing') this.finish(record, 'canceled');
  }

  private finish(record: PredictionRecord, status: PredictionStatus): void {
    if (this.isTerminal(record)) return;
    for (const cancel of record.timers) cancel();
    record.timers.clear();
    record.status = status;
    record.completedAt = this.options.now();
    if (status === 'succeeded') {
      record.chargedMicros = record.model.costPerImageMicros * (record.imageCount ?? 0);
      this.options.credits.charge(record.chargedMicros);
    } else {
      record.outputUrls = null;
      record.files = [];
    }
    this.emit(record, 'completed');
    for (const listener of [...record.terminalListeners]) listener();
    // Not via schedule(): this timer must outlive the lifecycle timers cleared above.
    this.options.scheduler.after(this.scaledMs(DATA_RETENTION_SECONDS), () => this.applyDataRetention(record));
    this.options.logger.debug({ predictionId: record.id, status }, 'simulator: prediction finished');
  }

  private applyDataRetention(record: PredictionRecord): void {
    if (record.dataRemoved || record.completedAt === undefined) return;
    if (this.options.now() < record.completedAt + this.scaledMs(DATA_RETENTION_SECONDS)) return;
    record.dataRemoved = true;
    record.input = {};
    record.logs = '';
    record.outputUrls = null;
    record.files = [];
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  private appendLogs(record: PredictionRecord, lines: readonly string[]): void {
    record.logs += lines.map((line) => `${line}\n`).join('');
    this.emit(record, 'logs');
  }

  private emit(record: PredictionRecord, event: WebhookEvent): void {
    if (record.webhook) this.options.webhooks.emit(record.webhook, event);
  }

  private schedule(record: PredictionRecord, ms: number, task: () => void | Promise<void>): void {
    const cancel = this.options.scheduler.after(ms, () => {
      record.timers.delete(cancel);
      return task();
    });
    record.timers.add(cancel);
  }

  private outputRequest(record: PredictionRecord): OutputRequest {
    return { model: record.model, input: record.input, predictionId: record.id, fetchImage: this.options.fetchImage };
  }

  private scaledMs(simulatedSeconds: number): number {
    return simulatedSeconds * 1000 * this.options.speed;
  }

  private record(prediction: Prediction): PredictionRecord {
    const record = this.records.get(prediction.id);
    if (!record) throw new Error(`unknown prediction ${prediction.id}`);
    return record;
  }
}

/** The safety-filter wording of each model family, as their Replicate models report it. */
function nsfwMessage(model: SimulatedModel): string {
  if (model.replicateModel.startsWith('google/')) {
    return 'The input or output was flagged as sensitive. Please try again with different inputs. (E005)';
  }
  return 'NSFW content detected. Try running it again, or try a different prompt.';
}
