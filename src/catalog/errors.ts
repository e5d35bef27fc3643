/**
 * The refusals of the catalog that a client may see: a model asked for that the caller may not
 * run, and an operator's catalog change refused. `graphql/errors.ts` turns them into contract codes.
 */
import { InputRefusal, NotFoundRefusal, type InvalidField } from '../refusal.ts';

/** A catalog rule refused an input field: the GraphQL layer answers BAD_USER_INPUT on `input.<field>`. */
export class CatalogInputError extends InputRefusal {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message, [{ path: `input.${field}`, message }]);
    this.name = 'CatalogInputError';
  }
}

/** An id as a refusal quotes it: clipped, so a 3 MB id is not sent back (twice, with invalidFields). */
export function quotedId(id: string): string {
  return JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id);
}

/** A model only named users may see, asked for by someone else: NOT_FOUND, as for any object. */
export class ModelNotFoundError extends NotFoundRefusal {
  constructor(readonly modelId: string) {
    // A model's global id is its slug, as the caller sent it.
    super('ImageModel', modelId, 'sent', `No model ${quotedId(modelId)}.`);
    this.name = 'ModelNotFoundError';
  }
}

export type ModelRefusalReason =
  | 'BAD_REFERENCE'
  | 'DEPLOYMENT'
  | 'PRIVATE_MODEL'
  | 'NOT_ON_REPLICATE'
  | 'BAD_SCHEMA'
  | 'NO_PROMPT'
  | 'NOT_IMAGE_OUTPUT'
  | 'PRICE_MISSING'
  | 'PRICE_OUT_OF_RANGE'
  | 'UNKNOWN_HARDWARE'
  | 'SLUG_TAKEN'
  | 'UNKNOWN_MODEL'
  | 'BAD_OVERRIDES'
  | 'BAD_SOURCE'
  | 'BAD_DATE';

/**
 * An operator's catalog change refused: nothing was written. BAD_USER_INPUT with `reason` (and
 * `invalidFields` when one field of the request is at fault).
 */
export class ModelRefusedError extends InputRefusal {
  constructor(
    override readonly reason: ModelRefusalReason,
    message: string,
    invalidFields: readonly InvalidField[] = [],
  ) {
    super(message, invalidFields, reason);
    this.name = 'ModelRefusedError';
  }
}
