/**
 * A user's webhook endpoints: where events go, which types, and the secrets that sign them.
 * Every input is validated before anything is written; a refusal names the field. The secret is
 * returned once, by the mutation that makes it (create, rotate), and stored to sign with: an HMAC
 * needs the key itself, so it cannot be kept as a hash the way API keys are.
 */
import type { Executor } from '../db/index.ts';
import type { AppWebhookEndpointRow, RetiredSecret } from '../db/types.ts';
import { TooManySigningSecretsError, WebhookInputError } from './errors.ts';
import { newSigningSecret } from './signing.ts';
import { checkTargetUrl, WebhookTargetRefusedError, type TargetPolicy } from './targets.ts';

export type WebhookEndpoint = AppWebhookEndpointRow;

/** The event types, as sent in `type`; an endpoint without a list takes all of them. */
export const WEBHOOK_EVENT_TYPES = [
  'generation.queued',
  'generation.started',
  'generation.succeeded',
  'generation.failed',
  'generation.canceled',
  'budget.threshold',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** A generation's events: what its per-request `webhookUrl` receives (dedupe key `<type>:<generation id>`). */
export const GENERATION_EVENT_TYPES = WEBHOOK_EVENT_TYPES.filter((type) => type.startsWith('generation.'));

export const MAX_ENDPOINTS_PER_USER = 20;
const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 500;
/** How long a rotated-out secret keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;
/**
 * Secrets signing at once (the current one and those rotated out within 24 h): each adds a
 * 47-character signature to every request's `webhook-signature` and an HMAC to every attempt.
 */
export const MAX_SIGNING_SECRETS = 5;

function refuse(path: string, message: string): never {
  throw new WebhookInputError(`${path} ${message}.`, [{ path, message }]);
}

export function validUrl(url: string, policy: TargetPolicy, path = 'input.url'): string {
  if (url.length > MAX_URL_LENGTH) refuse(path, `must be at most ${MAX_URL_LENGTH} characters`);
  try {
    return checkTargetUrl(url.trim(), policy).href;
  } catch (error) {
    if (error instanceof WebhookTargetRefusedError) refuse(path, error.message);
    throw error;
  }
}

/** Null (every type) when omitted; a list names known types, at least one, each once. */
export function validEventTypes(types: readonly string[] | null | undefined, path = 'input.events'): string[] | null {
  if (types === null || types === undefined) return null;
  if (types.length === 0) refuse(path, 'must name at least one event type, or be omitted for all');
  const unknown = types.find((type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown !== undefined) {
    refuse(path, `names an unknown event type (${unknown.slice(0, 40)}); known: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  }
  return [...new Set(types)];
}

export function validDescription(description: string | null | undefined, path = 'input.description'): string {
  const text = (description ?? '').trim();
  if (text.length > MAX_DESCRIPTION_LENGTH) refuse(path, `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  return text;
}

export interface NewEndpoint {
  readonly url: string;
  readonly eventTypes: string[] | null;
  readonly description: string;
}

/** Creates an endpoint with a new secret; refuses a user's endpoint beyond the limit. */
export async function createEndpoint(
  trx: Executor,
  userId: string,
  input: NewEndpoint,
  now: Date,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  // The user's row lock serialises concurrent creates, so the limit holds.
  await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
  const { count } = await trx
    .selectFrom('app_webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  if (Number(count) >= MAX_ENDPOINTS_PER_USER) {
    refuse('input', `would exceed the limit of ${MAX_ENDPOINTS_PER_USER} webhook endpoints per user`);
  }
  const secret = newSigningSecret();
  const endpoint = await trx
    .insertInto('app_webhook_endpoints')
    .values({
      user_id: userId,
      url: input.url,
      event_types: input.eventTypes,
      description: input.description,
      secret,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { endpoint, secret };
}

/** The user's endpoints, oldest first: the one order in which the first is their default. */
function endpointsInOrder(executor: Executor, userId: string) {
  return executor
    .selectFrom('app_webhook_endpoints')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id');
}

/** The user's endpoints, oldest first (the first is their default: `defaultEndpointOf`). */
export async function endpointsOf(executor: Executor, userId: string): Promise<WebhookEndpoint[]> {
  return endpointsInOrder(executor, userId).execute();
}

/**
 * The user's default endpoint: the oldest one (created first), enabled or not — disabling stops
 * deliveries to its URL, not its secret. Its secrets sign the user's per-request webhooks
 * (`webhookUrl` on the generation mutations); only deleting it makes the next oldest the default.
 */
export async function defaultEndpointOf(executor: Executor, userId: string): Promise<WebhookEndpoint | undefined> {
  return endpointsInOrder(executor, userId).limit(1).executeTakeFirst();
}

/** The endpoint when `userId` owns it (or `userId` is null: the admin). */
export async function findEndpoint(
  executor: Executor,
  id: string,
  userId: string | null,
  options: { forUpdate?: boolean } = {},
): Promise<WebhookEndpoint | undefined> {
  let query = executor.selectFrom('app_webhook_endpoints').selectAll().where('id', '=', id);
  if (userId !== null) query = query.where('user_id', '=', userId);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export interface EndpointChanges {
  readonly url?: string;
  readonly eventTypes?: string[] | null;
  readonly description?: string;
  readonly enabled?: boolean;
}

/** Applies the changes; enabling clears why it was disabled and its failure streak. */
export async function updateEndpoint(
  executor: Executor,
  id: string,
  changes: EndpointChanges,
  now: Date,
): Promise<WebhookEndpoint | undefined> {
  const enabling = changes.enabled === true;
  return executor
    .updateTable('app_webhook_endpoints')
    .set({
      ...(changes.url === undefined ? {} : { url: changes.url }),
      ...(changes.eventTypes === undefined ? {} : { event_types: changes.eventTypes }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
      ...(changes.enabled === false ? { disabled_reason: 'Disabled by its owner.', disabled_at: now } : {}),
      ...(enabling ? { disabled_reason: null, disabled_at: null, failing_since: null } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Rotated-out secrets still inside their overlap, newest first. */
function retiredLive(endpoint: WebhookEndpoint, now: Date): RetiredSecret[] {
  return endpoint.retired_secrets.filter((retired) => Date.parse(retired.expiresAt) > now.getTime());
}

/**
 * A new secret. The current one and every secret rotated out before it keep signing beside it,
 * each until its own overlap (`ROTATION_OVERLAP_MS` after it was rotated out) ends, so a receiver
 * that still holds any of them keeps verifying. At most `MAX_SIGNING_SECRETS` sign at once: a
 * rotation beyond that is refused (dropping a secret early would break a receiver without a word).
 * The caller holds the endpoint's row lock (`findEndpoint(…, { forUpdate })`).
 */
export async function rotateSecret(
  executor: Executor,
  endpoint: WebhookEndpoint,
  now: Date,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const stillSigning = retiredLive(endpoint, now);
  if (stillSigning.length + 2 > MAX_SIGNING_SECRETS) {
    throw new TooManySigningSecretsError(stillSigning[stillSigning.length - 1]!.expiresAt, MAX_SIGNING_SECRETS);
  }
  const retired: RetiredSecret[] = [
    { secret: endpoint.secret, expiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString() },
    ...stillSigning,
  ];
  const secret = newSigningSecret();
  const rotated = await executor
    .updateTable('app_webhook_endpoints')
    .set({ retired_secrets: JSON.stringify(retired), secret, updated_at: now })
    .where('id', '=', endpoint.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { endpoint: rotated, secret };
}

export async function deleteEndpoint(executor: Executor, id: string): Promise<boolean> {
  const deleted = await executor.deleteFrom('app_webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

/** The secrets that sign now: the current one first, then each rotated-out one inside its overlap. */
export function liveSecrets(endpoint: WebhookEndpoint, now: Date): string[] {
  return [endpoint.secret, ...retiredLive(endpoint, now).map((retired) => retired.secret)];
}

/** When the last rotated-out secret stops signing (null: only the current one signs). */
export function overlapEndsAt(endpoint: WebhookEndpoint, now: Date): Date | null {
  const [newest] = retiredLive(endpoint, now);
  return newest ? new Date(newest.expiresAt) : null;
}
