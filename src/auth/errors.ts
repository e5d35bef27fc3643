/** The refusals of auth that a client may see (`graphql/errors.ts` answers them UNAUTHENTICATED). */
import { Refusal } from '../refusal.ts';

/** The credentials are missing, malformed or wrong. */
export class UnauthenticatedError extends Refusal {
  readonly kind = 'unauthenticated';

  constructor(message: string) {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/**
 * The key was valid when this instance cached it, but its user has since been deleted: the key is
 * gone with them (its row cascades), and other instances may trust it until their cache expires.
 */
export class DeletedUserError extends UnauthenticatedError {
  constructor(readonly userId: string) {
    super('The API key is invalid: its user no longer exists.');
    this.name = 'DeletedUserError';
  }
}
