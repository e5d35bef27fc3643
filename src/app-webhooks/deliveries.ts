/**
 * The SQL of deliveries (one per event and endpoint) and their attempts. A delivery is `pending`
 * until an attempt succeeds (`succeeded`) or it gives up (`failed`); each attempt is a row of its
 * own, and the delivery keeps the last one's figures for the API. A retry is the delivery pending
 * again with a later `next_attempt_at`; the endpoint's drain sends it when it is due.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.ts';
import { keysetPage, type KeysetPage } from '../db/keyset.ts';
import type { AppWebhookDeliveryRow, AppWebhookEventRow } from '../db/types.ts';
import { defaultEndpointOf, GENERATION_EVENT_TYPES, type WebhookEndpoint } from './endpoints.ts';

export type WebhookDelivery = AppWebhookDeliveryRow;
export type WebhookEvent = AppWebhookEventRow;

/** Also in migrations/0009 and 0011, which schedule a drain for each new delivery. */
export const DRAIN_TASK = 'app-webhooks:drain';

/**
 * Whose deliveries one drain sends: an endpoint's, or a user's per-request ones (a generation's
 * `webhookUrl`: no endpoint row). Each is a graphile-worker queue of its own, so one target's
 * attempts run one at a time and a hung target holds one slot.
 */
export type DrainTarget = { readonly endpointId: string } | { readonly userId: string };

/** The drain's queue (`queue_name`) and `job_key`: one waiting job at most per target. */
export function queueOf(target: DrainTarget): string {
  return 'endpointId' in target ? `app-webhook:${target.endpointId}` : `app-webhook:user:${target.userId}`;
}

/** The drain that sends this delivery. */
export function targetOf(delivery: Pick<WebhookDelivery, 'endpoint_id' | 'user_id'>): DrainTarget {
  return delivery.endpoint_id === null ? { userId: delivery.user_id } : { endpointId: delivery.endpoint_id };
}

/**
 * Schedules the target's drain, in the caller's transaction: `replace` makes a waiting drain due
 * at `at` (a new or redelivered event); `preserve_run_at` leaves one already waiting as it is (a
 * drain rescheduling itself for its earliest retry must not delay a drain a new event asked for).
 */
export async function scheduleDrain(
  trx: Executor,
  target: DrainTarget,
  at: Date,
  mode: 'replace' | 'preserve_run_at',
): Promise<void> {
  const queue = queueOf(target);
  await sql`select graphile_worker.add_job(
    ${DRAIN_TASK}, ${JSON.stringify(target)}::json,
    queue_name => ${queue}, job_key => ${queue}, job_key_mode => ${mode},
    run_at => ${at}::timestamptz, max_attempts => 25)`.execute(trx);
}

/** The target's pending deliveries. */
function ofTarget(executor: Executor, target: DrainTarget) {
  const query = executor.selectFrom('app_webhook_deliveries').where('status', '=', 'pending');
  return 'endpointId' in target
    ? query.where('endpoint_id', '=', target.endpointId)
    : query.where('user_id', '=', target.userId).where('endpoint_id', 'is', null);
}

