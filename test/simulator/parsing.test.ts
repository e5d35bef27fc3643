/** The small parsers and formatters the simulator's behaviour rests on. */
import { describe, expect, it } from 'vitest';
import { MODELS } from '../../src/catalog/models.ts';
import { globToRegExp } from '../../src/simulator/faults.ts';
import { dimensionsForAspectRatio, dimensionsForSize } from '../../src/simulator/images.ts';
import { tqdmLine } from '../../src/simulator/logs.ts';
import { parseBearerToken, parseCancelAfter, parsePreferWait } from '../../src/simulator/request-headers.ts';

describe('Cancel-After', () => {
  it.each([
    ['30', 30],
    ['30s', 30],
    ['5m', 300],
    ['1h30m', 5400],
    ['1h30m45s', 5445],
    ['2h', 7200],
    ['90s', 90],
    ['5', 5],
  ])('%s → %i s', (header, seconds) => {
    expect(parseCancelAfter(header)).toEqual({ ok: true, seconds });
  });

  it.each(['4s', '0', '', 'soon', '5x', '1m1h', '-10'])('refuses %j', (header) => {
    expect(parseCancelAfter(header).ok).toBe(false);
  });
});

describe('Prefer', () => {
  it.each([
    [undefined, undefined],
    ['wait', 60],
    ['wait=5', 5],
    ['wait=60', 60],
    ['wait=99', 60],
    ['respond-async, wait=10', 10],
    ['return=minimal', undefined],
  ])('%j → %j', (header, seconds) => {
    expect(parsePreferWait(header)).toBe(seconds);
  });
});

describe('Authorization', () => {
  it('takes the token of Bearer (and legacy Token) headers only', () => {
    expect(parseBearerToken('Bearer r8_abc')).toBe('r8_abc');
    expect(parseBearerToken('bearer r8_abc')).toBe('r8_abc');
    expect(parseBearerToken('Token r8_abc')).toBe('r8_abc');
    expect(parseBearerToken('Bearer')).toBeUndefined();
    expect(parseBearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(parseBearerToken(undefined)).toBeUndefined();
  });
});

describe('fault path globs', () => {
  it('exact without *, * within a segment, ** across segments', () => {
    expect(globToRegExp('/v1/predictions').test('/v1/predictions')).toBe(true);
    expect(globToRegExp('/v1/predictions').test('/v1/predictions/abc')).toBe(false);
    expect(globToRegExp('/v1/predictions/*').test('/v1/predictions/abc')).toBe(true);
    expect(globToRegExp('/v1/predictions/*').test('/v1/predictions/abc/cancel')).toBe(false);
    expect(globToRegExp('/v1/predictions/*/cancel').test('/v1/predictions/abc/cancel')).toBe(true);
    expect(globToRegExp('/v1/**').test('/v1/models/a/b/predictions')).toBe(true);
    expect(globToRegExp('/v1/models/flux.1').test('/v1/models/fluxa1')).toBe(false);
  });
});

describe('image sizes', () => {
  it('keeps every catalog aspect ratio exact within 256 px', () => {
    for (const ratio of new Set(MODELS.flatMap((model) => model.aspectRatios))) {
      const [w, h] = ratio.split(':').map(Number) as [number, number];
      const { width, height } = dimensionsForAspectRatio(ratio);
      expect(width * h, ratio).toBe(height * w);
      expect(Math.max(width, height), ratio).toBeLessThanOrEqual(256);
      expect(Math.max(width, height), ratio).toBeGreaterThanOrEqual(64);
    }
  });

  it('scales custom sizes down, exactly when the reduced ratio fits', () => {
    expect(dimensionsForSize(1440, 1024)).toEqual({ width: 225, height: 160 });
    expect(dimensionsForSize(4095, 1024)).toEqual({ width: 256, height: 64 });
  });
});

describe('tqdm lines', () => {
  it('look like Cog’s captured tqdm output', () => {
    expect(tqdmLine(0, 4, 0)).toBe('  0%|          | 0/4 [00:00<?, ?it/s]');
    expect(tqdmLine(1, 4, 0.0893)).toMatch(/^ 25%\|██▌ {7}\| 1\/4 \[00:00<00:00, 11\.2\dit\/s\]$/);
    expect(tqdmLine(3, 4, 0.27)).toMatch(/^ 75%\|███████▌ {2}\| 3\/4 /);
    expect(tqdmLine(4, 4, 0.36)).toMatch(/^100%\|██████████\| 4\/4 \[00:00<00:00, /);
  });
});
