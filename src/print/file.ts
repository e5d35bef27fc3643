/**
 * The exact print file from an (upscaled) image, with sharp (libvips): a Lanczos resize that
 * covers the target, a centre crop to its exact pixels, sRGB, and a PNG whose pHYs chunk carries
 * the DPI; alpha is kept when the image has it (a transparent garment print), dropped otherwise.
 *
 * Bounded work: libvips runs on libuv's thread pool, never on the event loop; at most
 * `concurrency` files are made at once per process (a 38.9 MP RGBA poster is about 155 MB
 * decoded), others wait their turn; an input over `MAX_INPUT_PIXELS` is refused before it is
 * decoded; sharp's own cache is off, so nothing outlives a file.
 */
import PQueue from 'p-queue';
import sharp, { type OutputInfo } from 'sharp';
import type { PrintTarget } from './target.ts';

/** The largest image the step decodes: a 4× upscale of a 2 MP image, with room to spare. */
export const MAX_INPUT_PIXELS = 64_000_000;
const INCHES_PER_METRE = 39.3700787;

sharp.cache(false);

export interface PrintFile {
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
  readonly dpi: number;
}

export class PrintFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrintFileError';
  }
}

/** Makes print files one bounded batch at a time (`concurrency` at once in this process). */
export class PrintFileMaker {
  private readonly queue: PQueue;

  constructor(concurrency: number) {
    this.queue = new PQueue({ concurrency });
  }

  make(image: Buffer, target: Pick<PrintTarget, 'width' | 'height' | 'dpi'>): Promise<PrintFile> {
    return this.queue.add(() => makePrintFile(image, target));
  }

  /** Files waiting for their turn (for /metrics and tests). */
  get waiting(): number {
    return this.queue.size;
  }
}

export async function makePrintFile(
  image: Buffer,
  target: Pick<PrintTarget, 'width' | 'height' | 'dpi'>,
): Promise<PrintFile> {
  let output: { data: Buffer; info: OutputInfo };
  try {
    output = await sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true })
      .resize(target.width, target.height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      .toColourspace('srgb')
      // sharp writes density as pixels per inch into pHYs (as pixels per metre, the unit PNG has).
      .withMetadata({ density: target.dpi })
      .png({ compressionLevel: 6, adaptiveFiltering: false })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new PrintFileError(`the print file could not be made: ${(error as Error).message}`);
  }
  if (output.info.width !== target.width || output.info.height !== target.height) {
    throw new PrintFileError(`the print file came out ${output.info.width}×${output.info.height}`);
  }
  return { bytes: output.data, width: target.width, height: target.height, dpi: target.dpi };
}

/** The DPI a PNG's pHYs chunk states (null without one, or in no unit): what print providers read. */
export function pngDpi(png: Buffer): number | null {
  let offset = 8;
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (type === 'pHYs' && length === 9) {
      const perMetre = png.readUInt32BE(offset + 8);
      return png[offset + 16] === 1 ? Math.round(perMetre / INCHES_PER_METRE) : null;
    }
    if (type === 'IDAT' || type === 'IEND') return null;
    offset += 12 + length;
  }
  return null;
}
