/**
 * Automatic model choice: for a request without `modelId` (`chooseModelAutomatically`) and for a
 * final without one (`chooseFinalModel`). The candidates are the catalog's models the caller may
 * see that fit the allowance — for a request, `candidateModels` (a tier the prompt is worth,
 * within the user's *remaining* budget over the `iterations` hint, background removal paid out of
 * the budget first); for a final, `finalCandidates` (every final model the remaining budget pays
 * for). Among them the user's learned preference decides (`preferences/`):
 *
 * - **Exploit**: the highest expected preference wins; models within `PREFERENCE_MARGIN` of it count
 *   as equally liked, and of those the one the user has rated least (in whole ratings' worth of
 *   evidence) is taken, then the best-ranked — so without evidence the quality order decides as
 *   before, and a model liked about as often as not cannot hold its place forever against equally
 *   likely ones the user never saw (the "greedy trap" `bench/preferences.ts` measured). This is
 *   not exploration: the model taken is as liked as the best by the same estimate, only better
 *   known by less.
 * - **Explore**: every `EXPLORE_EVERY`-th choice of a user (`ExplorationTurns`: 1 in 10, a bound,
 *   not a rate) is a Thompson draw — one sample from each candidate's Beta belief, the highest
 *   sample wins — so a model the user has rated little can earn its place. It draws only among the
 *   same candidates: never above the allowance, and never for a request that named a model (no
 *   automatic choice is made then).
 *
 * `reason` cites the evidence. The request's aspect ratio is mapped to the nearest the chosen model
 * allows (the user did not pick the model, so its ratio list is not theirs to know).
 */
import { findModel, removeBackgroundModel, type ModelSpec } from '../../catalog/models.ts';
import { CatalogInputError } from '../../catalog/errors.ts';
import { maxCostMicros } from '../../catalog/pricing.ts';
import { bestRanked, candidateModels, type CandidateSet } from '../../catalog/selection.ts';
import { formatMicrosAsUsd, type Micros } from '../../money.ts';
import { NoAffordableModelError } from '../errors.ts';
import type { UserPreferences } from '../../preferences/cache.ts';
import {
  beliefOf,
  evidenceInWords,
  sampleBelief,
  type Belief,
  type FleetRatings,
} from '../../preferences/estimator.ts';
import type { Random } from '../../random.ts';
import { nearestAspectRatio } from '../request.ts';
import { EXPLORE_EVERY } from './exploration.ts';
import { finalCandidates } from './tiers.ts';

/** Expected preferences this close to the best count as a tie: the least rated, then the quality order, breaks it. */
export const PREFERENCE_MARGIN = 0.05;

/** What the preference side of a choice needs: the user's evidence, the clock, and the exploration. */
export interface PreferenceInputs {
  /** What the user taught so far (null: nothing known, the quality order decides). */
  readonly preferences: UserPreferences | null;
  readonly now: Date;
  /** Uniform [0, 1) behind the Thompson draw (seeded in tests). */
  readonly random: Random;
  /** Asked once per choice among two or more candidates: whether it explores (`ExplorationTurns.take`); absent: never. */
  readonly exploreTurn?: () => boolean;
}

export interface AutoChoiceRequest extends PreferenceInputs {
  /** The caller: only models they may see are chosen from. */
  readonly userId?: string | null;
  readonly prompt: string;
  readonly count: number;
  readonly iterations: number | null;
  readonly transparentBackground: boolean;
  readonly aspectRatio: string | null;
  /** Null: no budget limit applies. */
  readonly remainingMicros: Micros | null;
}

export interface AutoChoice {
  readonly modelId: string;
  readonly reason: string;
  readonly aspectRatio: string | null;
  /** True when this choice was an exploration (a Thompson draw). */
  readonly explored: boolean;
}

export function chooseModelAutomatically(request: AutoChoiceRequest): AutoChoice {
  const removalMicros = request.transparentBackground ? removeBackgroundModel().costPerImageMicros * request.count : 0;
  const remaining = request.remainingMicros ?? Number.MAX_SAFE_INTEGER;
  const forImages = Math.max(0, remaining - removalMicros);
  let set: CandidateSet;
  try {
    set = candidateModels({
      userId: request.userId ?? null,
      prompt: request.prompt,
      remainingBudgetMicros: forImages,
      iterationsHint: request.iterations,
      count: request.count,
    });
  } catch (error) {
    if (error instanceof CatalogInputError && error.field === 'modelId') {
      throw new NoAffordableModelError(error.message, remaining);
    }
    throw error;
  }
  const picked = set.kind === 'fallback' ? { ...set.selection, explored: false } : pickAmong(set, request);
  const model = findModel(picked.model.id) ?? picked.model;
  const aspectRatio =
    request.aspectRatio !== null && model.aspectRatios.length > 0
      ? (nearestAspectRatio(model.aspectRatios, request.aspectRatio) ?? null)
      : null;
  const reason =
    request.transparentBackground && removalMicros > 0
      ? `${picked.reason} Background removal (${formatMicrosAsUsd(removalMicros)} USD) was set aside first.`
      : picked.reason;
  return { modelId: model.id, reason, aspectRatio, explored: picked.explored };
}

function pickAmong(set: Extract<CandidateSet, { kind: 'candidates' }>, inputs: PreferenceInputs): Picked {
  const allowance = `${formatMicrosAsUsd(Math.floor(set.perImageAllowanceMicros))} USD per image (remaining budget over ${set.iterations} iterations)`;
  return pickByPreference(set.candidates, inputs, {
    verb: 'Picked',
    best: `the best model for a ${set.analysis.complexity} prompt within ${allowance}`,
    fits: `it fits ${allowance}`,
  });
}