/** The target's pending delivery due first (none due: undefined). */
export async function nextDueDelivery(
  executor: Executor,
  target: DrainTarget,
  now: Date,
): Promise<WebhookDelivery | undefined> {
  return ofTarget(executor, target)
    .selectAll()
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/** When the target's next pending delivery is due, if it has one. */
export async function earliestPending(executor: Executor, target: DrainTarget): Promise<Date | undefined> {
  const row = await ofTarget(executor, target)
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .executeTakeFirst();
  return row?.at ? new Date(row.at as Date) : undefined;
}

export interface LoadedDelivery {
  readonly delivery: WebhookDelivery;
  readonly event: WebhookEvent;
  /** Where it goes: the endpoint's URL, or the generation's own `webhookUrl`. */
  readonly url: string;
  /** The endpoint it belongs to; null for a per-request delivery. */
  readonly endpoint: WebhookEndpoint | null;
  /** Whose secrets sign it: its endpoint, or the user's default endpoint (none: it cannot be sent). */
  readonly signer: WebhookEndpoint | undefined;
}

export async function loadDelivery(executor: Executor, delivery: WebhookDelivery): Promise<LoadedDelivery | undefined> {
  const [event, signer] = await Promise.all([
    executor.selectFrom('app_webhook_events').selectAll().where('id', '=', delivery.event_id).executeTakeFirst(),
    delivery.endpoint_id === null
      ? defaultEndpointOf(executor, delivery.user_id)
      : executor
          .selectFrom('app_webhook_endpoints')
          .selectAll()
          .where('id', '=', delivery.endpoint_id)
          .executeTakeFirst(),
  ]);
  if (!event) return undefined;
  if (delivery.endpoint_id === null) return { delivery, event, url: delivery.url!, endpoint: null, signer };
  return signer && { delivery, event, url: signer.url, endpoint: signer, signer };
}

/**
 * Fixes the event's body at its first attempt; every later attempt and endpoint sends these bytes.
 * One statement: the update's row when this call fixed it, else the body fixed earlier (a
 * statement's reads see the table as it was before its own update).
 */
export async function fixBody(executor: Executor, eventId: string, body: string): Promise<string> {
  const { rows } = await sql<{ body: string | null }>`
    with fixed as (
      update app_webhook_events set body = ${body} where id = ${eventId} and body is null returning body
    )
    select coalesce((select body from fixed), (select body from app_webhook_events where id = ${eventId})) as body
  `.execute(executor);
  return rows[0]?.body ?? body;
}

export interface AttemptRecord {
  readonly at: Date;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  /** What the delivery becomes: still pending (a retry at `nextAttemptAt`), or done. */
  readonly status: WebhookDelivery['status'];
  readonly nextAttemptAt: Date | null;
}

/**
 * Records one attempt on a pending delivery — the delivery's figures and the attempt's row in one
 * statement; returns false (recording nothing) when the delivery was no longer pending: another
 * run finished it first.
 */
export async function recordAttempt(executor: Executor, deliveryId: string, attempt: AttemptRecord): Promise<boolean> {
  const recorded = await executor
    .with('delivery', (db) =>
      db
        .updateTable('app_webhook_deliveries')
        .set((eb) => ({
          status: attempt.status,
          attempts: eb('attempts', '+', 1),
          next_attempt_at: attempt.nextAttemptAt,
          last_attempt_at: attempt.at,
          last_status_code: attempt.statusCode,
          last_latency_ms: attempt.latencyMs,
          last_error: attempt.error,
          completed_at: attempt.status === 'pending' ? null : attempt.at,
        }))
        .where('id', '=', deliveryId)
        .where('status', '=', 'pending')
        .returning('id'),
    )
    .insertInto('app_webhook_attempts')
    .columns(['delivery_id', 'attempted_at', 'status_code', 'latency_ms', 'error'])
    .expression((eb) =>
      eb
        .selectFrom('delivery')
        .select([
          'delivery.id',
          sql<Date>`${attempt.at}::timestamptz`.as('attempted_at'),
          sql<number | null>`${attempt.statusCode}::integer`.as('status_code'),
          sql<number>`${attempt.latencyMs}::integer`.as('latency_ms'),
          sql<string | null>`${attempt.error}::text`.as('error'),
        ]),
    )
    .executeTakeFirst();
  return (recorded.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Ends an endpoint's pending deliveries without an attempt (the endpoint was disabled); how many. */
export async function abandonPending(executor: Executor, endpointId: string, reason: string, now: Date) {
  const ended = await executor
    .updateTable('app_webhook_deliveries')
    .set({ status: 'failed', last_error: reason, next_attempt_at: null, completed_at: now })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(ended.numUpdatedRows);
}

/** After an attempt: a success ends the endpoint's failure streak, a failure starts or extends it. */
export async function noteEndpointOutcome(
  trx: Executor,
  endpointId: string,
  outcome: { succeeded: true } | { succeeded: false; disableReason: string | null; failingFor: number },
  now: Date,
): Promise<void> {
  if (outcome.succeeded) {
    await trx
      .updateTable('app_webhook_endpoints')
      .set({ failing_since: null })
      .where('id', '=', endpointId)
      .where('failing_since', 'is not', null)
      .execute();
    return;
  }
  const failingSince = new Date(now.getTime() - outcome.failingFor);
  await trx
    .updateTable('app_webhook_endpoints')
    .set((eb) => ({
      failing_since: eb.fn.coalesce('failing_since', sql<Date>`${now}::timestamptz`),
      enabled: sql<boolean>`enabled and ${outcome.disableReason === null}::boolean
        and coalesce(failing_since, ${now}::timestamptz) > ${failingSince}::timestamptz`,
      disabled_reason: sql<string | null>`case
        when not enabled then disabled_reason
        when ${outcome.disableReason}::text is not null then ${outcome.disableReason}::text
        when coalesce(failing_since, ${now}::timestamptz) <= ${failingSince}::timestamptz
          then 'Every delivery since ' || to_char(failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
               || ' failed.'
        else disabled_reason end`,
      disabled_at: sql<Date | null>`case when enabled and (${outcome.disableReason}::text is not null
        or coalesce(failing_since, ${now}::timestamptz) <= ${failingSince}::timestamptz)
        then ${now}::timestamptz else disabled_at end`,
    }))
    .where('id', '=', endpointId)
    .execute();
}

/** Makes a delivery pending again, due now, with a job (the same event id: receivers dedupe by it). */
export async function redeliver(trx: Executor, deliveryId: string, now: Date): Promise<WebhookDelivery | undefined> {
  const delivery = await trx
    .updateTable('app_webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: now, completed_at: null })
    .where('id', '=', deliveryId)
    .returningAll()
    .executeTakeFirst();
  if (delivery) await scheduleDrain(trx, targetOf(delivery), now, 'replace');
  return delivery;
}

/** One keyset page of an endpoint's deliveries, newest first. */
export async function deliveriesPage(
  executor: Executor,
  endpointId: string,
  page: KeysetPage,
): Promise<Array<WebhookDelivery & { event_type: string; endpoint_url: string }>> {
  const query = executor
    .selectFrom('app_webhook_deliveries as d')
    .innerJoin('app_webhook_events as e', 'e.id', 'd.event_id')
    .innerJoin('app_webhook_endpoints as p', 'p.id', 'd.endpoint_id')
    .selectAll('d')
    .select(['e.type as event_type', 'p.url as endpoint_url'])
    .where('d.endpoint_id', '=', endpointId);
  return keysetPage(query, page, 'd').execute();
}

/** The delivery when it is `userId`'s (or `userId` is null: the admin). */
export async function findDelivery(
  executor: Executor,
  deliveryId: string,
  userId: string | null,
): Promise<WebhookDelivery | undefined> {
  let query = executor.selectFrom('app_webhook_deliveries').selectAll().where('id', '=', deliveryId);
  if (userId !== null) query = query.where('user_id', '=', userId);
  return query.executeTakeFirst();
}

/** A generation's per-request delivery, with the type of the event it carries. */
export type PerRequestDelivery = WebhookDelivery & { event_type: string };

/**
 * The per-request deliveries (`webhookUrl`) of these generations' events, oldest first, by
 * generation id: one query however many generations a response shows.
 */
export async function perRequestDeliveriesOf(
  executor: Executor,
  generationIds: readonly string[],
): Promise<Map<string, PerRequestDelivery[]>> {
  const byGeneration = new Map<string, PerRequestDelivery[]>(generationIds.map((id) => [id, []]));
  if (generationIds.length === 0) return byGeneration;
  const rows = await executor
    .selectFrom('app_webhook_deliveries as d')
    .innerJoin('app_webhook_events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select(['e.type as event_type', 'e.dedupe_key'])
    .where(
      'e.dedupe_key',
      'in',
      generationIds.flatMap((id) => GENERATION_EVENT_TYPES.map((type) => `${type}:${id}`)),
    )
    .where('d.endpoint_id', 'is', null)
    .orderBy('d.created_at')
    .orderBy('d.id')
    .execute();
  for (const { dedupe_key: dedupeKey, ...delivery } of rows) {
    // The key is `<event type>:<generation id>`; event types hold no ':'.
    byGeneration.get(dedupeKey.slice(dedupeKey.indexOf(':') + 1))?.push(delivery);
  }
  return byGeneration;
}
