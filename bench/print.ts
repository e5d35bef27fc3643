/**
 * Benchmark: what preparing a print file costs, per preset, beside sharp's own plain resize of the
 * same image in the same run.
 *
 * For each preset the input is what the pipeline hands the file step: a FLUX Schnell image at the
 * aspect ratio nearest the target (its real pixel size, a seeded photo-like pattern with noise so
 * PNG compression is realistic), upscaled by the factor `planUpscale` picks (as Real-ESRGAN
 * returns it, `int(side × scale)`), RGBA for the garment presets (transparent prints) and RGB
 * otherwise. Then, each in a fresh child process so its peak RSS is its own:
 *
 * - `print file`: `makePrintFile` (Lanczos cover resize, centre crop, sRGB, PNG with pHYs);
 * - `plain resize`: `sharp(input).resize(w, h).png().toBuffer()`, sharp's defaults (the baseline).
 *
 * Each child reads the input from a file, runs the step `ROUNDS` times and prints the median time
 * and `maxRSS` (the process's peak resident set, libvips' buffers included) with the RSS it had
 * before the first run. Bounded: at most 9 presets × 2 steps × 3 rounds; inputs in a temporary
 * directory, removed afterwards. No network, no database. Prints a Markdown table for
 * bench/README.md, with the machine's load average before and after.
 *
 *     npx tsx bench/print.ts                      # every preset
 *     npx tsx bench/print.ts sticker-3x3 mug-11oz # only these
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { UPSCALER_LIMITS } from '../src/catalog/models.ts';
import { makePrintFile } from '../src/print/file.ts';
import { PRINT_PRESETS } from '../src/print/presets.ts';
import { planUpscale, resolvePrintTarget, targetRatio, type PrintTarget } from '../src/print/target.ts';
import { nearestAspectRatio } from '../src/generations/request.ts';

const ROUNDS = 3;
/** FLUX Schnell's output sizes per aspect ratio (Replicate's model, `output_format: png`). */
const FLUX_SIZES: Record<string, readonly [number, number]> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '21:9': [1536, 640],
  '3:2': [1216, 832],
  '2:3': [832, 1216],
  '4:5': [896, 1088],
  '5:4': [1088, 896],
  '3:4': [896, 1152],
  '4:3': [1152, 896],
  '9:16': [768, 1344],
  '9:21': [640, 1536],
};

type Step = 'print' | 'plain';

interface ChildResult {
  readonly medianMs: number;
  readonly peakRssMb: number;
  readonly startRssMb: number;
  readonly outputBytes: number;
}

async function child(inputPath: string, step: Step, width: number, height: number, dpi: number): Promise<void> {
  const input = await readFile(inputPath);
  const startRss = process.memoryUsage().rss;
  const times: number[] = [];
  let outputBytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const output =
      step === 'print'
        ? (await makePrintFile(input, { width, height, dpi })).bytes
        : await sharp(input).resize(width, height).png().toBuffer();
    times.push(performance.now() - started);
    outputBytes = output.length;
  }
  times.sort((a, b) => a - b);
  const result: ChildResult = {
    medianMs: times[Math.floor(times.length / 2)]!,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    startRssMb: startRss / 2 ** 20,
    outputBytes,
  };
  process.stdout.write(JSON.stringify(result));
}

