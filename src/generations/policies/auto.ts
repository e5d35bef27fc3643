/**
 * Automatic model choice for a request without `modelId`: `selectModel` (the recommend rule on
 * the user's *remaining* budget and an optional `iterations` hint, adjusted by the documented
 * prompt-complexity heuristic and the user's finalize history) — with background removal, when
 * asked for, paid out of the budget first. The request's aspect ratio is mapped to the nearest
 * the chosen model allows (the user did not pick the model, so its ratio list is not theirs to
 * know); a request that names a model keeps the strict check.
 */
import { findModel, removeBackgroundModel } from '../../catalog/models.ts';
import { CatalogInputError } from '../../catalog/pricing.ts';
import { selectModel } from '../../catalog/selection.ts';
import { nearestAspectRatio } from '../request.ts';
import { formatMicrosAsUsd, type Micros } from '../../money.ts';

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
  readonly finalizedByModel: ReadonlyMap<string, number>;
}

export interface AutoChoice {
  readonly modelId: string;
  readonly reason: string;
  readonly aspectRatio: string | null;
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
  let selection: ReturnType<typeof selectModel>;
  try {
    selection = selectModel({
      userId: request.userId ?? null,
      prompt: request.prompt,
      remainingBudgetMicros: forImages,
      iterationsHint: request.iterations,
      count: request.count,
      finalizedByModel: request.finalizedByModel,
    });
  } catch (error) {
    if (error instanceof CatalogInputError && error.field === 'modelId') {
      throw new NoAffordableModelError(error.message, remaining);
    }
    throw error;
  }
  const model = findModel(selection.model.id) ?? selection.model;
  const aspectRatio =
    request.aspectRatio !== null && model.aspectRatios.length > 0
      ? (nearestAspectRatio(model.aspectRatios, request.aspectRatio) ?? null)
      : null;
  const reason =
    request.transparentBackground && removalMicros > 0
      ? `${selection.reason} Background removal (${formatMicrosAsUsd(removalMicros)} USD) was set aside first.`
      : selection.reason;
  return { modelId: model.id, reason, aspectRatio };
}
