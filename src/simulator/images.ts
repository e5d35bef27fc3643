/**
 * Real, decodable PNGs for simulated outputs. They are small (longest side ≤ 256 px) so tests stay
 * fast, but keep the exact requested aspect ratio, because the gateway reports width and height
 * and tests check them. The pattern is a seeded gradient with a few discs, so two outputs differ
 * visibly and a deterministic model with a fixed seed returns the same picture again.
 */
import { PNG } from 'pngjs';
import { seededRandom } from '../random.ts';

export interface Dimensions {
  readonly width: number;
  readonly height: number;
}

export const MAX_SIDE = 256;

/**
 * pngjs tries every row filter by default; a fixed Sub filter and a lighter deflate halve the
 * encoding time of these smooth images for a slightly bigger file. Simulated bytes are free.
 */
const FAST_ENCODING_RGB = { colorType: 2, filterType: 1, deflateLevel: 3 } as const;
const DISC_OPACITY = 0.7;

/** `"16:9"` → 256×144. Reduces the ratio first so the result is exact whenever it can be. */
export function dimensionsForAspectRatio(ratio: string): Dimensions {
  const match = /^(\d+):(\d+)$/.exec(ratio);
  if (!match) return { width: MAX_SIDE, height: MAX_SIDE };
  return dimensionsForSize(Number(match[1]), Number(match[2]));
}

/** Scales `width`×`height` down to fit `MAX_SIDE`, exactly when the reduced ratio allows it. */
export function dimensionsForSize(width: number, height: number): Dimensions {
  if (width <= 0 || height <= 0) return { width: MAX_SIDE, height: MAX_SIDE };
  const divisor = gcd(width, height);
  const [w, h] = [width / divisor, height / divisor];
  const longest = Math.max(w, h);
  if (longest <= MAX_SIDE) {
    const factor = Math.floor(MAX_SIDE / longest);
    return { width: w * factor, height: h * factor };
  }
  // No exact small representation (e.g. 4095×1024): keep the ratio as closely as pixels allow.
  const scale = MAX_SIDE / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Distinct pictures per size. Encoding a PNG costs a few milliseconds, which adds up when a bench
 * runs hundreds of predictions in-process next to the gateway, so pictures are drawn from a fixed
 * set of variants and memoised: consecutive seeds still give different pictures.
 */
export const IMAGE_VARIANTS = 256;
const MAX_CACHED_IMAGES = 256;
const imageCache = new Map<string, Buffer>();

/** An opaque RGB PNG with a gradient and discs chosen by `seed` (one of `IMAGE_VARIANTS`). */
export function renderGeneratedImage(size: Dimensions, seed: number): Buffer {
  const variant = (seed >>> 0) % IMAGE_VARIANTS;
  const key = `${size.width}x${size.height}:${variant}`;
  const cached = imageCache.get(key);
  if (cached) {
    // Refresh its place: the Map's insertion order doubles as least-recently-used order.
    imageCache.delete(key);
    imageCache.set(key, cached);
    return cached;
  }
  const png = drawVariant(size, variant);
  imageCache.set(key, png);
  if (imageCache.size > MAX_CACHED_IMAGES) imageCache.delete(imageCache.keys().next().value!);
  return png;
}

function drawVariant(size: Dimensions, variant: number): Buffer {
  const random = seededRandom(variant * 2654435761);
  const { width, height } = size;
  const png = new PNG({ width, height });
  const from = randomColor(random);
  const to = randomColor(random);
  const angle = random() * Math.PI * 2;
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const discs = Array.from({ length: 3 }, () => ({
    x: random() * width,
    y: random() * height,
    radiusSquared: ((0.1 + random() * 0.2) * Math.min(width, height)) ** 2,
    color: randomColor(random),
  }));
  const span = Math.abs(dx) * width + Math.abs(dy) * height || 1;
  const data = png.data;
  // Plain numbers in the hot loop: this runs for every pixel of every output image.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, ((x - width / 2) * dx + (y - height / 2) * dy) / span + 0.5));
      let r = from[0] + (to[0] - from[0]) * t;
      let g = from[1] + (to[1] - from[1]) * t;
      let b = from[2] + (to[2] - from[2]) * t;
      for (const disc of discs) {
        if ((x - disc.x) ** 2 + (y - disc.y) ** 2 <= disc.radiusSquared) {
          r += (disc.color[0] - r) * DISC_OPACITY;
          g += (disc.color[1] - g) * DISC_OPACITY;
          b += (disc.color[2] - b) * DISC_OPACITY;
        }
      }
      const offset = (y * width + x) * 4;
      data[offset] = r;
      data[offset + 1] = g;
      data[offset + 2] = b;
      data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(png, FAST_ENCODING_RGB);
}

/** Size of a PNG without decoding its pixels; throws when the bytes are not a PNG. */
export function readPngDimensions(bytes: Buffer): Dimensions {
  const decoded = PNG.sync.read(bytes);
  return { width: decoded.width, height: decoded.height };
}

/**
 * What `recraft-ai/recraft-remove-background` returns: the source pixels as RGBA with the
 * "background" fully transparent. The simulator has no segmentation model, so the subject is the
 * centred ellipse; alpha is strictly 0 outside it and 255 inside, which makes transparency easy to
 * assert on. Throws when `source` is not a PNG (Replicate fails such predictions too).
 */
export function removeBackground(source: Buffer): Buffer {
  const png = PNG.sync.read(source);
  const [cx, cy] = [png.width / 2, png.height / 2];
  const [rx, ry] = [png.width * 0.35, png.height * 0.4];
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const inside = ((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1;
      const offset = (y * png.width + x) * 4;
      if (inside) {
        png.data[offset + 3] = 255;
      } else {
        png.data.fill(0, offset, offset + 4);
      }
    }
  }
  return PNG.sync.write(png, { ...FAST_ENCODING_RGB, colorType: 6 });
}

type Rgb = readonly [number, number, number];

function randomColor(random: () => number): Rgb {
  return [Math.floor(random() * 256), Math.floor(random() * 256), Math.floor(random() * 256)];
}

function gcd(a: number, b: number): number {
  let [x, y] = [Math.round(a), Math.round(b)];
  while (y) [x, y] = [y, x % y];
  return x || 1;
}
