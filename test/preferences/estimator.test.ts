/**
 * The preference estimator and the exploring choice, pure and seeded: the Beta posterior with the
 * fleet's like rate as prior, the half-life, and Thompson exploration that stays within the
 * candidates (never above the allowance) and explores at most 1 in 10 choices.
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/models.ts';
import { chooseModelAutomatically, EXPLORATION_RATE } from '../../src/generations/policies/auto.ts';
import type { UserPreferences } from '../../src/preferences/cache.ts';
import {
  beliefOf,
  decay,
  emptyCounts,
  evidenceInWords,
  fleetLikeRate,
  HALF_LIFE_MS,
  sampleBelief,
  seededRandom,
  type Random,
} from '../../src/preferences/estimator.ts';

const NOW = new Date('2026-12-05T12:00:00Z');

function preferencesWith(likedByModel: Record<string, [likes: number, dislikes: number]>): UserPreferences {
  const evidence = new Map(
    Object.entries(likedByModel).map(([modelId, [likes, dislikes]]) => [
      modelId,
      { modelId, counts: { ...emptyCounts(), like: likes, dislike: dislikes }, kept: likes, notKept: dislikes },
    ]),
  );
  return { readAt: NOW, evidence, fleet: new Map() };
}

describe('the estimator', () => {
  it('starts at the fleet like rate and moves with the user’s signals', () => {
    expect(beliefOf(undefined, undefined).expected).toBe(0.5);
    expect(fleetLikeRate({ likes: 90, dislikes: 10 })).toBeCloseTo(95 / 110);
    const liked = beliefOf({ kept: 8, notKept: 2 }, undefined);
    expect(liked).toMatchObject({ alpha: 9, beta: 3, expected: 0.75 });
    // A model everyone else dislikes starts lower for a new user.
    expect(beliefOf(undefined, { likes: 0, dislikes: 40 }).expected).toBeCloseTo(0.1);
  });

  it('halves a signal’s weight every half-life', () => {
    expect(decay(HALF_LIFE_MS)).toBeCloseTo(0.5);
    expect(decay(3 * HALF_LIFE_MS)).toBeCloseTo(0.125);
    const fresh = beliefOf({ kept: 4, notKept: 0 }, undefined);
    const old = beliefOf({ kept: 4, notKept: 0 }, undefined, HALF_LIFE_MS);
    expect(old.alpha).toBeCloseTo(1 + 2);
    expect(old.expected).toBeLessThan(fresh.expected);
  });

  it('says the evidence in words', () => {
    expect(evidenceInWords('FLUX Dev', { ...emptyCounts(), like: 8, dislike: 2, finalize: 3 })).toBe(
      'you liked 8 of 10 FLUX Dev images and finalized with it 3 times',
    );
    expect(evidenceInWords('Imagen 4', undefined)).toBe('you have not rated Imagen 4 yet');
  });

  it('draws reproducibly from a seed, with the Beta’s mean', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
    const random = seededRandom(7);
    const draws = Array.from({ length: 4000 }, () => sampleBelief({ alpha: 9, beta: 3 }, random));
    expect(draws.every((draw) => draw >= 0 && draw <= 1)).toBe(true);
    expect(draws.reduce((sum, draw) => sum + draw, 0) / draws.length).toBeCloseTo(0.75, 1);
  });
});

describe('exploring automatic choice', () => {
  const request = {
    prompt: 'a cat with a hat and a scarf, sitting on a sofa',
    count: 1,
    iterations: null,
    transparentBackground: false,
    aspectRatio: null,
    // 0.30 over 10 iterations: 0.03 per image.
    remainingMicros: 300_000,
    now: NOW,
  };

  function choices(random: Random, n: number, preferences: UserPreferences) {
    return Array.from({ length: n }, () => chooseModelAutomatically({ ...request, preferences, random }));
  }

  it('explores at most 1 in 10 choices, never above the allowance, reproducibly', () => {
    const preferences = preferencesWith({ 'flux-dev': [6, 1] });
    const made = choices(seededRandom(2026), 2000, preferences);
    const explored = made.filter((choice) => choice.explored);
    expect(explored.length).toBeGreaterThan(0);
    expect(explored.length / made.length).toBeLessThanOrEqual(EXPLORATION_RATE);
    for (const choice of made) expect(findModel(choice.modelId)!.costPerImageMicros).toBeLessThanOrEqual(30_000);
    expect(made.filter((choice) => !choice.explored).every((choice) => choice.modelId === 'flux-dev')).toBe(true);
    expect(explored[0]!.reason).toMatch(/to learn your taste: about 1 in 10 automatic choices/);
    // The same seed makes the same choices.
    const again = choices(seededRandom(2026), 2000, preferences);
    expect(again.map((choice) => choice.modelId)).toEqual(made.map((choice) => choice.modelId));
  });

  it('explores a model the user rated little more often than one they dislike', () => {
    const preferences = preferencesWith({ 'flux-dev': [6, 1], 'seedream-4': [0, 6] });
    const explored = choices(seededRandom(5), 3000, preferences).filter((choice) => choice.explored);
    const count = (id: string) => explored.filter((choice) => choice.modelId === id).length;
    expect(count('imagen-4-fast')).toBeGreaterThan(count('seedream-4'));
  });
});
