/**
 * Automatic model choice for `generateImage` without a `modelId`: the recommend rule applied to
 * the user's remaining budget, adjusted by how demanding the prompt looks and by what this user
 * kept before. Pure: the caller supplies the remaining budget and the user's history.
 *
 * The prompt heuristic is deliberately simple and documented, so users can predict it:
 * - words: more than 40 words counts as detailed;
 * - subjects: separate subjects are counted from commas, " and ", " with " and semicolons;
 * - detail words: vocabulary that asks for fidelity (photorealistic, intricate, typography, …).
 * Score = (words > 40) + (words > 15) + (subjects ≥ 4) + (subjects ≥ 2) + min(detail words, 2).
 * 0–1 → simple (a draft model is enough), 2–3 → moderate (standard tier), ≥ 4 → complex (the
 * high tier is allowed when affordable).
 */
import { formatMicrosAsUsd, type Micros } from '../money.ts';
import { generationModelsFor, type ModelSpec, type QualityTier } from './models.ts';
import { CatalogInputError } from './errors.ts';
import { maxCostMicros } from './pricing.ts';

export type PromptComplexity = 'simple' | 'moderate' | 'complex';

const DETAIL_WORDS = [
  'photorealistic',
  'photo-realistic',
  'realistic',
  'hyperrealistic',
  'intricate',
  'detailed',
  'highly detailed',
  'ultra detailed',
  '4k',
  '8k',
  'high resolution',
  'texture',
  'textures',
  'typography',
  'lettering',
  'text that reads',
  'logo',
  'reflections',
  'cinematic lighting',
  'studio lighting',
  'depth of field',
  'bokeh',
  'macro',
  'portrait',
];

/** Iterations assumed when the request gives no hint: a typical design session. */
export const DEFAULT_ITERATIONS_HINT = 10;

export interface PromptAnalysis {
  readonly complexity: PromptComplexity;
  readonly words: number;
  readonly subjects: number;
  readonly detailWords: number;
}

export function analysePrompt(prompt: string): PromptAnalysis {
  const text = prompt.toLowerCase();
  const words = text.split(/\s+/).filter(Boolean).length;
  const subjects = 1 + (text.match(/,|;| and | with /g)?.length ?? 0);
  const detailWords = DETAIL_WORDS.filter((word) => new RegExp(`(^|[^a-z0-9])${word}([^a-z0-9]|$)`).test(text)).length;
  const score =
    Number(words > 40) + Number(words > 15) + Number(subjects >= 4) + Number(subjects >= 2) + Math.min(detailWords, 2);
  const complexity: PromptComplexity = score >= 4 ? 'complex' : score >= 2 ? 'moderate' : 'simple';
  return { complexity, words, subjects, detailWords };
}

const TIERS_FOR: Record<PromptComplexity, readonly QualityTier[]> = {
  simple: ['draft', 'standard'],
  moderate: ['draft', 'standard'],
  complex: ['draft', 'standard', 'high'],
};

/** The best rank a prompt of this complexity is worth paying for. */
const RANK_CAP: Record<PromptComplexity, number> = { simple: 3, moderate: 6, complex: Number.POSITIVE_INFINITY };

export interface ModelSelectionRequest {
  /** The caller: only models they may see are chosen from (null or absent: public ones). */
  readonly userId?: string | null;
  readonly prompt: string;
  readonly remainingBudgetMicros: Micros;
  readonly iterationsHint?: number | null;
  /** Images this request asks for; the choice must afford all of them. */
  readonly count: number;
  /** How often this user finalized with each model (model id → count). */
  readonly finalizedByModel?: ReadonlyMap<string, number>;
}

export interface ModelSelection {
  readonly model: ModelSpec;
  readonly reason: string;
  readonly analysis: PromptAnalysis;
}

/**
 * The models an automatic choice may pick from: visible to the caller, of a tier the prompt is
 * worth, within the per-iteration allowance per image and (at their most) within the remaining
 * budget — or, when none is, the single cheapest model that still fits (`fallback`).
 */
