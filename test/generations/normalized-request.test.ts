/** The stored request read back typed: what `planGeneration` writes is what every reader gets. */
import { describe, expect, it } from 'vitest';
import { requestOf, type StoredRequest } from '../../src/generations/normalized-request.ts';
import { planGeneration } from '../../src/generations/request.ts';

/** A row as Postgres gives it back: the plan's request through jsonb, its columns beside it. */
function storedRow(request: unknown, columns: Partial<StoredRequest> = {}): StoredRequest {
  return {
    request: JSON.parse(JSON.stringify(request)) as StoredRequest['request'],
    model_id: 'flux-schnell',
    prompt: 'a fox',
    mode: 'STANDARD',
    image_count: 2,
    transparent_background: false,
    ...columns,
  };
}

describe('the stored request', () => {
  it('reads back as it was planned, print target included', () => {
    const plan = planGeneration({
      modelId: 'flux-schnell',
      prompt: 'a fox',
      count: 2,
      seed: 7,
      settings: { num_inference_steps: 2 },
      print: { widthInches: 4, heightInches: 3, dpi: 100 },
    });
    expect(requestOf(storedRow(plan.normalized))).toEqual(plan.normalized);
    expect(requestOf(storedRow(plan.normalized)).print).toEqual({
      preset: null,
      widthInches: 4,
      heightInches: 3,
      dpi: 100,
      width: 400,
      height: 300,
    });
  });

  it('fills what a row was written without with its default, and takes the columns’ fields from the columns', () => {
    expect(requestOf(storedRow({}, { model_id: 'seedream-4', mode: 'PREVIEW', transparent_background: true }))).toEqual(
      {
        modelId: 'seedream-4',
        prompt: 'a fox',
        negativePrompt: null,
        mode: 'PREVIEW',
        count: 2,
        aspectRatio: null,
        seed: null,
        transparentBackground: true,
        settings: {},
      },
    );
  });

  it('keeps a stored setting named __proto__ a key, never the prototype', () => {
    const request = requestOf(storedRow(JSON.parse('{"settings":{"__proto__":{"polluted":true}}}')));
    expect(Object.getPrototypeOf(request.settings)).toBe(Object.prototype);
    expect(Object.hasOwn(request.settings, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses JSON that no planned request could be', () => {
    expect(() => requestOf(storedRow({ seed: 'seven' }))).toThrow();
    expect(() => requestOf(storedRow({ settings: [1] }))).toThrow();
  });
});
