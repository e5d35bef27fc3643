/**
 * The operations the API offers on endpoints and deliveries, for a user on their own or for the
 * admin on anyone's (`owner` null). Each validates its whole input before it writes; someone
 * else's endpoint reads as absent.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { findDelivery, redeliver, type WebhookDelivery } from './deliveries.ts';
import {
  createEndpoint,
  defaultEndpointOf,
  deleteEndpoint,
  findEndpoint,
  rotateSecret,
  updateEndpoint,
  validDescription,
  validEventTypes,
  validUrl,
  type WebhookEndpoint,
} from './endpoints.ts';
import { EndpointDisabledError, NoSigningEndpointError, WebhookNotFoundError } from './errors.ts';
import { targetPolicy, type TargetPolicy } from './targets.ts';

export function policyOf(config: Pick<Config, 'nodeEnv' | 'appWebhooks'>): TargetPolicy {
  return targetPolicy(config.nodeEnv === 'production', config.appWebhooks.allowedTargets);
}

export interface EndpointInput {
  readonly url?: string | null;
  readonly events?: readonly string[] | null;
  readonly description?: string | null;
  readonly enabled?: boolean | null;
}

export interface WebhookDeps {
  readonly db: Db;
  readonly config: Pick<Config, 'nodeEnv' | 'appWebhooks'>;
  readonly now: () => Date;
}

export async function createEndpointFor(
  deps: WebhookDeps,
  userId: string,
  input: EndpointInput & { readonly url: string },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const valid = {
    url: validUrl(input.url, policyOf(deps.config)),
    eventTypes: validEventTypes(input.events),
    description: validDescription(input.description),
  };
  return deps.db.transaction().execute((trx) => createEndpoint(trx, userId, valid, deps.now()));
}

/** `id` is the endpoint's database id; `shownId` how the client named it (for NOT_FOUND). */
export async function updateEndpointFor(
  deps: WebhookDeps,
  owner: string | null,
  id: string,
  shownId: string,
  input: EndpointInput,
): Promise<WebhookEndpoint> {
  const changes = {
    url: input.url === undefined || input.url === null ? undefined : validUrl(input.url, policyOf(deps.config)),
    // `events: null` means every type again; omitted leaves the list as it is.
    eventTypes: input.events === undefined ? undefined : validEventTypes(input.events),
    description:
      input.description === undefined || input.description === null ? undefined : validDescription(input.description),
    enabled: input.enabled ?? undefined,
  };
  const updated = await deps.db.transaction().execute(async (trx) => {
    if (!(await findEndpoint(trx, id, owner))) return undefined;
    return updateEndpoint(trx, id, changes, deps.now());
  });
  if (!updated) throw new WebhookNotFoundError('WebhookEndpoint', shownId);
  return updated;
}

export async function rotateSecretFor(
  deps: WebhookDeps,
  owner: string | null,
  id: string,
  shownId: string,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const rotated = await deps.db.transaction().execute(async (trx) => {
    const endpoint = await findEndpoint(trx, id, owner, { forUpdate: true });
    return endpoint && rotateSecret(trx, endpoint, deps.now());
  });
  if (!rotated) throw new WebhookNotFoundError('WebhookEndpoint', shownId);
  return rotated;
}

export async function deleteEndpointFor(
  deps: WebhookDeps,
  owner: string | null,
  id: string,
  shownId: string,
): Promise<void> {
  const deleted = await deps.db.transaction().execute(async (trx) => {
    if (!(await findEndpoint(trx, id, owner))) return false;
    return deleteEndpoint(trx, id);
  });
  if (!deleted) throw new WebhookNotFoundError('WebhookEndpoint', shownId);
}

/**
 * Sends a delivery again, now. Refused (BAD_USER_INPUT, nothing changed) while its endpoint is
 * disabled: the drain would end it unsent, so accepting it would promise what cannot happen.
 */
export async function redeliverFor(
  deps: WebhookDeps,
  owner: string | null,
  deliveryId: string,
  shownId: string,
): Promise<WebhookDelivery> {
  const delivery = await deps.db.transaction().execute(async (trx) => {
    const found = await findDelivery(trx, deliveryId, owner);
    if (!found) return undefined;
    const endpoint = found.endpoint_id && (await findEndpoint(trx, found.endpoint_id, null, { forUpdate: true }));
    if (endpoint && !endpoint.enabled) throw new EndpointDisabledError(endpoint.disabled_reason);
    if (!found.endpoint_id && !(await defaultEndpointOf(trx, found.user_id)))
      throw new NoSigningEndpointError('deliveryId');
    return redeliver(trx, deliveryId, deps.now());
  });
  if (!delivery) throw new WebhookNotFoundError('WebhookDelivery', shownId);
  return delivery;
}

/**
 * A generation's own `webhookUrl` (`path` names the field): the URL as the SSRF rules accept it
 * for an endpoint, and refused when the user has no endpoint — the default endpoint's secrets sign
 * per-request webhooks (`defaultEndpointOf`). Nothing is written either way.
 */
export async function perRequestWebhookUrl(
  deps: Pick<WebhookDeps, 'db' | 'config'>,
  userId: string,
  url: string,
  path: string,
): Promise<string> {
  const valid = validUrl(url, policyOf(deps.config), path);
  if (!(await defaultEndpointOf(deps.db, userId))) throw new NoSigningEndpointError(path);
  return valid;
}
