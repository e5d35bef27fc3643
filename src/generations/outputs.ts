/**
 * A succeeded prediction's outputs: downloaded, stored under content-addressed keys, and only
 * then the prediction ended — SUCCEEDED is only ever shown with images. A transparent
 * generation's images are chained to background removal in the same transaction.
 */
import { createHash } from 'node:crypto';
import type { PredictionRow } from '../db/types.ts';
import type { Prediction as Upstream } from '../replicate/index.ts';
import { DownloadError, IMAGE_EXTENSIONS } from '../storage/index.ts';
import { chainRemovalsIn } from './chain.ts';
import { scheduleTrack, type TrackPayload } from './jobs.ts';
import { endPrediction } from './predictions-store.ts';
import { findGeneration, insertImages, lockGeneration, type Generation, type NewImageRow } from './store.ts';
import type { Tracker } from './tracker-interface.ts';
import { finalizeIfDone, modelOf } from './transitions.ts';
import { imagePositionOfRemoval } from './transparency.ts';

export function outputUrls(output: unknown): string[] {
  if (typeof output === 'string') return [output];
  if (Array.isArray(output)) return output.filter((entry): entry is string => typeof entry === 'string');
  return [];
}

/** Stores every output, then ends the prediction: SUCCEEDED is only ever shown with images. */
export async function completeSuccess(
  tracker: Tracker,
  prediction: PredictionRow,
  upstream: Upstream,
  payload: TrackPayload,
): Promise<void> {
  const { db, settings, logger, now } = tracker.deps;
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

  let images: NewImageRow[];
  try {
    images = await storeOutputs(tracker, generation, prediction, urls);
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
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
    return;
  }

  const removals = await tracker.transact(async (trx, changes) => {
    // The generation before its images and prediction: a cancel takes them in the same order.
    await lockGeneration(trx, generation.id);
    await insertImages(trx, images);
    const ended = await endPrediction(
      trx,
      prediction.id,
      { state: 'succeeded', output: upstream.output, error: null, metrics: upstream.metrics, producedImages: produced },
      now(),
    );
    if (!ended) return [];
    // A transparent generation's images go on to background removal, chained in this same
    // transaction: the generation cannot end (or settle) before its second phase has.
    const chained =
      prediction.purpose === 'generate' && generation.transparent_background
        ? await chainRemovalsIn(
            trx,
            generation.id,
            urls,
            images.map((image) => image.position),
            now(),
            settings.removalHandoffMs ?? 15_000,
            changes,
          )
        : [];
    changes.push(...(await finalizeIfDone(trx, generation.id, now())));
    return chained;
  });
  // Outside the transaction, as every create; their jobs send them if this process cannot.
  await Promise.all(removals.map((removal) => tracker.create(removal, ['pending'])));
}

async function storeOutputs(
  tracker: Tracker,
  generation: Generation,
  prediction: PredictionRow,
  urls: readonly string[],
): Promise<NewImageRow[]> {
  const { downloader, storage } = tracker.deps;
  const model = modelOf(generation);
  // A background removal stores the transparent version of the image it was chained for.
  const removalOf = prediction.purpose === 'remove_background' ? imagePositionOfRemoval(prediction.position) : null;
  return Promise.all(
    urls.map(async (url, index): Promise<NewImageRow> => {
      const { bytes, info } = await downloader.download(url);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const position = removalOf ?? prediction.position * model.maxOutputsPerPrediction + index;
      // The content hash makes the URL unguessable and the write idempotent for racing trackers.
      const storageKey = `${generation.id}/${position}-${sha256.slice(0, 32)}.${IMAGE_EXTENSIONS[info.contentType]}`;
      await storage.put(storageKey, bytes, info.contentType);
      return {
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
    }),
  );
}
