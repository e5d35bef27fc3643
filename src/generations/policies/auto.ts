/**
 * Automatic model choice for a request without `modelId`. The candidates are the catalog's
 * (`candidateModels`: visible to the caller, of a tier the prompt is worth, within the user's
 * *remaining* budget over the `iterations` hint — with background removal, when asked for, paid
 * out of the budget first). Among them the user's learned preference decides (`preferences/`):
 *
 * - **Exploit**: the highest expected preference wins; models within `PREFERENCE_MARGIN` of it count
 *   as equally liked and the best-ranked of those is taken, so without evidence the quality order
 *   decides as before.
 * - **Explore**: with probability `EXPLORATION_RATE` (1 in 10) the choice is a Thompson draw — one
 *   sample from each candidate's Beta belief, the highest sample wins — so a model the user has
 *   rated little can earn its place. It draws only among the same candidates: never above the
 *   allowance, and never for a request that named a model (no automatic choice is made then).
 *
 * `reason` cites the evidence. The request's aspect ratio is mapped to the nearest the chosen model
 * allows (the user did not pick the model, so its ratio list is not theirs to know).
 */
import { findModel, removeBackgroundModel, type ModelSpec } from '../../catalog/models.ts';
import { CatalogInputError } from '../../catalog/pricing.ts';
import { bestRanked, candidateModels, type CandidateSet } from '../../catalog/selection.ts';
import { formatMicrosAsUsd, type Micros } from '../../money.ts';
import type { UserPreferences } from '../../preferences/cache.ts';
import {
  beliefOf,
  evidenceInWords,
  sampleBelief,
  type Belief,
  type FleetRatings,
  type Random,
} from '../../preferences/estimator.ts';
import { nearestAspectRatio } from '../request.ts';

/** Share of automatic choices that explore (a Thompson draw instead of the best expected preference). */
export const EXPLORATION_RATE = 0.1;
/** Expected preferences this close to the best count as a tie, which the quality order breaks. */
export const PREFERENCE_MARGIN = 0.05;

export interface AutoChoiceRequest {
  /** The caller: only models they may see are chosen from. */
  readonly userId?: string | null;
  readonly prompt: string;
  readonly count: number;
  readonly iterations: number | null;
  readonly transparentBackground: boolean;
  readonly aspectRatio: string | null;
  /** Null: no budget limit applies. */
  readonly remainingMicros: Micros | null;
  /** What the user taught so far (null: nothing known, the quality order decides). */
  readonly preferences: UserPreferences | null;
  readonly now: Date;
  /** Uniform [0, 1): decides and draws the exploration (seeded in tests). */
  readonly random: Random;
}

export interface AutoChoice {
  readonly modelId: string;
  readonly reason: string;
  readonly aspectRatio: string | null;
  /** True when this choice was an exploration (a Thompson draw). */
  readonly explored: boolean;
}

/** Nothing in the catalog fits the remaining budget: the GraphQL layer answers BUDGET_EXCEEDED. */
export class NoAffordableModelError extends Error {
  constructor(
    message: string,
    readonly remainingMicros: Micros,
  ) {
    super(message);
    this.name = 'NoAffordableModelError';
  }
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
  const picked =
    set.kind === 'fallback'
      ? { model: set.selection.model, reason: set.selection.reason, explored: false }
      : pickByPreference(set, request);
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

interface Judged {
  readonly model: ModelSpec;
  readonly belief: Belief;
  readonly words: string;
  /** The user has evidence about this model. */
  readonly known: boolean;
}

function judge(model: ModelSpec, request: AutoChoiceRequest): Judged {
  const preferences = request.preferences;
  const evidence = preferences?.evidence.get(model.id);
  const fleet = preferences?.fleet.get(model.id);
  const elapsed = preferences ? request.now.getTime() - preferences.readAt.getTime() : 0;
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

function pickByPreference(
  set: Extract<CandidateSet, { kind: 'candidates' }>,
  request: AutoChoiceRequest,
): { model: ModelSpec; reason: string; explored: boolean } {
  const judged = set.candidates.map((model) => judge(model, request));
  const top = Math.max(...judged.map((entry) => entry.belief.expected));
  const liked = bestRanked(
    judged.filter((entry) => entry.belief.expected >= top - PREFERENCE_MARGIN).map((e) => e.model),
  );
  const exploit = judged.find((entry) => entry.model === liked)!;
  const best = judged.find((entry) => entry.model === bestRanked(set.candidates))!;
  const fits = `it fits ${formatMicrosAsUsd(Math.floor(set.perImageAllowanceMicros))} USD per image (remaining budget over ${set.iterations} iterations)`;

  if (judged.length > 1 && request.random() < EXPLORATION_RATE) {
    const drawn = judged
      .map((entry) => ({ entry, draw: sampleBelief(entry.belief, request.random) }))
      .reduce((a, b) => (b.draw > a.draw ? b : a)).entry;
    if (drawn !== exploit) {
      return {
        model: drawn.model,
        explored: true,
        reason: `Picked ${drawn.model.name} to learn your taste: about 1 in 10 automatic choices tries a model by its chance of being your favourite (${drawn.words}; expected preference ${percent(drawn.belief)} against ${percent(exploit.belief)} for ${exploit.model.name}), and ${fits}.`,
      };
    }
  }
  if (exploit === best) {
    const known = exploit.known ? `; ${exploit.words}` : '';
    return {
      model: exploit.model,
      explored: false,
      reason: `Picked ${exploit.model.name}: the best model for a ${set.analysis.complexity} prompt within ${formatMicrosAsUsd(Math.floor(set.perImageAllowanceMicros))} USD per image (remaining budget over ${set.iterations} iterations)${known}.`,
    };
  }
  return {
    model: exploit.model,
    explored: false,
    reason: `Picked ${exploit.model.name} over ${best.model.name}: ${exploit.words}, and ${best.words} (expected preference ${percent(exploit.belief)} against ${percent(best.belief)}); ${fits}.`,
  };
}