export interface FinalChoiceRequest extends PreferenceInputs {
  readonly userId: string | null;
  /** Null: no budget limit applies. */
  readonly remainingMicros: Micros | null;
  readonly count: number;
  readonly transparentBackground: boolean;
}

/**
 * The model of a final whose request named none: the most liked of the final models the remaining
 * budget pays for (ties to the least rated, then the quality order; exploring like any automatic choice); when none
 * fits, the cheapest, which admission refuses with a BUDGET_EXCEEDED that says what is missing.
 */
export function chooseFinalModel(request: FinalChoiceRequest): Picked {
  const set = finalCandidates(request.remainingMicros, request.count, request.transparentBackground, request.userId);
  if (set.kind === 'fallback') return { ...set.choice, explored: false };
  const budget =
    request.remainingMicros === null
      ? 'no budget limit applies'
      : `your remaining budget of ${formatMicrosAsUsd(request.remainingMicros)} USD allows it`;
  const best = bestRanked(set.candidates);
  return pickByPreference(set.candidates, request, {
    verb: 'Finalized on',
    best: `the best model for ${formatMicrosAsUsd(maxCostMicros(best, request.count, request.transparentBackground))} USD; ${budget}`,
    fits: budget,
  });
}

/** A choice among candidates, with its reason. */
export interface Picked {
  readonly model: ModelSpec;
  readonly reason: string;
  /** True when this choice was an exploration (a Thompson draw that chose another model). */
  readonly explored: boolean;
}

/** How a reason speaks of the candidates. */
interface Framing {
  readonly verb: 'Picked' | 'Finalized on';
  /** Why the best-ranked candidate is the default. */
  readonly best: string;
  /** What every candidate fits. */
  readonly fits: string;
}

interface Judged {
  readonly model: ModelSpec;
  readonly belief: Belief;
  readonly words: string;
  /** The user has evidence about this model. */
  readonly known: boolean;
}

function judge(model: ModelSpec, inputs: PreferenceInputs): Judged {
  const preferences = inputs.preferences;
  const evidence = preferences?.evidence.get(model.id);
  const fleet = preferences?.fleet.get(model.id);
  const elapsed = preferences ? inputs.now.getTime() - preferences.readAt.getTime() : 0;
  return {
    model,
    belief: beliefOf(evidence, fleet, elapsed),
    words: evidence ? evidenceInWords(model.name, evidence.counts) : fleetInWords(model.name, fleet),
    known: evidence !== undefined,
  };
}

function fleetInWords(name: string, fleet: FleetRatings | undefined): string {
  const rated = (fleet?.likes ?? 0) + (fleet?.dislikes ?? 0);
  return rated === 0
    ? `you have not rated ${name} yet`
    : `you have not rated ${name} yet and other users liked ${fleet!.likes} of ${rated} of its images`;
}

function percent(belief: Belief): string {
  return `${Math.round(belief.expected * 100)} %`;
}

/** Whole ratings' worth of the user's evidence (decayed weights differ by fractions that are no reason to prefer). */
function ratedAbout(entry: Judged): number {
  return Math.round(entry.belief.evidence);
}

/**
 * The exploiting choice: among the models within `PREFERENCE_MARGIN` of the highest expected
 * preference, the least rated, then the best-ranked.
 */
function exploitingChoice(judged: readonly Judged[]): { exploit: Judged; tied: readonly Judged[] } {
  const top = Math.max(...judged.map((entry) => entry.belief.expected));
  const tied = judged.filter((entry) => entry.belief.expected >= top - PREFERENCE_MARGIN);
  const least = Math.min(...tied.map(ratedAbout));
  const pick = bestRanked(tied.filter((entry) => ratedAbout(entry) === least).map((entry) => entry.model));
  return { exploit: tied.find((entry) => entry.model === pick)!, tied };
}

/** Exploit (the most liked, ties to the least rated, then the quality order) or, on an exploring turn, a Thompson draw. */
function pickByPreference(candidates: readonly ModelSpec[], inputs: PreferenceInputs, framing: Framing): Picked {
  const judged = candidates.map((model) => judge(model, inputs));
  const { exploit, tied } = exploitingChoice(judged);
  const best = judged.find((entry) => entry.model === bestRanked(candidates))!;
  const { verb } = framing;

  if (judged.length > 1 && inputs.exploreTurn?.()) {
    const drawn = judged
      .map((entry) => ({ entry, draw: sampleBelief(entry.belief, inputs.random) }))
      .reduce((a, b) => (b.draw > a.draw ? b : a)).entry;
    if (drawn !== exploit) {
      return {
        model: drawn.model,
        explored: true,
        reason: `${verb} ${drawn.model.name} to learn your taste: every ${EXPLORE_EVERY}th automatic choice tries a model by its chance of being your favourite (${drawn.words}; expected preference ${percent(drawn.belief)} against ${percent(exploit.belief)} for ${exploit.model.name}), and ${framing.fits}.`,
      };
    }
  }
  if (exploit === best) {
    const known = exploit.known ? `; ${exploit.words}` : '';
    return {
      model: exploit.model,
      explored: false,
      reason: `${verb} ${exploit.model.name}: ${framing.best}${known}.`,
    };
  }
  const comparison = `${exploit.words}, and ${best.words} (expected preference ${percent(exploit.belief)} against ${percent(best.belief)})`;
  const lessRated = tied.includes(best)
    ? ` — about as likely to please you, and you have rated ${exploit.model.name} less`
    : '';
  return {
    model: exploit.model,
    explored: false,
    reason: `${verb} ${exploit.model.name} over ${best.model.name}: ${comparison}${lessRated}; ${framing.fits}.`,
  };
}