/** What the file step receives for `target`: the upscaled FLUX image, RGBA for a transparent print. */
async function inputFor(target: PrintTarget, transparent: boolean): Promise<{ bytes: Buffer; label: string }> {
  const ratio = nearestAspectRatio(Object.keys(FLUX_SIZES), targetRatio(target))!;
  const [baseWidth, baseHeight] = FLUX_SIZES[ratio]!;
  const [scale = 1] = planUpscale({ width: baseWidth, height: baseHeight }, target, UPSCALER_LIMITS);
  const width = Math.floor(baseWidth * scale);
  const height = Math.floor(baseHeight * scale);
  const channels = transparent ? 4 : 3;
  // A smooth gradient with seeded noise: compresses like a photo, not like a flat test card.
  const raw = Buffer.alloc(width * height * channels);
  let seed = 0x9e3779b9;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      const noise = (seed >>> 24) % 24;
      const offset = (y * width + x) * channels;
      raw[offset] = ((x * 255) / width + noise) & 255;
      raw[offset + 1] = ((y * 255) / height + noise) & 255;
      raw[offset + 2] = (((x + y) * 127) / (width + height) + noise) & 255;
      if (transparent) raw[offset + 3] = Math.hypot(x / width - 0.5, y / height - 0.5) < 0.4 ? 255 : 0;
    }
  }
  const bytes = await sharp(raw, { raw: { width, height, channels } }).png({ compressionLevel: 6 }).toBuffer();
  return { bytes, label: `${ratio} ${baseWidth}×${baseHeight} ×${scale} → ${width}×${height}` };
}

function runChild(inputPath: string, step: Step, target: PrintTarget): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const args = [self, '--child', inputPath, step, String(target.width), String(target.height), String(target.dpi)];
  const output = execFileSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8' });
  return JSON.parse(output) as ChildResult;
}

function load(): string {
  return os
    .loadavg()
    .map((average) => average.toFixed(1))
    .join(' ');
}

/** The presets named on the command line (all when none is), refusing an unknown one. */
function presetsToRun(names: readonly string[]): typeof PRINT_PRESETS {
  if (names.length === 0) return PRINT_PRESETS;
  const unknown = names.filter((name) => !PRINT_PRESETS.some((preset) => preset.id === name));
  if (unknown.length > 0) {
    throw new Error(`unknown preset ${unknown.join(', ')}; presets: ${PRINT_PRESETS.map((p) => p.id).join(', ')}`);
  }
  return PRINT_PRESETS.filter((preset) => names.includes(preset.id));
}

async function main(names: readonly string[]): Promise<void> {
  const presets = presetsToRun(names);
  const directory = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-print-'));
  try {
    console.log(`print file vs sharp's plain resize, median of ${ROUNDS}, each step in its own process`);
    console.log(
      `node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), ` +
        `${os.cpus().length} CPUs, load average (1/5/15 min) before: ${load()}`,
    );
    console.log('');
    console.log(
      '| preset | input (FLUX size × upscale) | file | print ms | print peak RSS MB | plain ms | plain peak RSS MB |',
    );
    console.log('|---|---|---|---:|---:|---:|---:|');
    for (const preset of presets) {
      const target = resolvePrintTarget({ preset: preset.id });
      const transparent = preset.id.startsWith('garment');
      const input = await inputFor(target, transparent);
      const inputPath = path.join(directory, `${preset.id}.png`);
      await writeFile(inputPath, input.bytes);
      const printed = runChild(inputPath, 'print', target);
      const plain = runChild(inputPath, 'plain', target);
      const cells = [
        preset.id,
        `${input.label}${transparent ? ' RGBA' : ''} (${(input.bytes.length / 2 ** 20).toFixed(1)} MB)`,
        `${target.width}×${target.height} @ ${target.dpi} (${(printed.outputBytes / 2 ** 20).toFixed(1)} MB)`,
        printed.medianMs.toFixed(0),
        `${printed.peakRssMb.toFixed(0)} (from ${printed.startRssMb.toFixed(0)})`,
        plain.medianMs.toFixed(0),
        `${plain.peakRssMb.toFixed(0)} (from ${plain.startRssMb.toFixed(0)})`,
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
    console.log('');
    console.log(`load average after: ${load()}`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const [flag, inputPath, step, width, height, dpi] = process.argv.slice(2);
if (flag === '--child') {
  await child(inputPath!, step as Step, Number(width), Number(height), Number(dpi));
} else {
  await main(process.argv.slice(2));
}
