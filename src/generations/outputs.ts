/**
 * A succeeded prediction's outputs: downloaded, stored under content-addressed keys, and only
 * then the prediction ended — SUCCEEDED is only ever shown with images. A transparent
 * generation's images are chained to background removal in the same transaction, and a print
 * generation's to their upscale passes and print file (`print-files.ts`).
 */
import { createHash } from 'node:crypto';
import type { PredictionRow } from '../db/types.ts';
import type { Prediction as Upstream } from '../replicate/index.ts';
import { DownloadError, IMAGE_EXTENSIONS } from '../storage/index.ts';
import { chainRemovalsIn } from './chain.ts';
import { scheduleTrack, type TrackPayload } from './jobs.ts';
import { endPrediction } from './predictions-store.ts';
import { advancePrintSteps, chainUpscalesIn, type PrintWork } from './print-files.ts';
import { printTargetOf, upscaleStepOf } from './print-steps.ts';
import {
  findGeneration,
  insertImages,
  lockGeneration,
  recordPrintFile,
  type Generation,
  type NewImageRow,
} from './store.ts';
import type { Tracker } from './tracker-interface.ts';
import { finalizeIfDone, modelOf } from './transitions.ts';
import { imagePositionOfRemoval } from './transparency.ts';

export function outputUrls(output: unknown): string[] {
  if (typeof output === 'string') return [output];
  if (Array.isArray(output)) return output.filter((entry): entry is string => typeof entry === 'string');
  return [];
}

/** The most an upscaled output may weigh: a 64 MP RGBA PNG stored raw (what the file step decodes). */
const MAX_UPSCALED_BYTES = 256 * 1024 * 1024;

/**
 * Stores every output, then ends the prediction: SUCCEEDED is only ever shown with images. With a
 * print target, each image's next print step is taken first (`print-files.ts`): an upscale pass
 * chained in the same transaction, or its file made before the prediction ends.
 */
export async function completeSuccess(
  tracker: Tracker,
  prediction: PredictionRow,
  upstream: Upstream,
  payload: TrackPayload,
): Promise<void> {
  const { db, settings, now } = tracker.deps;
  const generation = await findGeneration(db, prediction.generation_id);
  if (!generation) return;
  const urls = outputUrls(upstream.output);
  const reported = upstream.metrics?.image_count;
  const produced = typeof reported === 'number' && Number.isInteger(reported) ? reported : urls.length;
  const lost = (reason: string) =>
    tracker.endPrediction(prediction, {
      state: 'failed',
      output: null,
      error: `The images could not be stored: ${reason}.`,
      metrics: { ...(upstream.metrics ?? {}), failure_code: 'OUTPUT_UNAVAILABLE' },
      producedImages: produced,
    });
  if (urls.length === 0) {
    await lost(upstream.data_removed ? 'Replicate already deleted them' : 'the model returned no image');
    return;
  }

  let outputs: PreparedOutputs;
  try {
    outputs = await prepareOutputs(tracker, generation, prediction, urls);
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    await retryOrLose(tracker, prediction, payload, error, lost);
    return;
  }

  const { images, print } = outputs;
  const printErrors = print && Object.keys(print.errors).length > 0 ? { print_file_errors: print.errors } : {};
  const chained = await tracker.transact(async (trx, changes) => {
    // The generation before its images and prediction: a cancel takes them in the same order.
    await lockGeneration(trx, generation.id);
    await insertImages(trx, images);
    for (const [position, file] of print?.files ?? []) await recordPrintFile(trx, generation.id, position, file);
    const metrics = { ...(upstream.metrics ?? {}), ...printErrors };
    const end = {
      state: 'succeeded',
      output: upstream.output,
      error: null,
      metrics,
      producedImages: produced,
    } as const;
    if (!(await endPrediction(trx, prediction.id, end, now()))) return [];
    const handoffMs = settings.removalHandoffMs ?? 15_000;
    // A transparent generation's images go on to background removal, chained in this same
    // transaction: the generation cannot end (or settle) before its next phase has.
    const removals =
      prediction.purpose === 'generate' && generation.transparent_background
        ? await chainRemovalsIn(trx, generation.id, urls, positionsOf(images), now(), handoffMs, changes)
        : [];
    const upscales = await chainUpscalesIn(trx, generation.id, print?.upscales ?? [], now(), handoffMs, changes);
    changes.push(...(await finalizeIfDone(trx, generation.id, now())));
    return [...removals, ...upscales];
  });
  // Outside the transaction, as every create; their jobs send them if this process cannot.
  await Promise.all(chained.map((next) => tracker.create(next, ['pending'])));
}

