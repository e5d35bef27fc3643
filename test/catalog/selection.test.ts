import { describe, expect, it } from 'vitest';
import { analysePrompt, selectModel } from '../../src/catalog/selection.ts';
import { CatalogInputError } from '../../src/catalog/errors.ts';

describe('analysePrompt', () => {
  it.each([
    ['a red apple', 'simple'],
    ['a cat with a hat and a scarf, sitting on a sofa', 'moderate'],
    [
      'photorealistic portrait of an old fisherman with intricate wrinkles, cinematic lighting, a harbour at dusk, boats and gulls in the background, depth of field',
      'complex',
    ],
  ] as const)('%s → %s', (prompt, complexity) => {
    expect(analysePrompt(prompt).complexity).toBe(complexity);
  });
});

describe('selectModel', () => {
  const complexPrompt =
    'photorealistic portrait of an old fisherman with intricate wrinkles, cinematic lighting, a harbour at dusk, boats and gulls';

  it('keeps a simple prompt on a cheap model even with money to spare', () => {
    const selection = selectModel({ prompt: 'a red apple', remainingBudgetMicros: 100_000_000, count: 1 });
    expect(selection.model.qualityRank).toBeLessThanOrEqual(3);
    expect(selection.reason).toContain('simple');
  });

  it('lets a complex prompt reach the high tier when the budget allows', () => {
    const selection = selectModel({
      prompt: complexPrompt,
      remainingBudgetMicros: 6_000_000,
      iterationsHint: 100,
      count: 1,
    });
    expect(selection.model.id).toBe('flux-1.1-pro-ultra');
  });

  it('follows the recommend rule on the remaining budget', () => {
    const selection = selectModel({
      prompt: complexPrompt,
      remainingBudgetMicros: 1_000_000,
      iterationsHint: 100,
      count: 1,
    });
    expect(selection.model.id).toBe('flux-schnell');
  });

  it('prefers the affordable model the user finalizes most', () => {
    const selection = selectModel({
      prompt: complexPrompt,
      remainingBudgetMicros: 6_000_000,
      iterationsHint: 100,
      count: 1,
      finalizedByModel: new Map([
        ['imagen-4-ultra', 5],
        ['seedream-4', 2],
      ]),
    });
    expect(selection.model.id).toBe('imagen-4-ultra');
    expect(selection.reason).toContain('5 times');
  });

  it('ignores a favourite the budget cannot pay for', () => {
    const selection = selectModel({
      prompt: complexPrompt,
      remainingBudgetMicros: 3_000_000,
      iterationsHint: 100,
      count: 1,
      finalizedByModel: new Map([['imagen-4-ultra', 5]]),
    });
    expect(selection.model.id).toBe('seedream-4');
  });

  it('refuses when no model is affordable at all', () => {
    expect(() => selectModel({ prompt: 'a red apple', remainingBudgetMicros: 1_000, count: 1 })).toThrow(
      CatalogInputError,
    );
  });
});
