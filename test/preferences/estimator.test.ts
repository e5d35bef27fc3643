/**
 * The preference estimator and the exploring choice, pure and seeded: the Beta posterior with the
 * fleet's like rate as prior, the half-life, and Thompson exploration that stays within the
 * candidates (never above the allowance) and explores at most 1 in 10 of a user's choices, for a
 * request and for a final without a model.
 */
import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/models.ts';
import { chooseFinalModel, chooseModelAutomatically } from '../../src/generations/policies/auto.ts';
import { EXPLORE_EVERY, ExplorationTurns } from '../../src/generations/policies/exploration.ts';
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
    // The prior is worth 4 ratings: α = 4 × 0.5 + 8, β = 4 × 0.5 + 2.
    expect(liked).toMatchObject({ alpha: 10, beta: 4, evidence: 10 });
    expect(liked.expected).toBeCloseTo(10 / 14);
    // A model everyone else dislikes starts lower for a new user.
    expect(beliefOf(undefined, { likes: 0, dislikes: 40 }).expected).toBeCloseTo(0.1);
  });

  it('halves a signal’s weight every half-life', () => {
    expect(decay(HALF_LIFE_MS)).toBeCloseTo(0.5);
    expect(decay(3 * HALF_LIFE_MS)).toBeCloseTo(0.125);
    const fresh = beliefOf({ kept: 4, notKept: 0 }, undefined);
    const old = beliefOf({ kept: 4, notKept: 0 }, undefined, HALF_LIFE_MS);
    expect(old.alpha).toBeCloseTo(2 + 2);
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

  function choices(random: Random, n: number, preferences: UserPreferences, exploreTurn: () => boolean) {
    return Array.from({ length: n }, () => chooseModelAutomatically({ ...request, preferences, random, exploreTurn }));
  }

  it('explores at most 1 in 10 choices of a user — every 10th — never above the allowance, reproducibly', () => {
    const preferences = preferencesWith({ 'flux-dev': [6, 1] });
    const turns = new ExplorationTurns();
    const made = choices(seededRandom(2026), 2000, preferences, () => turns.take('u1'));
    const explored = made.flatMap((choice, index) => (choice.explored ? [index] : []));
    expect(explored.length).toBeGreaterThan(0);
    // Only the 10th, 20th, … choice may explore (a draw can still land on the favourite), so no
    // ten choices in a row hold two explorations.
    expect(explored.every((index) => (index + 1) % EXPLORE_EVERY === 0)).toBe(true);
    for (const choice of made) expect(findModel(choice.modelId)!.costPerImageMicros).toBeLessThanOrEqual(30_000);
    expect(made.filter((choice) => !choice.explored).every((choice) => choice.modelId === 'flux-dev')).toBe(true);
    expect(made[explored[0]!]!.reason).toMatch(/to learn your taste: every 10th automatic choice tries a model/);
    // The same seed makes the same choices.
    const again = new ExplorationTurns();
    const repeated = choices(seededRandom(2026), 2000, preferences, () => again.take('u1'));
    expect(repeated.map((choice) => choice.modelId)).toEqual(made.map((choice) => choice.modelId));
  });

  it('counts turns per user, and a forgotten count starts again at zero', () => {
    const turns = new ExplorationTurns(3, 2);
    const taken = (userId: string, n: number) => Array.from({ length: n }, () => turns.take(userId));
    expect(taken('a', 2)).toEqual([false, false]);
    expect(taken('b', 3)).toEqual([false, false, true]);
    expect(taken('a', 1)).toEqual([true]);
    // A third user pushes out the least recently seen ('b'), whose count starts again.
    expect(taken('c', 1)).toEqual([false]);
    expect(taken('b', 3)).toEqual([false, false, true]);
    expect(new ExplorationTurns(null).take('a')).toBe(false);
  });

  it('explores a model the user rated little more often than one they dislike', () => {
    const preferences = preferencesWith({ 'flux-dev': [6, 1], 'seedream-4': [0, 6] });
    const explored = choices(seededRandom(5), 300, preferences, () => true).filter((choice) => choice.explored);
    const count = (id: string) => explored.filter((choice) => choice.modelId === id).length;
    expect(count('imagen-4-fast')).toBeGreaterThan(count('seedream-4'));
  });
});

describe('the model of a final without one', () => {
  const final = { userId: null, count: 1, transparentBackground: false, now: NOW, random: seededRandom(1) };

  it('is the most liked final model the remaining budget allows, with the evidence', () => {
    const liked = chooseFinalModel({
      ...final,
      remainingMicros: 1_000_000,
      preferences: preferencesWith({ 'flux-dev': [4, 0], 'flux-1.1-pro-ultra': [0, 2] }),
    });
    expect(liked.model.id).toBe('flux-dev');
    expect(liked.reason).toBe(
      'Finalized on FLUX Dev over FLUX 1.1 Pro Ultra: you liked 4 of 4 FLUX Dev images, and you liked 0 of 2 FLUX 1.1 Pro Ultra images (expected preference 75 % against 33 %); your remaining budget of 1 USD allows it.',
    );
  });

  it('follows the quality order without evidence or on a tie, and never goes above the budget', () => {
    const unknown = chooseFinalModel({ ...final, remainingMicros: null, preferences: null });
    expect(unknown.model.id).toBe('flux-1.1-pro-ultra');
    expect(unknown.reason).toBe(
      'Finalized on FLUX 1.1 Pro Ultra: the best model for 0.06 USD; no budget limit applies.',
    );
    // Liked equally: the best-ranked liked one the budget allows (FLUX 1.1 Pro Ultra is above it).
    const preferences = preferencesWith({ 'flux-1.1-pro-ultra': [5, 0], 'flux-dev': [5, 0], 'imagen-4': [5, 0] });
    const within = chooseFinalModel({ ...final, remainingMicros: 45_000, preferences });
    expect(within.model.id).toBe('imagen-4');
    expect(within.reason).toBe(
      'Finalized on Google Imagen 4 over FLUX 1.1 Pro: you liked 5 of 5 Google Imagen 4 images, and you have not rated FLUX 1.1 Pro yet (expected preference 78 % against 50 %); your remaining budget of 0.045 USD allows it.',
    );
    const none = chooseFinalModel({ ...final, remainingMicros: 1_000, preferences });
    expect(none.model.id).toBe('imagen-4-fast');
    expect(none.reason).toContain('allows none');
  });

  it('explores on its turn, among the finals the budget allows', () => {
    const preferences = preferencesWith({ 'flux-dev': [6, 1] });
    const turns = new ExplorationTurns();
    const made = Array.from({ length: 200 }, () =>
      chooseFinalModel({ ...final, remainingMicros: 45_000, preferences, exploreTurn: () => turns.take('u1') }),
    );
    const explored = made.filter((choice) => choice.explored);
    expect(explored.length).toBeGreaterThan(0);
    expect(explored.length).toBeLessThanOrEqual(20);
    for (const choice of made) expect(choice.model.costPerImageMicros).toBeLessThanOrEqual(45_000);
    expect(explored[0]!.reason).toMatch(/^Finalized on .* to learn your taste/);
  });
});
