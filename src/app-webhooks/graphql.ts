/**
 * Webhooks to apps in the API: a user manages their endpoints (the admin anyone's, naming the
 * user), sees each endpoint's deliveries, and asks for a delivery again. Endpoint and delivery ids
 * are opaque global ids (`WebhookEndpoint:<uuid>`, `WebhookDelivery:<uuid>`, base64).
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { requireUser, UserRef } from '../auth/graphql.ts';
import { builder } from '../graphql/builder.ts';
import { pageCost, resolveKeysetConnection, type PageRules } from '../graphql/connections.ts';
import { badUserInput } from '../graphql/errors.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { deliveriesPage, type WebhookDelivery } from './deliveries.ts';
import {
  defaultEndpointOf,
  endpointsOf,
  findEndpoint,
  liveSecrets,
  MAX_SIGNING_SECRETS,
  overlapEndsAt,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
} from './endpoints.ts';
import { WebhookNotFoundError } from './errors.ts';
import {
  createEndpointFor,
  deleteEndpointFor,
  redeliverFor,
  rotateSecretFor,
  updateEndpointFor,
  type WebhookDeps,
} from './service.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DELIVERIES_PAGE: PageRules = { defaultSize: 20, maxSize: 100, sizeMessage: 'out of range', id: UUID };

type Kind = 'WebhookEndpoint' | 'WebhookDelivery';

/** The database id inside one of our ids; NOT_FOUND for anything else (as for someone else's). */
function localIdOf(kind: Kind, value: string): string {
  try {
    const { typename, id } = decodeGlobalID(value);
    if (typename === kind && UUID.test(id)) return id;
  } catch {
    // not one of ours
  }
  throw new WebhookNotFoundError(kind, value);
}

/** Whose endpoints an operation acts on: the user's own, or (admin) the user named. */
async function ownerOf(context: GraphQLContext, userId: string | null | undefined): Promise<string> {
  const viewer = context.viewer;
  if (viewer?.kind === 'user') return viewer.userId;
  if (!userId)
    throw badUserInput('userId is required with the admin token.', [{ path: 'userId', message: 'required' }]);
  return (await requireUser(context, userId)).id;
}

/** The owner a lookup is limited to: the user's id, or null for the admin (any endpoint). */
const scopeOf = (context: GraphQLContext): string | null =>
  context.viewer?.kind === 'user' ? context.viewer.userId : null;

const depsOf = (context: GraphQLContext): WebhookDeps => context.services;

/** Each user's default endpoint id, read once per request (a list of endpoints asks for each). */
const defaultIds = new WeakMap<GraphQLContext, Map<string, Promise<string | undefined>>>();
function defaultIdOf(context: GraphQLContext, userId: string): Promise<string | undefined> {
  const known = defaultIds.get(context) ?? new Map<string, Promise<string | undefined>>();
  defaultIds.set(context, known);
  let id = known.get(userId);
  if (!id) {
    id = defaultEndpointOf(context.services.db, userId).then((endpoint) => endpoint?.id);
    known.set(userId, id);
  }
  return id;
}

const DeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  values: { PENDING: { value: 'pending' }, SUCCEEDED: { value: 'succeeded' }, FAILED: { value: 'failed' } } as const,
});

/** A delivery: of an endpoint (`WebhookEndpoint.deliveries`) or of a generation's own `webhookUrl`. */
export const WebhookDeliveryRef = builder
  .objectRef<WebhookDelivery & { event_type?: string; endpoint_url?: string }>('WebhookDelivery')
  .implement({
    description: 'One event sent to one endpoint, with the figures of its last attempt.',
    fields: (t) => ({
      id: t.id({ resolve: (delivery) => encodeGlobalID('WebhookDelivery', delivery.id) }),
      eventId: t.exposeString('event_id', {
        description: 'The `webhook-id` header of every attempt: the same on retries and redeliveries.',
      }),
      eventType: t.string({ nullable: true, resolve: (delivery) => delivery.event_type ?? null }),
      url: t.string({
        description: 'Where it goes: its endpoint’s URL, or the generation’s own `webhookUrl`.',
        resolve: async (delivery, _args, context) =>
          delivery.url ??
          delivery.endpoint_url ??
          (await findEndpoint(context.services.db, delivery.endpoint_id!, null))?.url ??
          '',
      }),
      status: t.field({ type: DeliveryStatus, resolve: (delivery) => delivery.status }),
      attempts: t.exposeInt('attempts'),
      lastAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (delivery) => delivery.last_attempt_at }),
      lastResponseCode: t.exposeInt('last_status_code', { nullable: true }),
      lastLatencyMs: t.exposeInt('last_latency_ms', { nullable: true }),
      lastError: t.exposeString('last_error', { nullable: true }),
      nextAttemptAt: t.field({
        type: 'DateTime',
        nullable: true,
        resolve: (delivery) => (delivery.status === 'pending' ? delivery.next_attempt_at : null),
      }),
      createdAt: t.field({ type: 'DateTime', resolve: (delivery) => delivery.created_at }),
      completedAt: t.field({ type: 'DateTime', nullable: true, resolve: (delivery) => delivery.completed_at }),
    }),
  });

