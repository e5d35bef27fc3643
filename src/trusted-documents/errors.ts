/** The refusals of trusted documents that a client may see; `graphql/errors.ts` turns them into contract codes. */
import { InputRefusal, NotFoundRefusal, type InvalidField } from '../refusal.ts';

/** A registration refused before anything was written (GraphQL: BAD_USER_INPUT with `invalidFields`). */
export class DocumentRegistrationError extends InputRefusal {
  constructor(message: string, invalidFields: readonly InvalidField[] = []) {
    super(message, invalidFields);
    this.name = 'DocumentRegistrationError';
  }
}

/** Revoking an app version that was never registered (GraphQL: NOT_FOUND). */
export class AppVersionNotFoundError extends NotFoundRefusal {
  constructor(
    readonly app: string,
    readonly version: string,
  ) {
    super('App version', `${app}@${version}`, 'sent');
    this.name = 'AppVersionNotFoundError';
  }
}
