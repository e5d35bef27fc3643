/**
 * Log text in the two styles the gateway has to read progress from (replicate-models.md, "Logs"):
 * Cog/diffusers models print tqdm bars whose last percentage is the progress; API-backed models
 * print plain lines without any percentage.
 */

const BAR_WIDTH = 10;
const PARTIAL_BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * One tqdm line as Cog captures it, e.g. ` 25%|██▌       | 1/4 [00:00<00:00, 11.2it/s]`.
 * `elapsedSeconds` is the simulated time spent in the loop so far.
 */
export function tqdmLine(step: number, total: number, elapsedSeconds: number): string {
  const fraction = total > 0 ? step / total : 1;
  const percent = `${Math.floor(fraction * 100)}`.padStart(3, ' ');
  const bar = progressBar(fraction);
  if (step === 0) return `${percent}%|${bar}| 0/${total} [00:00<?, ?it/s]`;
  const rate = step / Math.max(elapsedSeconds, 1e-3);
  const remaining = (total - step) / rate;
  const rateText = rate >= 1 ? `${rate.toFixed(2)}it/s` : `${(1 / rate).toFixed(2)}s/it`;
  return `${percent}%|${bar}| ${step}/${total} [${clock(elapsedSeconds)}<${clock(remaining)}, ${rateText}]`;
}

function progressBar(fraction: number): string {
  const cells = Math.min(1, Math.max(0, fraction)) * BAR_WIDTH;
  const full = Math.floor(cells);
  const partial = full < BAR_WIDTH ? (PARTIAL_BLOCKS[Math.floor((cells - full) * 8)] ?? '') : '';
  return ('█'.repeat(full) + partial).padEnd(BAR_WIDTH, ' ');
}

function clock(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
}

export function seedLine(seed: number): string {
  return `Using seed: ${seed}`;
}

/** Plain-style lines of an API-backed model, as in `Generated image in 5.0sec`. */
export const plainLog = {
  generating: 'Generating...',
  stillGenerating: (elapsedSeconds: number) => `Still generating (${elapsedSeconds.toFixed(1)}s elapsed)...`,
  generated: (seconds: number) => `Generated image in ${seconds.toFixed(1)}sec`,
  downloading: (bytes: number) => `Downloading ${bytes} bytes`,
} as const;
