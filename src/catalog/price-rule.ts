/**
 * How a model is priced, and the money of one generation under the rule it was admitted with.
 * Replicate bills official models per output image, and community models and fine-tunes by
 * `metrics.predict_time` on their hardware (failed runs free, canceled runs up to the cancel). A
 * generation stores its rule (`generations.price_rule`) at admission, so its hold and settlement
 * never follow a later price change. Pure; money is integer micro-dollars.
 */
import type { Micros } from '../money.ts';

export type PriceRule =
  | { readonly kind: 'per_image'; readonly perImageMicros: Micros }
  | {
      readonly kind: 'per_second';
      readonly microsPerSecond: Micros;
      /** Replicate's hardware SKU (`gpu-h100`) the rate is for. */
      readonly hardware: string;
      /** The most seconds one prediction may run (sent as `Cancel-After`): the hold's bound. */
      readonly maxSeconds: number;
    };

/** The upscaler's rate for a print target: per second on its hardware, at most `passes` runs per image. */
export interface UpscaleRule {
  readonly microsPerSecond: Micros;
  readonly hardware: string;
  readonly maxSeconds: number;
  readonly passes: number;
}

/**
 * A generation's rule: its model's, background removal's per image when asked for, and the
 * upscaler's when a print file is.
 */
export type AdmittedPriceRule = PriceRule & {
  readonly removalPerImageMicros: Micros | null;
  readonly upscale?: UpscaleRule | null;
};

/** The most one prediction can cost under the rule. */
export function predictionUpperBoundMicros(rule: PriceRule, imageCount: number): Micros {
  return rule.kind === 'per_image' ? rule.perImageMicros * imageCount : rule.microsPerSecond * rule.maxSeconds;
}

/** The most the upscale passes of one image can cost: each pass at its longest run. */
export function upscaleUpperBoundMicros(upscale: UpscaleRule | null | undefined): Micros {
  return upscale ? upscale.passes * upscale.microsPerSecond * upscale.maxSeconds : 0;
}

/**
 * The hold: every prediction at its upper bound, plus per image a removal when asked for and the
 * upscale passes when a print file is.
 */
export function holdMicros(rule: AdmittedPriceRule, predictionImageCounts: readonly number[]): Micros {
  const images = predictionImageCounts.reduce((sum, count) => sum + count, 0);
  const predictions = predictionImageCounts.reduce((sum, count) => sum + predictionUpperBoundMicros(rule, count), 0);
  return predictions + ((rule.removalPerImageMicros ?? 0) + upscaleUpperBoundMicros(rule.upscale)) * images;
}

/**
 * `seconds × microsPerSecond` rounded up to a whole micro-dollar, exactly: the decimal the
 * upstream reported (`predict_time: 2.3456`) is multiplied as a fraction, never as a float
 * product (2.3456 × 1525 is 3577.0399999… in binary floating point).
 */
export function timeChargeMicros(seconds: number, microsPerSecond: Micros): Micros {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  const [whole = '0', fraction = ''] = exactDecimal(seconds).split('.');
  const scale = 10n ** BigInt(fraction.length);
  const numerator = BigInt(whole + fraction) * BigInt(microsPerSecond);
  return Number((numerator + scale - 1n) / scale);
}

/** A positive finite number's shortest round-trip decimal, without an exponent. */
function exactDecimal(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

export interface EndedPrediction {
  readonly purpose: 'generate' | 'remove_background' | 'upscale';
  readonly state: string;
  /** Images it produced (0 unless it succeeded). */
  readonly producedImages: number;
  /** `metrics.predict_time` as Replicate reported it, when it did. */
  readonly predictSeconds: number | null;
}

/** What one ended prediction costs under the generation's rule, as Replicate bills it. */
export function predictionChargeMicros(rule: AdmittedPriceRule, prediction: EndedPrediction): Micros {
  if (prediction.purpose === 'remove_background') {
    return prediction.state === 'succeeded' ? (rule.removalPerImageMicros ?? 0) * prediction.producedImages : 0;
  }
  if (prediction.purpose === 'upscale') {
    return rule.upscale ? timeBilledChargeMicros({ kind: 'per_second', ...rule.upscale }, prediction) : 0;
  }
  if (rule.kind === 'per_image') {
    return prediction.state === 'succeeded' ? rule.perImageMicros * prediction.producedImages : 0;
  }
  return timeBilledChargeMicros(rule, prediction);
}

/** A time-billed run as Replicate bills it: `predict_time` × rate, failed runs free, never above its bound. */
function timeBilledChargeMicros(rule: Extract<PriceRule, { kind: 'per_second' }>, prediction: EndedPrediction): Micros {
  const bound = rule.microsPerSecond * rule.maxSeconds;
  if (prediction.state === 'succeeded') {
    // Replicate always reports the time of a success; without it, the most it could have run.
    return prediction.predictSeconds === null
      ? bound
      : Math.min(bound, timeChargeMicros(prediction.predictSeconds, rule.microsPerSecond));
  }
  if (prediction.state === 'canceled' && prediction.predictSeconds !== null) {
    return Math.min(bound, timeChargeMicros(prediction.predictSeconds, rule.microsPerSecond));
  }
  return 0; // failed, aborted, or canceled before it ran
}

/** The generation's cost: each prediction's charge, never above the hold. */
export function settlementMicros(
  rule: AdmittedPriceRule,
  predictions: readonly EndedPrediction[],
  heldMicros: Micros,
): Micros {
  const charged = predictions.reduce((sum, prediction) => sum + predictionChargeMicros(rule, prediction), 0);
  return Math.min(heldMicros, charged);
}

/** `metrics.predict_time` when Replicate reported one (seconds the model ran: what it bills). */
export function predictSecondsOf(metrics: Readonly<Record<string, unknown>> | null | undefined): number | null {
  const seconds = metrics?.predict_time;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** Reads a stored rule back (`generations.price_rule`); null for rows admitted before rules were kept. */
export function admittedRuleOf(stored: unknown): AdmittedPriceRule | null {
  if (stored === null || typeof stored !== 'object') return null;
  const rule = stored as Record<string, unknown>;
  const removal = typeof rule.removalPerImageMicros === 'number' ? rule.removalPerImageMicros : null;
  if (rule.kind === 'per_image' && typeof rule.perImageMicros === 'number') {
    return {
      kind: 'per_image',
      perImageMicros: rule.perImageMicros,
      removalPerImageMicros: removal,
      ...upscaleOf(rule.upscale),
    };
  }
  if (
    rule.kind === 'per_second' &&
    typeof rule.microsPerSecond === 'number' &&
    typeof rule.hardware === 'string' &&
    typeof rule.maxSeconds === 'number'
  ) {
    const { microsPerSecond, hardware, maxSeconds } = rule;
    return {
      kind: 'per_second',
      microsPerSecond,
      hardware,
      maxSeconds,
      removalPerImageMicros: removal,
      ...upscaleOf(rule.upscale),
    };
  }
  return null;
}

/** `{ upscale }` when the stored rule has one (rules without a print target have no key). */
function upscaleOf(stored: unknown): { upscale?: UpscaleRule } {
  if (stored === null || typeof stored !== 'object') return {};
  const rule = stored as Record<string, unknown>;
  const { microsPerSecond, hardware, maxSeconds, passes } = rule;
  if (
    typeof microsPerSecond !== 'number' ||
    typeof hardware !== 'string' ||
    typeof maxSeconds !== 'number' ||
    typeof passes !== 'number'
  ) {
    return {};
  }
  return { upscale: { microsPerSecond, hardware, maxSeconds, passes } };
}
