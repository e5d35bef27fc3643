/**
 * What domain refusals share. A refusal that names what was wrong with the request lists the
 * offending inputs as `InvalidField`s; the GraphQL boundary sends them as
 * `extensions.invalidFields` (`graphql/errors.ts`). Replicate's and the simulator's invalid-field
 * lists are wire shapes of their own (`ReplicateInvalidField`, `ProblemInvalidField`).
 */

/** One offending input of a refused request. */
export interface InvalidField {
  /** Dotted path of the offending input, e.g. `input.settings.num_outputs`. */
  readonly path: string;
  readonly message: string;
}
