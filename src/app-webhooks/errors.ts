/**
 * The refusals of app webhooks that a client may see. Each names the field at fault;
 * `graphql/errors.ts` turns them into contract codes.
 */
import { InputRefusal, NotFoundRefusal, type InvalidField } from '../refusal.ts';

/** An endpoint input the API refuses (BAD_USER_INPUT), naming the fields. */
export class WebhookInputError extends InputRefusal {
  constructor(message: string, invalidFields: readonly InvalidField[]) {
    super(message, invalidFields);
    this.name = 'WebhookInputError';
  }
}

/** No such endpoint or delivery for this viewer (NOT_FOUND; someone else's reads the same), by the id sent. */
export class WebhookNotFoundError extends NotFoundRefusal {
  constructor(what: 'WebhookEndpoint' | 'WebhookDelivery', id: string) {
    super(
      what,
      id,
      'sent',
      `No ${what === 'WebhookEndpoint' ? 'webhook endpoint' : 'webhook delivery'} with id ${id}.`,
    );
    this.name = 'WebhookNotFoundError';
  }
}

/** A redelivery to a disabled endpoint: it would be ended unsent (BAD_USER_INPUT). */
export class EndpointDisabledError extends WebhookInputError {
  constructor(readonly disabledReason: string | null) {
    const message =
      `belongs to a disabled endpoint (${disabledReason ?? 'disabled'}); ` +
      'enable it (updateWebhookEndpoint with enabled: true) and redeliver then';
    super(`deliveryId ${message}.`, [{ path: 'deliveryId', message }]);
    this.name = 'EndpointDisabledError';
  }
}

/** A per-request webhook without an endpoint whose secret would sign it (BAD_USER_INPUT). */
export class NoSigningEndpointError extends WebhookInputError {
  constructor(path: string) {
    const message =
      'needs a webhook endpoint: per-request webhooks are signed with your default (oldest) endpoint’s secret; ' +
      'create one with createWebhookEndpoint first';
    super(`${path} ${message}.`, [{ path, message }]);
    this.name = 'NoSigningEndpointError';
  }
}

/** A rotation the bound refuses: every secret it allows (`maxSecrets`) is still signing. */
export class TooManySigningSecretsError extends WebhookInputError {
  constructor(
    readonly oldestExpiresAt: string,
    maxSecrets: number,
  ) {
    const message =
      `signs with ${maxSecrets} secrets already (each rotated-out secret signs for 24 hours); ` +
      `rotate again after ${oldestExpiresAt}, when the oldest stops signing`;
    super(`id ${message}.`, [{ path: 'id', message }]);
    this.name = 'TooManySigningSecretsError';
  }
}