const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>('WebhookEndpoint').implement({
  description: 'Where a user’s events are sent, signed per Standard Webhooks with the endpoint’s secret.',
  fields: (t) => ({
    id: t.id({ resolve: (endpoint) => encodeGlobalID('WebhookEndpoint', endpoint.id) }),
    user: t.field({ type: UserRef, resolve: (endpoint) => endpoint.user_id }),
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    events: t.stringList({
      nullable: true,
      description: 'The event types sent here; null: all of them.',
      resolve: (endpoint) => endpoint.event_types,
    }),
    enabled: t.exposeBoolean('enabled'),
    isDefault: t.boolean({
      description:
        'The user’s oldest endpoint, enabled or not: its secrets also sign the webhooks sent to a generation’s own ' +
        '`webhookUrl`. Deleting it makes the next oldest the default.',
      resolve: async (endpoint, _args, context) => (await defaultIdOf(context, endpoint.user_id)) === endpoint.id,
    }),
    disabledReason: t.exposeString('disabled_reason', {
      nullable: true,
      description: 'Why the endpoint no longer receives events (410 Gone, 5 days of failures, its owner).',
    }),
    disabledAt: t.field({ type: 'DateTime', nullable: true, resolve: (endpoint) => endpoint.disabled_at }),
    failingSince: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Every attempt since then has failed; after 5 days the endpoint is disabled.',
      resolve: (endpoint) => endpoint.failing_since,
    }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'Until then the secret before the last rotation signs too (and any rotated out earlier, each for 24 hours ' +
        'after its rotation); null when only the current secret signs.',
      resolve: (endpoint) => overlapEndsAt(endpoint, new Date()),
    }),
    signingSecretCount: t.int({
      description: `How many secrets sign each request now: the current one and those still in their overlap (at most ${MAX_SIGNING_SECRETS}).`,
      resolve: (endpoint) => liveSecrets(endpoint, new Date()).length,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (endpoint) => endpoint.created_at }),
    updatedAt: t.field({ type: 'DateTime', resolve: (endpoint) => endpoint.updated_at }),
    deliveries: t.connection(
      {
        type: WebhookDeliveryRef,
        description: `Newest first; ${DELIVERIES_PAGE.defaultSize} a page unless \`first\` or \`last\` says otherwise.`,
        complexity: pageCost(DELIVERIES_PAGE),
        resolve: (endpoint, args, context) =>
          resolveKeysetConnection(
            args,
            DELIVERIES_PAGE,
            (delivery: WebhookDelivery) => ({ createdAt: delivery.created_at, id: delivery.id }),
            (page) => deliveriesPage(context.services.db, endpoint.id, page),
          ),
      },
      { name: 'WebhookDeliveryConnection' },
      { name: 'WebhookDeliveryEdge' },
    ),
  }),
});

const WebhookEndpointWithSecretRef = builder
  .objectRef<{ endpoint: WebhookEndpoint; secret: string }>('WebhookEndpointWithSecret')
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointRef, resolve: (created) => created.endpoint }),
      secret: t.exposeString('secret', {
        description: 'The signing secret (`whsec_…`). Shown only in this response; store it now.',
      }),
    }),
  });

const eventsDescription = `Event types to send (${WEBHOOK_EVENT_TYPES.join(', ')}); omitted: all of them.`;

const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'https (http and loopback are allowed outside production).' }),
    events: t.stringList({ required: false, description: eventsDescription }),
    description: t.string({ required: false }),
    userId: t.id({ required: false, description: 'The admin names the user; a user’s key acts for that user.' }),
  }),
});

const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string({ required: false }),
    events: t.stringList({ required: false, description: `${eventsDescription} null: all of them again.` }),
    description: t.string({ required: false }),
    enabled: t.boolean({ required: false, description: 'true re-enables a disabled endpoint and clears its reason.' }),
  }),
});

builder.queryField('webhookEndpoints', (t) =>
  t.withAuth({ userOrAdmin: true }).field({
    type: [WebhookEndpointRef],
    description: 'A user’s webhook endpoints, oldest first (the admin names the user).',
    args: { userId: t.arg.id({ required: false }) },
    resolve: async (_root, { userId }, context) => endpointsOf(context.services.db, await ownerOf(context, userId)),
  }),
);

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.withAuth({ userOrAdmin: true }).field({
    type: WebhookEndpointWithSecretRef,
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: async (_root, { input }, context) =>
      createEndpointFor(depsOf(context), await ownerOf(context, input.userId), input),
  }),
  updateWebhookEndpoint: t.withAuth({ userOrAdmin: true }).field({
    type: WebhookEndpointRef,
    args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, context) =>
      updateEndpointFor(depsOf(context), scopeOf(context), localIdOf('WebhookEndpoint', input.id), input.id, input),
  }),
  rotateWebhookSecret: t.withAuth({ userOrAdmin: true }).field({
    type: WebhookEndpointWithSecretRef,
    description:
      'A new secret; the old one keeps signing beside it for 24 hours, as do earlier ones still inside their own ' +
      `24 hours. At most ${MAX_SIGNING_SECRETS} sign at once: a rotation beyond that is refused (BAD_USER_INPUT).`,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) =>
      rotateSecretFor(depsOf(context), scopeOf(context), localIdOf('WebhookEndpoint', id), id),
  }),
  deleteWebhookEndpoint: t.withAuth({ userOrAdmin: true }).field({
    type: 'ID',
    description: 'Deletes the endpoint, its deliveries and their attempts; returns its id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      await deleteEndpointFor(depsOf(context), scopeOf(context), localIdOf('WebhookEndpoint', id), id);
      return id;
    },
  }),
  redeliverWebhook: t.withAuth({ userOrAdmin: true }).field({
    type: WebhookDeliveryRef,
    description:
      'Sends the delivery’s event again, now, under the same webhook-id. Refused (BAD_USER_INPUT, nothing changed) ' +
      'while its endpoint is disabled: enable the endpoint first.',
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_root, { deliveryId }, context) =>
      redeliverFor(depsOf(context), scopeOf(context), localIdOf('WebhookDelivery', deliveryId), deliveryId),
  }),
}));
