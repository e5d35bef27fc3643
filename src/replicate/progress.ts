/**
 * Progress of a running prediction, read from its logs. Diffusion models log tqdm bars
 * (` 75%|███████▌  | 3/4 [00:00<00:00, 11.2it/s]`) that grow over time, so the last percentage is
 * the current one. API-backed models log no percentages at all: null says "unknown", not 0.
 */

// A decimal part is tolerated (and dropped) so that "12.5%" reads as 12, not as 5.
const PERCENT = /(\d+)(?:\.\d+)?%/g;

export function parseProgressPercent(logs: string | null | undefined): number | null {
  if (!logs) return null;
  let last: string | undefined;
  for (const match of logs.matchAll(PERCENT)) last = match[1];
  if (last === undefined) return null;
  return Math.min(100, Math.max(0, Number.parseInt(last, 10)));
}
