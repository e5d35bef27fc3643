/**
 * The tracker's side of print files (issue #25; each image's next step is planned in
 * `print-steps.ts`):
 *
 * - `advancePrintSteps`: in the job of the prediction that holds an image's latest pixels (its
 *   generate prediction, its removal, or an upscale pass), either plan one more upscale pass or
 *   make the exact file now (`PrintFileMaker`: libvips off the event loop, a bounded number at
 *   once per process) and store it like any image. This runs before that prediction ends, so the
 *   generation — and its settlement — waits for its files; a crash before the end leaves the
 *   prediction to its job, which makes the same file again (the key is its content hash).
 * - `chainUpscalesIn`: inside the transaction that ends that prediction, insert the planned
 *   passes (one prediction each, created outside the transaction like every create) and move the
 *   generation to UPSCALING.
 */
import { createHash } from 'node:crypto';
import { replicateRefOf, upscalerModel, UPSCALER_LIMITS } from '../catalog/models.ts';
import type { Executor } from '../db/index.ts';
import { PrintFileError } from '../print/file.ts';
import type { PrintTarget } from '../print/target.ts';
import { chainStepsIn } from './chain.ts';
import type { Prediction } from './predictions-store.ts';
import { nextUpscale, type PlannedUpscale, type PrintFileErrors, type PrintSource } from './print-steps.ts';
import { advancePhase, type Generation, type GenerationChange, type StoredPrintFile } from './store.ts';
import type { Tracker } from './tracker-interface.ts';

/** An image whose pixels this job holds, with where it stands in its print steps. */
export type HeldImage = PrintSource & { readonly bytes: Buffer };

export interface PrintWork {
  /** Passes to chain in the transaction that ends this job's prediction. */
  readonly upscales: readonly PlannedUpscale[];
  /** Files made and stored, by image position. */
  readonly files: ReadonlyMap<number, StoredPrintFile>;
  /** Why a file could not be made, by image position (`metrics.print_file_errors`). */
  readonly errors: PrintFileErrors;
}

/** The next print step of each image this job holds: one more upscale pass, or its file now. */
export async function advancePrintSteps(
  tracker: Tracker,
  generation: Generation,
  target: PrintTarget,
  images: readonly HeldImage[],
): Promise<PrintWork> {
  const upscales: PlannedUpscale[] = [];
  const ready: HeldImage[] = [];
  for (const image of images) {
    const next = nextUpscale(image, target, UPSCALER_LIMITS);
    if (next) upscales.push(next);
    else ready.push(image);
  }
  return { upscales, ...(await makePrintFiles(tracker, generation, target, ready)) };
}

async function makePrintFiles(
  tracker: Tracker,
  generation: Generation,
  target: PrintTarget,
  images: readonly HeldImage[],
): Promise<Pick<PrintWork, 'files' | 'errors'>> {
  const files = new Map<number, StoredPrintFile>();
  const errors: Record<string, string> = {};
  if (images.length === 0) return { files, errors };
  const { storage, printFiles, now } = tracker.deps;
  await tracker.transact(async (trx, changes) => {
    changes.push(await advancePhase(trx, generation.id, 'PREPARING_PRINT_FILE', now()));
  });
  await Promise.all(
    images.map(async (image) => {
      try {
        const file = await printFiles.make(image.bytes, target);
        const sha256 = createHash('sha256').update(file.bytes).digest('hex');
        // The download name says the file's size; the content hash makes it unguessable.
        const name = `print-${image.imagePosition}-${file.width}x${file.height}-${file.dpi}dpi-${sha256.slice(0, 32)}`;
        const storageKey = `${generation.id}/${name}.png`;
        await storage.put(storageKey, file.bytes, 'image/png');
        const { width, height, dpi } = file;
        files.set(image.imagePosition, { storageKey, width, height, dpi, bytes: file.bytes.length });
      } catch (error) {
        if (!(error instanceof PrintFileError)) throw error;
        tracker.deps.logger.warn({ err: error, generationId: generation.id }, 'print file could not be made');
        errors[String(image.imagePosition)] = error.message;
      }
    }),
  );
  return { files, errors };
}

/**
 * Chains the planned upscale passes of an active generation (`chainStepsIn`: a second tracker
 * chains none) and moves it to UPSCALING. Returns the predictions inserted.
 */
export function chainUpscalesIn(
  trx: Executor,
  generationId: string,
  upscales: readonly PlannedUpscale[],
  now: Date,
  handoffMs: number,
  changes: Array<GenerationChange | null>,
): Promise<Prediction[]> {
  const step = { purpose: 'upscale', replicateModel: replicateRefOf(upscalerModel()) } as const;
  return chainStepsIn(trx, generationId, step, upscales, 'UPSCALING', { now, handoffMs, changes });
}
