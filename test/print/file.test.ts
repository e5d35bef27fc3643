/**
 * The print file step (sharp/libvips) on real PNGs: exact pixels, DPI in pHYs, alpha kept for a
 * transparent image and dropped for an opaque one, refusals for what cannot be decoded.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makePrintFile, PrintFileError, PrintFileMaker, pngDpi } from '../../src/print/file.ts';
import { resolvePrintTarget, planUpscale } from '../../src/print/target.ts';
import { UPSCALER_LIMITS } from '../../src/catalog/models.ts';

function gradient(width: number, height: number, alpha: boolean): Promise<Buffer> {
  const channels = alpha ? 4 : 3;
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * channels;
      pixels[offset] = (x * 255) / width;
      pixels[offset + 1] = (y * 255) / height;
      pixels[offset + 2] = 128;
      // A transparent frame around an opaque middle, as a removed background leaves it.
      if (alpha) pixels[offset + 3] = x > width / 4 && x < (3 * width) / 4 ? 255 : 0;
    }
  }
  return sharp(pixels, { raw: { width, height, channels } }).png().toBuffer();
}

describe('the print file', () => {
  it('makes the 18×24 in poster at exactly 5400×7200 px with 300 DPI in pHYs, opaque', async () => {
    const target = resolvePrintTarget({ preset: 'poster-18x24' });
    // What two upscale passes of a 3:4 simulator image (192×256) give: 4× then 4×.
    const upscaled = await gradient(3072, 4096, false);
    const file = await makePrintFile(upscaled, target);
    const meta = await sharp(file.bytes).metadata();
    expect([meta.width, meta.height, meta.format, meta.space, meta.hasAlpha]).toEqual([
      5400,
      7200,
      'png',
      'srgb',
      false,
    ]);
    expect(pngDpi(file.bytes)).toBe(300);
    expect(meta.density).toBe(300);
  }, 120_000);

  it('keeps alpha for a transparent garment print and crops to the exact ratio at the centre', async () => {
    const target = resolvePrintTarget({ widthInches: 4, heightInches: 3, dpi: 150 });
    const file = await makePrintFile(await gradient(1000, 500, true), target);
    const { data, info } = await sharp(file.bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([600, 450, 4]);
    expect(pngDpi(file.bytes)).toBe(150);
    // 2:1 cropped to 4:3 at the centre: the transparent frame is still at both edges.
    expect(data[3]).toBe(0);
    expect(data[(225 * 600 + 300) * 4 + 3]).toBe(255);
  });

  it('refuses bytes that are not an image, and queues files beyond its concurrency', async () => {
    await expect(makePrintFile(Buffer.from('not a png'), { width: 10, height: 10, dpi: 300 })).rejects.toThrow(
      PrintFileError,
    );
    const maker = new PrintFileMaker(1);
    const source = await gradient(200, 150, false);
    const files = [1, 2, 3].map(() => maker.make(source, { width: 400, height: 300, dpi: 100 }));
    expect(maker.waiting).toBe(2);
    for (const file of await Promise.all(files)) expect(pngDpi(file.bytes)).toBe(100);
  });
});

describe('upscale passes', () => {
  it('one pass by the smallest covering factor; two only when one cannot, within the 2 MP input limit', () => {
    expect(planUpscale({ width: 256, height: 192 }, { width: 400, height: 300 }, UPSCALER_LIMITS)).toEqual([1.57]);
    expect(planUpscale({ width: 256, height: 192 }, { width: 200, height: 150 }, UPSCALER_LIMITS)).toEqual([]);
    expect(planUpscale({ width: 192, height: 256 }, { width: 5400, height: 7200 }, UPSCALER_LIMITS)).toEqual([4, 4]);
    // 1 MP FLUX at 3:4: a second pass would read 16 MP; one ×4 pass, the rest by Lanczos.
    expect(planUpscale({ width: 880, height: 1184 }, { width: 5400, height: 7200 }, UPSCALER_LIMITS)).toEqual([4]);
    expect(planUpscale({ width: 512, height: 683 }, { width: 5400, height: 7200 }, UPSCALER_LIMITS)).toEqual([2.39, 4]);
  });
});