export type CandidateSet =
  | { readonly kind: 'fallback'; readonly selection: ModelSelection }
  | {
      readonly kind: 'candidates';
      /** Never empty; every one fits the allowance. */
      readonly candidates: readonly ModelSpec[];
      readonly analysis: PromptAnalysis;
      readonly perImageAllowanceMicros: number;
      readonly iterations: number;
    };

export function candidateModels(request: ModelSelectionRequest): CandidateSet {
  const iterations = request.iterationsHint ?? DEFAULT_ITERATIONS_HINT;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new CatalogInputError('iterations must be a whole number of at least 1.', 'iterations');
  }
  const analysis = analysePrompt(request.prompt);
  const perIterationMicros = Math.max(0, request.remainingBudgetMicros) / iterations;
  const perImageAllowance = perIterationMicros / Math.max(1, request.count);
  const visible = generationModelsFor(request.userId ?? null);
  // Compared by typical cost; admitted only if the most they can cost (the hold) fits what is left.
  const fits = (model: ModelSpec) => maxCostMicros(model, request.count, false) <= request.remainingBudgetMicros;
  const eligible = visible.filter((model) => TIERS_FOR[analysis.complexity].includes(model.tier));
  const affordable = eligible.filter((model) => model.costPerImageMicros <= perImageAllowance && fits(model));
  const cheapest = visible.reduce((a, b) => (b.costPerImageMicros < a.costPerImageMicros ? b : a));
  if (affordable.length === 0) {
    if (cheapest.costPerImageMicros * request.count <= request.remainingBudgetMicros && fits(cheapest)) {
      const reason = `Picked ${cheapest.name}, the cheapest model: the remaining budget of ${formatMicrosAsUsd(request.remainingBudgetMicros)} USD over ${iterations} iterations allows no better one.`;
      return { kind: 'fallback', selection: { model: cheapest, analysis, reason } };
    }
    throw new CatalogInputError(
      `The remaining budget of ${formatMicrosAsUsd(request.remainingBudgetMicros)} USD cannot pay for ${request.count} image(s) with any model; the cheapest (${cheapest.id}) costs ${formatMicrosAsUsd(cheapest.costPerImageMicros)} USD per image.`,
      'modelId',
    );
  }
  const worthIt = affordable.filter((model) => model.qualityRank <= RANK_CAP[analysis.complexity]);
  const candidates = worthIt.length > 0 ? worthIt : affordable;
  return { kind: 'candidates', candidates, analysis, perImageAllowanceMicros: perImageAllowance, iterations };
}

/**
 * The rule before preferences were learned (kept as the evaluation bench's baseline): among the
 * candidates, the model the user finalized with most often, else the best-ranked one.
 */
export function selectModel(request: ModelSelectionRequest): ModelSelection {
  const set = candidateModels(request);
  if (set.kind === 'fallback') return set.selection;
  const { candidates, analysis, perImageAllowanceMicros: perImageAllowance, iterations } = set;
  const favourite = [...(request.finalizedByModel ?? new Map<string, number>()).entries()]
    .filter(([id, times]) => times > 0 && candidates.some((model) => model.id === id))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (favourite) {
    const model = candidates.find((candidate) => candidate.id === favourite[0])!;
    return {
      model,
      analysis,
      reason: `Picked ${model.name}: you finalized with it most often (${favourite[1]} times) and it fits ${formatMicrosAsUsd(Math.floor(perImageAllowance))} USD per image.`,
    };
  }
  const model = bestRanked(candidates);
  return {
    model,
    analysis,
    reason: `Picked ${model.name}: the best model for a ${analysis.complexity} prompt within ${formatMicrosAsUsd(Math.floor(perImageAllowance))} USD per image (remaining budget over ${iterations} iterations).`,
  };
}

export function bestRanked(models: readonly ModelSpec[]): ModelSpec {
  return models.reduce((best, candidate) => (candidate.qualityRank > best.qualityRank ? candidate : best));
}