function positionsOf(images: readonly NewImageRow[]): number[] {
  return images.map((image) => image.position);
}

/** A failed download: retried later (with backoff) while it may be transient, else the outputs are lost. */
async function retryOrLose(
  tracker: Tracker,
  prediction: PredictionRow,
  payload: TrackPayload,
  error: DownloadError,
  lost: (reason: string) => Promise<void>,
): Promise<void> {
  const { db, settings, logger } = tracker.deps;
  if (error.aborted) {
    // This process is stopping: not a failed attempt; due again at once, for whichever worker.
    await scheduleTrack(db, payload, 0);
    return;
  }
  const attempt = (payload.persistAttempt ?? 0) + 1;
  if (error.permanent || attempt >= settings.maxPersistAttempts) {
    await lost(error.message);
    return;
  }
  logger.warn({ err: error, predictionId: prediction.id, attempt }, 'storing outputs failed; retrying');
  await scheduleTrack(db, { ...payload, persistAttempt: attempt }, 1000 * 2 ** attempt);
}

interface PreparedOutputs {
  /** Images to store (none for an upscale pass: only the print file is kept of it). */
  readonly images: readonly NewImageRow[];
  /** The images' next print steps, when the generation asked for a print file and is at that step. */
  readonly print: PrintWork | null;
}

async function prepareOutputs(
  tracker: Tracker,
  generation: Generation,
  prediction: PredictionRow,
  urls: readonly string[],
): Promise<PreparedOutputs> {
  const target = printTargetOf(generation);
  const step = prediction.purpose === 'upscale' ? upscaleStepOf(prediction.position) : null;
  if (step) {
    if (!target) return { images: [], print: null };
    const { bytes, info } = await tracker.deps.downloader.download(urls[0]!, undefined, MAX_UPSCALED_BYTES);
    const held = { ...info, bytes, url: urls[0]!, imagePosition: step.imagePosition, passesDone: step.pass + 1 };
    return { images: [], print: await advancePrintSteps(tracker, generation, target, [held]) };
  }
  const stored = await storeOutputs(tracker, generation, prediction, urls);
  const images = stored.map((output) => output.image);
  // The print steps start from the image the print is made of: the cut-out one when transparent.
  const printsNow = prediction.purpose === 'remove_background' || !generation.transparent_background;
  if (!target || !printsNow) return { images, print: null };
  const held = stored.map(({ image, bytes }, index) => ({
    imagePosition: image.position,
    url: urls[index]!,
    width: image.width,
    height: image.height,
    passesDone: 0,
    bytes,
  }));
  return { images, print: await advancePrintSteps(tracker, generation, target, held) };
}

async function storeOutputs(
  tracker: Tracker,
  generation: Generation,
  prediction: PredictionRow,
  urls: readonly string[],
): Promise<Array<{ readonly image: NewImageRow; readonly bytes: Buffer }>> {
  const { downloader, storage } = tracker.deps;
  const model = modelOf(generation);
  // A background removal stores the transparent version of the image it was chained for.
  const removalOf = prediction.purpose === 'remove_background' ? imagePositionOfRemoval(prediction.position) : null;
  return Promise.all(
    urls.map(async (url, index) => {
      const { bytes, info } = await downloader.download(url);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const position = removalOf ?? prediction.position * model.maxOutputsPerPrediction + index;
      // The content hash makes the URL unguessable and the write idempotent for racing trackers.
      const storageKey = `${generation.id}/${position}-${sha256.slice(0, 32)}.${IMAGE_EXTENSIONS[info.contentType]}`;
      await storage.put(storageKey, bytes, info.contentType);
      const image: NewImageRow = {
        generationId: generation.id,
        position,
        storageKey,
        contentType: info.contentType,
        width: info.width,
        height: info.height,
        bytes: bytes.length,
        sha256,
        source: removalOf === null ? 'generate' : 'remove_background',
      };
      return { image, bytes };
    }),
  );
}
