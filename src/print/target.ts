/**
 * A print target: the exact pixels a print file must have (inches × DPI), validated before any
 * money moves, and the upscale passes that get a generated image there. Pure.
 *
 * Limits (refused with the limit named): DPI 72–600 (a whole number), each side 0.5–60 in, and at
 * most `MAX_PRINT_MEGAPIXELS` in the file — a 60×60 in target at 600 DPI would be 1.3 gigapixels,
 * which no print provider asks for and no worker should be made to decode.
 */
import { findPrintPreset, PRINT_PRESETS } from './presets.ts';

export const MIN_DPI = 72;
export const MAX_DPI = 600;
export const MIN_SIDE_INCHES = 0.5;
export const MAX_SIDE_INCHES = 60;
/** The largest preset (an 18×24 in poster at 300 DPI) is 38.9 MP. */
export const MAX_PRINT_MEGAPIXELS = 50;

/** What a request says: a preset, or inches and DPI. */
export interface PrintTargetRequest {
  readonly preset?: string | null;
  readonly widthInches?: number | null;
  readonly heightInches?: number | null;
  readonly dpi?: number | null;
}

/** A resolved target, as stored with the generation (`request.print`). */
export interface PrintTarget {
  readonly preset: string | null;
  readonly widthInches: number;
  readonly heightInches: number;
  readonly dpi: number;
  readonly width: number;
  readonly height: number;
}

export class PrintTargetError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path} ${detail}`);
    this.name = 'PrintTargetError';
  }
}

function side(value: number | null | undefined, path: string): number {
  if (value === null || value === undefined) throw new PrintTargetError(path, 'is required without a preset.');
  if (!Number.isFinite(value) || value < MIN_SIDE_INCHES || value > MAX_SIDE_INCHES) {
    throw new PrintTargetError(path, `must be from ${MIN_SIDE_INCHES} to ${MAX_SIDE_INCHES} inches (got ${value}).`);
  }
  return value;
}

function dpiOf(value: number | null | undefined, path: string): number {
  if (value === null || value === undefined) throw new PrintTargetError(path, 'is required without a preset.');
  if (!Number.isInteger(value) || value < MIN_DPI || value > MAX_DPI) {
    throw new PrintTargetError(path, `must be a whole number from ${MIN_DPI} to ${MAX_DPI} (got ${value}).`);
  }
  return value;
}

/** Validates a request's print target; `path` is where it sits in the GraphQL input (`input.print`). */
export function resolvePrintTarget(request: PrintTargetRequest, path = 'input.print'): PrintTarget {
  const given = [request.widthInches, request.heightInches, request.dpi].some((v) => v !== null && v !== undefined);
  if (request.preset !== null && request.preset !== undefined) {
    if (given)
      throw new PrintTargetError(path, 'takes either a preset or widthInches, heightInches and dpi, not both.');
    const preset = findPrintPreset(request.preset);
    if (!preset) {
      const names = PRINT_PRESETS.map((candidate) => candidate.id).join(', ');
      const quoted = JSON.stringify(request.preset.slice(0, 64));
      throw new PrintTargetError(`${path}.preset`, `${quoted} is not a preset; valid presets: ${names}.`);
    }
    return sized(preset.id, preset.widthInches, preset.heightInches, preset.dpi, path);
  }
  const widthInches = side(request.widthInches, `${path}.widthInches`);
  const heightInches = side(request.heightInches, `${path}.heightInches`);
  const dpi = dpiOf(request.dpi, `${path}.dpi`);
  return sized(null, widthInches, heightInches, dpi, path);
}

function sized(preset: string | null, widthInches: number, heightInches: number, dpi: number, path: string) {
  const width = Math.round(widthInches * dpi);
  const height = Math.round(heightInches * dpi);
  const megapixels = (width * height) / 1e6;
  if (megapixels > MAX_PRINT_MEGAPIXELS) {
    throw new PrintTargetError(
      path,
      `is ${width}×${height} px (${megapixels.toFixed(1)} MP); a print file may have at most ${MAX_PRINT_MEGAPIXELS} MP.`,
    );
  }
  return { preset, widthInches, heightInches, dpi, width, height };
}

/** `"3:4"`-style ratio of the target, for choosing the model's nearest aspect ratio. */
export function targetRatio(target: Pick<PrintTarget, 'width' | 'height'>): string {
  return `${target.width}:${target.height}`;
}

/** Reads a stored target back (`generations.request.print`); null when there is none. */
export function storedPrintTarget(stored: unknown): PrintTarget | null {
  if (stored === null || typeof stored !== 'object') return null;
  const value = stored as Record<string, unknown>;
  const numbers = ['widthInches', 'heightInches', 'dpi', 'width', 'height'] as const;
  if (!numbers.every((key) => typeof value[key] === 'number')) return null;
  return {
    preset: typeof value.preset === 'string' ? value.preset : null,
    widthInches: value.widthInches as number,
    heightInches: value.heightInches as number,
    dpi: value.dpi as number,
    width: value.width as number,
    height: value.height as number,
  };
}

export interface UpscalerLimits {
  /** The largest scale one pass is asked for. */
  readonly maxFactor: number;
  /** The most input pixels the upscaler accepts. */
  readonly maxInputPixels: number;
}

/** Upscale passes admission holds for: a second pass only when one cannot cover the target. */
export const MAX_UPSCALE_PASSES = 2;

function roundUp(value: number): number {
  return Math.ceil(value * 100 - 1e-9) / 100;
}

/**
 * The scale of each upscale pass that takes an image of `source` size to cover `target` (the
 * print file is then resized and centre-cropped to it exactly): none when the image already
 * covers it; one pass by the smallest factor that covers it when the upscaler can; two when one
 * cannot — the first as large as keeps its output within the upscaler's input limit. What the
 * passes cannot cover (a source too large for a second pass) is left to the Lanczos resize.
 */
export function planUpscale(
  source: { readonly width: number; readonly height: number },
  target: { readonly width: number; readonly height: number },
  limits: UpscalerLimits,
): number[] {
  const need = Math.max(target.width / source.width, target.height / source.height);
  const pixels = source.width * source.height;
  if (need <= 1 || pixels > limits.maxInputPixels) return [];
  if (need <= limits.maxFactor) return [Math.max(1.01, roundUp(need))];
  const first = Math.min(limits.maxFactor, Math.floor(Math.sqrt(limits.maxInputPixels / pixels) * 100) / 100);
  if (first < 1.5) return [limits.maxFactor];
  return [first, Math.min(limits.maxFactor, roundUp(need / first))];
}
