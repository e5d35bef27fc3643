/**
 * What a simulated model returns for a given input: how many images, of which shape, and — for
 * models that read images — from which source. Input images on loopback hosts (the simulator's own
 * output files, a gateway under test) are really downloaded, so a broken link fails the prediction
 * as it would upstream; any other URL cannot be reached from a sandbox, so a stand-in image is
 * synthesised from the URL instead.
 */
import sharp from 'sharp';
import type { SimulatedModel, SimulatedUpscaler } from './models.ts';
import { hash32 } from './ids.ts';
import {
  dimensionsForAspectRatio,
  dimensionsForSize,
  readPngDimensions,
  removeBackground,
  renderGeneratedImage,
  type Dimensions,
} from './images.ts';

/** Downloads an input image from a loopback URL; rejects with a message fit for `prediction.error`. */
export type ImageFetcher = (url: string) => Promise<Buffer>;

/** A failure the model itself would report; its message becomes the prediction's `error`. */
export class ModelInputError extends Error {}

export interface OutputRequest {
  readonly model: SimulatedModel;
  readonly input: Readonly<Record<string, unknown>>;
  readonly predictionId: string;
  readonly fetchImage: ImageFetcher;
}

export function isLoopbackUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** Number of images a prediction with this input returns (what it is billed for). */
export function expectedImageCount(model: SimulatedModel, input: Readonly<Record<string, unknown>>): number {
  if (typeof input.num_outputs === 'number') return input.num_outputs;
  // Seedream decides how many images to make when sequential generation is `auto`, up to max_images.
  if (input.sequential_image_generation === 'auto' && typeof input.max_images === 'number') return input.max_images;
  return 1;
}

/** What the model read before generating: downloaded input images and the output size. */
export interface PreparedInputs {
  readonly size: Dimensions;
  /** remove-background: the image to cut out; an upscaler: the image to scale (to `size`). */
  readonly sourceImage: Buffer | undefined;
}

/**
 * Downloads and checks input images. Runs when processing starts, so a broken input fails the
 * prediction early, as upstream models fail while loading their inputs.
 */
export async function prepareInputs(request: OutputRequest): Promise<PreparedInputs> {
  const { model, input, fetchImage } = request;
  if (typeof input.image === 'string' && model.upscaler) {
    const sourceImage = await loadSourceImage(input.image, fetchImage);
    return { size: await upscaledSize(model.upscaler, sourceImage, input), sourceImage };
  }
  if (typeof input.image === 'string' && model.kind === 'postprocess') {
    const sourceImage = await loadSourceImage(input.image, fetchImage);
    return { size: readDimensionsOrFail(sourceImage, input.image), sourceImage };
  }
  return { size: await outputSize(request), sourceImage: undefined };
}

/**
 * PNG bytes of every output image, in output order. CPU-bound (a few ms per image), so it runs
 * once, when the model "returns", rather than while progress is being logged. An upscaler's
 * output is the source resized with Lanczos by libvips (off the event loop), alpha kept.
 */
export async function renderOutputs(request: OutputRequest, prepared: PreparedInputs): Promise<Buffer[]> {
  if (prepared.sourceImage && request.model.upscaler) {
    const { width, height } = prepared.size;
    const scaled = sharp(prepared.sourceImage).resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
    return [await scaled.png({ compressionLevel: 3 }).toBuffer()];
  }
  if (prepared.sourceImage) return [removeBackground(prepared.sourceImage)];
  const count = expectedImageCount(request.model, request.input);
  return Array.from({ length: count }, (_, index) => renderGeneratedImage(prepared.size, imageSeed(request, index)));
}

async function outputSize({ input, fetchImage }: OutputRequest): Promise<Dimensions> {
  const width = typeof input.width === 'number' ? input.width : undefined;
  const height = typeof input.height === 'number' ? input.height : undefined;
  if ((input.aspect_ratio === 'custom' || input.size === 'custom') && width && height) {
    return dimensionsForSize(width, height);
  }
  const ratio = typeof input.aspect_ratio === 'string' ? input.aspect_ratio : undefined;
  // Seedream's default is to match the first input image.
  if ((ratio === undefined || ratio === 'match_input_image') && Array.isArray(input.image_input)) {
    const first: unknown = input.image_input[0];
    if (typeof first === 'string') {
      const { width: w, height: h } = readDimensionsOrFail(await loadSourceImage(first, fetchImage), first);
      return dimensionsForSize(w, h);
    }
  }
  return dimensionsForAspectRatio(ratio && ratio !== 'match_input_image' && ratio !== 'custom' ? ratio : '1:1');
}

/**
 * A deterministic model with an explicit seed draws the same picture for the same input, so the
 * pattern seed comes from the input; otherwise every prediction gets its own picture. The index is
 * added (not hashed in) so the outputs of one prediction always differ from each other.
 */
function imageSeed({ model, input, predictionId }: OutputRequest, index: number): number {
  const base =
    model.deterministic && typeof input.seed === 'number'
      ? hash32(`${model.replicateModel}|${input.seed}|${String(input.prompt)}|${String(input.aspect_ratio)}`)
      : hash32(predictionId);
  return base + index;
}

async function loadSourceImage(url: string, fetchImage: ImageFetcher): Promise<Buffer> {
  if (isLoopbackUrl(url)) return fetchImage(url);
  return renderGeneratedImage(dimensionsForAspectRatio('1:1'), hash32(url));
}

/**
 * Real-ESRGAN's output size, `int(side × scale)` (its `outscale`), after its GPU check: an input
 * over the limit fails with the model's own words (numpy's shape, height first).
 */
async function upscaledSize(
  upscaler: SimulatedUpscaler,
  source: Buffer,
  input: Readonly<Record<string, unknown>>,
): Promise<Dimensions> {
  let width: number, height: number, channels: number;
  try {
    ({ width = 0, height = 0, channels = 3 } = await sharp(source).metadata());
  } catch {
    throw new ModelInputError(`cannot identify image file ${JSON.stringify(String(input.image))}`);
  }
  const pixels = width * height;
  if (pixels > upscaler.maxInputPixels) {
    throw new ModelInputError(
      `Input image of dimensions (${height}, ${width}, ${channels}) has a total number of pixels ${pixels} greater ` +
        `than the max size that fits in GPU memory on this hardware, ${upscaler.maxInputPixels}. Resize input image ` +
        'and try again.',
    );
  }
  const scale = typeof input.scale === 'number' ? input.scale : upscaler.defaultScale;
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/** Simulated seconds an upscaler spends writing `size`: grows with the pixels it outputs. */
export function upscaleSeconds(upscaler: SimulatedUpscaler, size: Dimensions): number {
  return upscaler.baseSeconds + (upscaler.secondsPerOutputMegapixel * size.width * size.height) / 1e6;
}

function readDimensionsOrFail(bytes: Buffer, url: string): Dimensions {
  try {
    return readPngDimensions(bytes);
  } catch {
    throw new ModelInputError(`cannot identify image file ${JSON.stringify(url)}`);
  }
}
