/**
 * How fast automatic choice learns (issue 26, "done when"): a user who likes one model's images and
 * dislikes another's gets the liked one within a handful of ratings, with a reason that says so —
 * even when a third model, liked once earlier, is one they like only half the time. With the
 * greedy rule before (ties to the quality order alone) that model held its place: after each
 * dislike its expected preference fell back level with the untried models', and its rank won the
 * tie, so the liked model was reached only on exploring turns. Pure and seeded: the real choice
 * function, the production exploration turns (every 10th choice a Thompson draw), no database.
 */
import { describe, expect, it } from 'vitest';
import { chooseModelAutomatically } from '../../src/generations/policies/auto.ts';
import { EXPLORE_EVERY, ExplorationTurns } from '../../src/generations/policies/exploration.ts';
import type { UserPreferences } from '../../src/preferences/cache.ts';
import { emptyCounts, seededRandom, type ModelEvidence } from '../../src/preferences/estimator.ts';

const NOW = new Date('2026-12-05T12:00:00Z');
/** Moderate, at 0.03 USD per image: FLUX Schnell, Imagen 4 Fast, FLUX Dev and Seedream 4 (the best-ranked) fit. */
const REQUEST = {
  prompt: 'a cat with a hat and a scarf, sitting on a sofa',
  count: 1,
  iterations: 10,
  transparentBackground: false,
  aspectRatio: null,
  remainingMicros: 300_000,
  now: NOW,
};
const LIKED = 'imagen-4-fast';
/** Liked once before; from then on liked every other time. */
const SO_SO = 'seedream-4';

function rated(evidence: Map<string, ModelEvidence>, modelId: string, liked: boolean): void {
  const before = evidence.get(modelId) ?? { modelId, counts: emptyCounts(), kept: 0, notKept: 0 };
  const kind = liked ? 'like' : 'dislike';
  evidence.set(modelId, {
    modelId,
    counts: { ...before.counts, [kind]: before.counts[kind] + 1 },
    kept: before.kept + (liked ? 1 : 0),
    notKept: before.notKept + (liked ? 0 : 1),
  });
}

describe('learning a user’s taste', () => {
  it('finds the liked model within a handful of ratings though another was liked once before, and keeps it', () => {
    const evidence = new Map<string, ModelEvidence>();
    rated(evidence, SO_SO, true);
    const preferences: UserPreferences = { readAt: NOW, evidence, fleet: new Map() };
    const turns = new ExplorationTurns();
    const random = seededRandom(26);
    let soSoRatings = 0;
    const choices = Array.from({ length: 30 }, () => {
      const choice = chooseModelAutomatically({
        ...REQUEST,
        preferences,
        random,
        exploreTurn: () => turns.take('taster'),
      });
      // The user rates every image they get: the liked model always LIKE, the so-so one every other time.
      const liked = choice.modelId === LIKED || (choice.modelId === SO_SO && soSoRatings++ % 2 === 1);
      rated(evidence, choice.modelId, liked);
      return choice;
    });

    const first = choices.findIndex((choice) => choice.modelId === LIKED);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(5);
    expect(choices[0]!.modelId).toBe(SO_SO);
    // From then on every choice that is not an exploring turn is the liked model.
    const after = choices.slice(first).filter((choice) => !choice.explored);
    expect(after.length).toBeGreaterThanOrEqual(30 - first - Math.ceil(30 / EXPLORE_EVERY));
    expect(after.every((choice) => choice.modelId === LIKED)).toBe(true);
    expect(choices.at(-1)!.reason).toMatch(
      /^Picked Google Imagen 4 Fast over ByteDance Seedream 4: you liked \d+ of \d+ Google Imagen 4 Fast images, and you liked \d+ of \d+ ByteDance Seedream 4 images \(expected preference \d+ % against \d+ %\); it fits /,
    );
  });

  it('on a tie tries the model the user rated least before the better-ranked one, and says why', () => {
    // Seedream 4 liked 2 of 4: level with every untried model (50 %), but known by 4 ratings.
    const evidence = new Map<string, ModelEvidence>();
    for (const liked of [true, false, true, false]) rated(evidence, SO_SO, liked);
    const choice = chooseModelAutomatically({
      ...REQUEST,
      preferences: { readAt: NOW, evidence, fleet: new Map() },
      random: seededRandom(1),
    });
    // Of the untried, the best-ranked: FLUX Dev.
    expect(choice).toMatchObject({ modelId: 'flux-dev', explored: false });
    expect(choice.reason).toBe(
      'Picked FLUX Dev over ByteDance Seedream 4: you have not rated FLUX Dev yet, and you liked 2 of 4 ByteDance Seedream 4 images (expected preference 50 % against 50 %) — about as likely to please you, and you have rated FLUX Dev less; it fits 0.03 USD per image (remaining budget over 10 iterations).',
    );
  });
});
