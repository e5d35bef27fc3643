/**
 * The money of one generation under the rule it was admitted with, as Replicate bills it: per
 * output image, or `predict_time × rate` rounded up to a whole micro-dollar, never above the hold;
 * failed runs free, canceled runs for the time they ran.
 */
import { describe, expect, it } from 'vitest';
import {
  admittedRuleOf,
  holdMicros,
  predictionChargeMicros,
  settlementMicros,
  timeChargeMicros,
  type AdmittedPriceRule,
} from '../../src/catalog/price-rule.ts';

const H100: AdmittedPriceRule = {
  kind: 'per_second',
  microsPerSecond: 1525,
  hardware: 'gpu-h100',
  maxSeconds: 60,
  removalPerImageMicros: null,
};
const ended = (state: string, predictSeconds: number | null, producedImages = 0) =>
  ({ purpose: 'generate', state, predictSeconds, producedImages }) as const;

describe('time-billed charges', () => {
  it('multiplies the reported decimal exactly and rounds up to a whole micro-dollar', () => {
    // 2.3456 × 1525 = 3577.04 exactly (a float product says 3577.0400000000004).
    expect(timeChargeMicros(2.3456, 1525)).toBe(3578);
    expect(timeChargeMicros(2, 1525)).toBe(3050);
    expect(timeChargeMicros(0.1, 225)).toBe(23); // 22.5 → 23
    expect(timeChargeMicros(1e-7, 1525)).toBe(1);
    expect(timeChargeMicros(0, 1525)).toBe(0);
  });

  it('holds maxSeconds × rate per prediction and never settles above it', () => {
    expect(holdMicros(H100, [1, 1])).toBe(2 * 60 * 1525);
    expect(predictionChargeMicros(H100, ended('succeeded', 3.5, 1))).toBe(5338);
    expect(predictionChargeMicros(H100, ended('succeeded', 75, 1))).toBe(60 * 1525);
  });

  it('charges nothing for a failed or aborted run and the time it ran for a canceled one', () => {
    expect(predictionChargeMicros(H100, ended('failed', 12))).toBe(0);
    expect(predictionChargeMicros(H100, ended('aborted', null))).toBe(0);
    expect(predictionChargeMicros(H100, ended('canceled', 4.2))).toBe(6405);
    expect(predictionChargeMicros(H100, ended('canceled', null))).toBe(0);
  });

  it('sums a generation, background removals at their per-image price, capped at the hold', () => {
    const rule = { ...H100, removalPerImageMicros: 10_000 };
    const predictions = [
      ended('succeeded', 2, 1),
      { purpose: 'remove_background', state: 'succeeded', predictSeconds: 1, producedImages: 1 } as const,
    ];
    expect(settlementMicros(rule, predictions, 1_000_000)).toBe(3050 + 10_000);
    expect(settlementMicros(rule, predictions, 5_000)).toBe(5_000);
  });
});

describe('stored rules', () => {
  it('read back what admission stored, and nothing else', () => {
    expect(admittedRuleOf(JSON.parse(JSON.stringify(H100)))).toEqual(H100);
    expect(admittedRuleOf({ kind: 'per_image', perImageMicros: 3000 })).toEqual({
      kind: 'per_image',
      perImageMicros: 3000,
      removalPerImageMicros: null,
    });
    expect(admittedRuleOf(null)).toBeNull();
    expect(admittedRuleOf({ kind: 'per_second', microsPerSecond: 1 })).toBeNull();
  });
});
