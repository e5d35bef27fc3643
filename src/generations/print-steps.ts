/**
 * Print files (issue #25), the pure part: where each image stands in its print pipeline and what
 * its next step is. After an image's last step before printing — its generate prediction, or its
 * background removal when transparent — the image is upscaled by the catalog upscaler, one
 * `upscale` prediction per pass, each pass planned from the pixels the previous one returned
 * (`planUpscale`: the smallest covering factor, a second pass only when one cannot cover the
 * target within the upscaler's input limit), at most `MAX_UPSCALE_PASSES` (what the hold covers).
 * When no pass is left, the job that has the pixels makes the exact file (`print/file.ts`).
 *
 * Upscale predictions take positions `UPSCALE_POSITION_BASE + pass × 1000 + image`, so the unique
 * (generation, position) index makes chaining one twice a no-op: one upstream prediction per step.
 */
import { upscaleInput } from '../catalog/models.ts';
import type { PredictionState } from '../db/types.ts';
import { imagePositionOfRemoval } from './transparency.ts';
import { MAX_UPSCALE_PASSES, planUpscale, type PrintTarget, type UpscalerLimits } from '../print/target.ts';

export const UPSCALE_POSITION_BASE = 2000;
const POSITIONS_PER_PASS = 1000;

export const PRINT_FILE_FAILED = 'PRINT_FILE_FAILED';

/** The print target a generation was admitted with (`request.print`); null without one. */
export function printTargetOf(generation: { readonly request: { readonly print?: PrintTarget } }): PrintTarget | null {
  return generation.request.print ?? null;
}

export function upscalePosition(imagePosition: number, pass: number): number {
  return UPSCALE_POSITION_BASE + pass * POSITIONS_PER_PASS + imagePosition;
}

/** The image and the pass (0-based) of an upscale prediction's position; null for any other. */
export function upscaleStepOf(position: number): { readonly imagePosition: number; readonly pass: number } | null {
  if (position < UPSCALE_POSITION_BASE || position >= UPSCALE_POSITION_BASE + MAX_UPSCALE_PASSES * POSITIONS_PER_PASS) {
    return null;
  }
  const offset = position - UPSCALE_POSITION_BASE;
  return { imagePosition: offset % POSITIONS_PER_PASS, pass: Math.floor(offset / POSITIONS_PER_PASS) };
}

/** An image ready for its next print step: where it is, its pixels, and the URL Replicate can read. */
export interface PrintSource {
  readonly imagePosition: number;
  readonly url: string;
  readonly width: number;
  readonly height: number;
  /** Upscale passes already run on it. */
  readonly passesDone: number;
}

export interface PlannedUpscale {
  readonly position: number;
  readonly imagePosition: number;
  readonly input: { readonly image: string; readonly scale: number };
}

/** The next step of an image: one more upscale pass, or the file (null). */
export function nextUpscale(source: PrintSource, target: PrintTarget, limits: UpscalerLimits): PlannedUpscale | null {
  if (source.passesDone >= MAX_UPSCALE_PASSES) return null;
  const [scale] = planUpscale(source, target, limits);
  if (scale === undefined) return null;
  // Validated by the upscaler's own schema, as every upstream input is.
  const input = upscaleInput.parse({ image: source.url, scale });
  return {
    position: upscalePosition(source.imagePosition, source.passesDone),
    imagePosition: source.imagePosition,
    input: { image: input.image, scale },
  };
}

export interface PrintOutcome {
  readonly imagePosition: number;
  /** Why it has no print file; null when it has one. */
  readonly missing: string | null;
}

interface StepOutcome {
  readonly purpose: string;
  readonly position: number;
  readonly state: PredictionState;
  readonly error: string | null;
  readonly metrics: Readonly<Record<string, unknown>> | null;
}

/** `metrics.print_file_errors` of a prediction whose job made files: image position → why one failed. */
export type PrintFileErrors = Readonly<Record<string, string>>;

/**
 * Why an image without a print file has none, from the steps that ran: a file step that failed
 * (`metrics.print_file_errors` of the prediction that held the pixels), a failed upscale (its
 * error), or a failed background removal (a transparent print is not made of the opaque image).
 */
export function missingPrintFileReason(imagePosition: number, steps: readonly StepOutcome[]): string {
  for (const step of steps) {
    const errors = step.metrics?.print_file_errors as PrintFileErrors | undefined;
    const error = errors?.[String(imagePosition)];
    if (typeof error === 'string') return `the file could not be made (${error.slice(0, 200)})`;
  }
  const upscale = steps.find(
    (step) =>
      step.purpose === 'upscale' &&
      upscaleStepOf(step.position)?.imagePosition === imagePosition &&
      step.state !== 'succeeded',
  );
  if (upscale) return `its upscale ${upscale.state === 'failed' ? 'failed' : 'did not finish'}${detail(upscale.error)}`;
  const removal = steps.find(
    (step) => step.purpose === 'remove_background' && imagePositionOfRemoval(step.position) === imagePosition,
  );
  if (removal && removal.state !== 'succeeded') {
    return 'its background removal failed, and a transparent print is not made of the opaque image';
  }
  return 'its print steps did not finish';
}

function detail(error: string | null): string {
  return error ? ` (${error.slice(0, 200)})` : '';
}

/** The warning of a print generation some of whose images got no print file; null when all did. */
export function printFileWarning(
  outcomes: readonly PrintOutcome[],
): { readonly code: typeof PRINT_FILE_FAILED; readonly message: string } | null {
  const missing = outcomes.filter((outcome) => outcome.missing !== null);
  if (missing.length === 0) return null;
  const which =
    missing.length === outcomes.length
      ? 'any image'
      : `image(s) ${missing.map((outcome) => outcome.imagePosition).join(', ')}`;
  return {
    code: PRINT_FILE_FAILED,
    message:
      `No print file was made for ${which}: ${missing[0]!.missing}. The images are kept; only the steps that ran ` +
      'are charged and the rest of the hold is released.',
  };
}

/** Share of the percent scale a print generation gives to its images (and their removal). */
export const BEFORE_PRINT_SHARE = 70;

interface ProgressStep {
  readonly purpose: string;
  readonly state: PredictionState;
  readonly imageCount: number;
}

/**
 * A print generation's percent: the images' own progress (and their removal's) fills 0-69, the
 * upscale passes finished 70-98 (each image worth its share; a second pass only refines it). The
 * stored percent never goes back (`advanceGeneration`), so a pass chained later cannot lower it.
 */
export function printPercent(beforePrint: number | null, steps: readonly ProgressStep[]): number | null {
  const upscales = steps.filter((step) => step.purpose === 'upscale');
  if (upscales.length === 0) {
    return beforePrint === null ? null : Math.floor((beforePrint * BEFORE_PRINT_SHARE) / 100);
  }
  const images = steps.filter((step) => step.purpose === 'generate').reduce((sum, step) => sum + step.imageCount, 0);
  const finished = upscales.filter((step) => step.state === 'succeeded' || step.state === 'failed').length;
  const share = Math.min(1, finished / Math.max(1, images, upscales.length));
  return Math.min(98, BEFORE_PRINT_SHARE + Math.floor(28 * share));
}
