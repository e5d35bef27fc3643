/**
 * How much a user likes a model, as a number they can be told the reasons for (pure; the figures
 * come from `store.ts`, the choice that uses them is `generations/policies/auto.ts`).
 *
 * For each user and model: a Beta(α, β) belief about "the next image of this model is one this
 * user keeps".
 * - **Prior**: the model's fleet-wide like rate p (every user's explicit likes and dislikes of it,
 *   smoothed as (likes + 5) / (likes + dislikes + 10)) with the weight of `PRIOR_STRENGTH` ratings:
 *   α₀ = 4p, β₀ = 4(1 − p). A user with no evidence starts where everyone else is, and one rating
 *   does not decide: a favourite disliked once is not written off, a model liked once does not
 *   run far ahead of the ones not tried yet (measured in `bench/preferences.ts`: worth 2 ratings,
 *   the prior let one unlucky first rating bury a favourite).
 * - **Evidence**: each signal adds its weight to α (kept) or β (not kept): a like or dislike 1, a
 *   finalize or a download ½ (kept), a cancel while running ½ (not kept).
 * - **Forgetting**: a signal's weight halves every `HALF_LIFE_DAYS`, so tastes can change.
 * Expected preference = α / (α + β). Exploration draws from the Beta instead (Thompson sampling).
 */
import type { FeedbackKind } from '../db/types.ts';
import type { Random } from '../random.ts';

export const HALF_LIFE_DAYS = 30;
export const HALF_LIFE_MS = HALF_LIFE_DAYS * 24 * 3600_000;
/** How many ratings the fleet-wide prior is worth. */
export const PRIOR_STRENGTH = 4;
/** Pseudo-ratings (half likes, half dislikes) the fleet's like rate is shrunk toward 0.5 with. */
export const FLEET_SMOOTHING = 10;

/** What each signal adds, and to which side. */
export const SIGNAL_WEIGHTS: Readonly<Record<FeedbackKind, { readonly weight: number; readonly kept: boolean }>> = {
  like: { weight: 1, kept: true },
  dislike: { weight: 1, kept: false },
  finalize: { weight: 0.5, kept: true },
  download: { weight: 0.5, kept: true },
  cancel: { weight: 0.5, kept: false },
};

export type FeedbackCounts = Readonly<Record<FeedbackKind, number>>;

/** One user's evidence about one model: raw counts, and decayed weights as of `asOf`. */
export interface ModelEvidence {
  readonly modelId: string;
  readonly counts: FeedbackCounts;
  /** Σ weight × ½^(age / half-life) of the signals for (kept) and against (not kept), at `asOf`. */
  readonly kept: number;
  readonly notKept: number;
}

/** The fleet's explicit ratings of one model. */
export interface FleetRatings {
  readonly likes: number;
  readonly dislikes: number;
}

export interface Belief {
  readonly alpha: number;
  readonly beta: number;
  /** α / (α + β): the expected preference, 0..1. */
  readonly expected: number;
  /** The user's own evidence in it (α + β less the prior): ratings' worth of signals, decayed. */
  readonly evidence: number;
}

export function emptyCounts(): Record<FeedbackKind, number> {
  return { like: 0, dislike: 0, finalize: 0, download: 0, cancel: 0 };
}

/**
 * The smoothed fleet-wide like rate: 0.5 for a model nobody has rated, moving toward the measured
 * rate as ratings accumulate (a few users' ratings do not decide for everyone).
 */
export function fleetLikeRate(fleet: FleetRatings | undefined): number {
  const likes = fleet?.likes ?? 0;
  const dislikes = fleet?.dislikes ?? 0;
  return (likes + FLEET_SMOOTHING / 2) / (likes + dislikes + FLEET_SMOOTHING);
}

/** ½^(elapsed / half-life): how much of a signal's weight is left after `elapsedMs`. */
export function decay(elapsedMs: number, halfLifeMs = HALF_LIFE_MS): number {
  return Math.pow(0.5, Math.max(0, elapsedMs) / halfLifeMs);
}

/**
 * The belief about one model: the fleet prior plus the user's evidence decayed from `asOf` to
 * `now` (evidence read earlier keeps decaying without being read again).
 */
export function beliefOf(
  evidence: Pick<ModelEvidence, 'kept' | 'notKept'> | undefined,
  fleet: FleetRatings | undefined,
  elapsedSinceReadMs = 0,
): Belief {
  const p = fleetLikeRate(fleet);
  const left = decay(elapsedSinceReadMs);
  const kept = (evidence?.kept ?? 0) * left;
  const notKept = (evidence?.notKept ?? 0) * left;
  const alpha = PRIOR_STRENGTH * p + kept;
  const beta = PRIOR_STRENGTH * (1 - p) + notKept;
  return { alpha, beta, expected: alpha / (alpha + beta), evidence: kept + notKept };
}

/** "you liked 8 of 10 FLUX Dev images and finalized with it 3 times" — the evidence in words. */
export function evidenceInWords(modelName: string, counts: Readonly<Record<FeedbackKind, number>> | undefined): string {
  if (!counts) return `you have not rated ${modelName} yet`;
  const parts: string[] = [];
  const rated = counts.like + counts.dislike;
  if (rated > 0) parts.push(`you liked ${counts.like} of ${rated} ${modelName} image${rated === 1 ? '' : 's'}`);
  else parts.push(`you have not rated ${modelName} yet`);
  if (counts.finalize > 0) parts.push(`finalized with it ${times(counts.finalize)}`);
  if (counts.download > 0) parts.push(`downloaded ${counts.download} of its images`);
  if (counts.cancel > 0) parts.push(`canceled it ${times(counts.cancel)} while it ran`);
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

// ── sampling (Thompson) ─────────────────────────────────────────────────────────────────────────

// Tests and the bench seed automatic choice through the estimator they test.
export { seededRandom, type Random } from '../random.ts';

function standardNormal(random: Random): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, 1) by Marsaglia and Tsang; shapes below 1 through Gamma(shape + 1) × U^(1/shape). */
function sampleGamma(shape: number, random: Random): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(Math.max(random(), Number.MIN_VALUE), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(random);
    const v = Math.pow(1 + c * x, 3);
    if (v <= 0) continue;
    const u = random();
    if (Math.log(Math.max(u, Number.MIN_VALUE)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** One draw from Beta(α, β). */
export function sampleBelief(belief: Pick<Belief, 'alpha' | 'beta'>, random: Random): number {
  const x = sampleGamma(belief.alpha, random);
  const y = sampleGamma(belief.beta, random);
  return x + y === 0 ? 0.5 : x / (x + y);
}
