/** The refusals of preferences that a client may see; `graphql/errors.ts` turns them into contract codes. */
import { InputRefusal, NotFoundRefusal } from '../refusal.ts';

/** A quality report's period that is empty or too long (BAD_USER_INPUT on `since`). */
export class QualityPeriodError extends InputRefusal {
  constructor(message: string) {
    super(message, [{ path: 'since', message }]);
    this.name = 'QualityPeriodError';
  }
}

/** Not an image of this user (someone else's, or none): the API answers NOT_FOUND, disclosing nothing. */
export class ImageNotFoundError extends NotFoundRefusal {
  constructor(readonly imageId: string) {
    super('GeneratedImage', imageId, 'database', `No image with id ${imageId}.`);
    this.name = 'ImageNotFoundError';
  }
}
