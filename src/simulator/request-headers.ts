/** Parsing of the request headers Replicate gives meaning to. */

export const MAX_WAIT_SECONDS = 60;
export const MIN_CANCEL_AFTER_SECONDS = 5;

/**
 * `Prefer: wait` → 60, `Prefer: wait=5` → 5, no `wait` preference → undefined. Other RFC 7240
 * preferences in the same header are ignored. Values outside Replicate's documented 1–60 range are
 * clamped rather than rejected: the spec's own pattern admits up to 99, so clients may send them.
 */
export function parsePreferWait(header: string | undefined): number | undefined {
  if (!header) return undefined;
  for (const preference of header.split(',')) {
    const match = /^\s*wait(?:\s*=\s*"?(\d+)"?)?\s*(?:;.*)?$/i.exec(preference);
    if (!match) continue;
    if (match[1] === undefined) return MAX_WAIT_SECONDS;
    return Math.min(MAX_WAIT_SECONDS, Math.max(1, Number(match[1])));
  }
  return undefined;
}

export type CancelAfterResult =
  { readonly ok: true; readonly seconds: number } | { readonly ok: false; readonly reason: string };

/**
 * `Cancel-After` as Replicate documents it: `30`, `30s`, `5m`, `1h30m45s` (units combine, in
 * h-m-s order; no unit means seconds), at least 5 seconds. Fractions are accepted (`1.5s`).
 */
export function parseCancelAfter(header: string): CancelAfterResult {
  const text = header.trim().toLowerCase();
  const plain = /^(\d+(?:\.\d+)?)$/.exec(text);
  let seconds: number;
  if (plain) {
    seconds = Number(plain[1]);
  } else {
    const match = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
    if (!text || !match) {
      return { ok: false, reason: `invalid duration "${header}": use e.g. 30s, 5m or 1h30m` };
    }
    seconds = Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
  }
  if (seconds < MIN_CANCEL_AFTER_SECONDS) {
    return { ok: false, reason: `duration must be at least ${MIN_CANCEL_AFTER_SECONDS} seconds` };
  }
  return { ok: true, seconds };
}

/** The token of `Authorization: Bearer <token>` (Replicate still honours the legacy `Token <token>`). */
export function parseBearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header.trim());
  return match?.[1];
}
