/**
 * Sending an endpoint's deliveries, run by its drain job (one at a time per endpoint): for each due
 * delivery, render and fix the body, sign it, POST it through the SSRF-checked pool, judge the
 * answer and record it in one transaction — so a crash before the record only means the same
 * attempt runs again, under the same `webhook-id` (receivers de-duplicate by it).
 *
 * - 2xx: delivered. 410: the endpoint is gone — disabled, with the reason shown to its owner.
 * - timeouts, connection errors, 3xx (redirects are never followed), 429 and 5xx: retried on our
 *   schedule (`WEBHOOK_RETRY_SCHEDULE_SECONDS`) with full jitter, or after `Retry-After` when the
 *   endpoint asks for longer; when the schedule runs out the delivery fails.
 * - any other 4xx, and a target the SSRF rules refuse: failed at once.
 * - an endpoint whose every attempt has failed for 5 days is disabled, and says since when.
 */
import { performance } from 'node:perf_hooks';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { request, type Dispatcher } from 'undici';
import type { Db } from '../db/index.ts';
import { linkTo, traceHeadersOf } from '../jobs/traced.ts';
import type { Logger } from '../logger.ts';
import { parseRetryAfter } from '../replicate/retry.ts';
import {
  abandonPending,
  earliestPending,
  fixBody,
  loadDelivery,
  nextDueDelivery,
  noteEndpointOutcome,
  recordAttempt,
  scheduleDrain,
  type DrainTarget,
  type LoadedDelivery,
  type WebhookDelivery,
} from './deliveries.ts';
import { liveSecrets } from './endpoints.ts';
import type { DeliveryMetrics } from './metrics.ts';
import { renderEventBody, type PayloadSources } from './payload.ts';
import { signedHeaders } from './signing.ts';
import { checkTargetUrl, WebhookTargetRefusedError, type TargetPolicy } from './targets.ts';

export interface DeliverySettings {
  /** Seconds before each retry (before jitter); its length is the number of retries. */
  readonly retryScheduleSeconds: readonly number[];
  /** The whole attempt: connect, send, and the answer's headers. */
  readonly timeoutMs: number;
  /** An endpoint failing this long without one success is disabled. */
  readonly disableAfterFailingMs: number;
  /** A `Retry-After` longer than this is capped to it. */
  readonly maxRetryAfterSeconds: number;
  /**
   * Attempts one user's targets may have in flight at once in this process: a user's hung
   * endpoints (up to 20 of them, and their per-request URLs) hold at most this many of the
   * runner's slots, so they never delay another user's events.
   */
  readonly attemptsInFlightPerUser: number;
}

export const DEFAULT_DELIVERY_SETTINGS: Omit<DeliverySettings, 'retryScheduleSeconds'> = {
  timeoutMs: 15_000,
  disableAfterFailingMs: 5 * 24 * 3600_000,
  maxRetryAfterSeconds: 24 * 3600,
  attemptsInFlightPerUser: 4,
};

/** How many attempts each user has in flight in this process (see `attemptsInFlightPerUser`). */
export class AttemptsInFlight {
  private readonly byUser = new Map<string, number>();

  constructor(private readonly perUser: number) {}

  /** Counts one more attempt for the user, unless they already have `perUser`. */
  tryTake(userId: string): boolean {
    const taken = this.byUser.get(userId) ?? 0;
    if (taken >= this.perUser) return false;
    this.byUser.set(userId, taken + 1);
    return true;
  }

  release(userId: string): void {
    const left = (this.byUser.get(userId) ?? 1) - 1;
    if (left > 0) this.byUser.set(userId, left);
    else this.byUser.delete(userId);
  }
}

export interface DeliveryDependencies {
  readonly db: Db;
  /** The SSRF-checked pool (`createTargetAgent`). */
  readonly dispatcher: Dispatcher;
  readonly policy: TargetPolicy;
  readonly settings: DeliverySettings;
  readonly sources: PayloadSources;
  readonly metrics: DeliveryMetrics;
  readonly logger: Logger;
  readonly now: () => Date;
  /** [0, 1): the jitter (tests pin it). */
  readonly random?: () => number;
  /** Shared by every drain of this process. */
  readonly inFlight: AttemptsInFlight;
  /** The `traceparent` a generation remembers, for an attempt's span to link to (read only while tracing). */
  readonly traceparentOf: (generationId: string) => Promise<string | null>;
}

/** What one attempt got back. */
type Answer =
  | { readonly kind: 'status'; readonly statusCode: number; readonly retryAfter: string | undefined }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'refused'; readonly error: string };

/** A delivery due this soon counts as due (the drain's run_at and the app's clock may differ a little). */
const EARLY_TOLERANCE_MS = 10;
const MAX_ERROR_LENGTH = 300;
/** The answer's body is read (and dropped) up to this much, so the connection can be reused. */
const MAX_ANSWER_BYTES = 64 * 1024;

function errorText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = (error as { code?: string })?.code ?? cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (code ? `${code}: ${message}` : message).slice(0, MAX_ERROR_LENGTH);
}

function isRefusal(error: unknown): error is Error {
  if (error instanceof WebhookTargetRefusedError) return true;
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof WebhookTargetRefusedError || (error as { code?: string })?.code === 'WEBHOOK_TARGET_REFUSED';
}

async function send(
  deps: DeliveryDependencies,
  target: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  try {
    const url = checkTargetUrl(target, deps.policy);
    const timeout = AbortSignal.timeout(deps.settings.timeoutMs);
    // Outside any span, so the HTTP instrumentation records no span of the app's URL (a path or
    // query may hold the app's own secret); the attempt's span names the request instead.
    const answer = await context.with(ROOT_CONTEXT, () =>
      request(url, {
        method: 'POST',
        dispatcher: deps.dispatcher,
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'pixelgate-webhooks/1' },
        body,
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
        headersTimeout: deps.settings.timeoutMs,
        bodyTimeout: deps.settings.timeoutMs,
      }),
    );
    await answer.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => undefined);
    const retryAfter = answer.headers['retry-after'];
    return {
      kind: 'status',
      statusCode: answer.statusCode,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    };
  } catch (error) {
    // Stopping this process is not the endpoint's failure: the job runs the attempt again.
    if (signal?.aborted) throw error;
    if (isRefusal(error)) return { kind: 'refused', error: `refused: ${errorText(error)}` };
    return { kind: 'error', error: errorText(error) };
  }
}

interface Verdict {
  readonly status: WebhookDelivery['status'];
  readonly nextAttemptAt: Date | null;
  readonly disableReason: string | null;
  readonly outcome: 'delivered' | 'retrying' | 'failed';
}

/** What an answer means for the delivery (`attempt` counts this one, from 1). */
export function judge(
  answer: Answer,
  attempt: number,
  settings: DeliverySettings,
  now: Date,
  random: () => number,
): Verdict {
  const done = (status: 'succeeded' | 'failed', disableReason: string | null = null): Verdict => ({
    status,
    nextAttemptAt: null,
    disableReason,
    outcome: status === 'succeeded' ? 'delivered' : 'failed',
  });
  if (answer.kind === 'refused') return done('failed');
  const code = answer.kind === 'status' ? answer.statusCode : null;
  if (code !== null && code >= 200 && code < 300) return done('succeeded');
  if (code === 410) return done('failed', 'The endpoint answered 410 Gone.');
  const retryable = code === null || (code >= 300 && code < 400) || code === 429 || code >= 500;
  const delaySeconds = settings.retryScheduleSeconds[attempt - 1];
  if (!retryable || delaySeconds === undefined) return done('failed');
  // Full jitter: deliveries that failed together (an endpoint's outage) retry spread out.
  let delayMs = random() * delaySeconds * 1000;
  const asked = answer.kind === 'status' ? parseRetryAfter(answer.retryAfter, now) : undefined;
  if (asked !== undefined) delayMs = Math.max(delayMs, Math.min(asked, settings.maxRetryAfterSeconds) * 1000);
  return {
    status: 'pending',
    nextAttemptAt: new Date(now.getTime() + delayMs),
    disableReason: null,
    outcome: 'retrying',
  };
}

/** A per-request delivery when its user has no endpoint whose secret could sign it: never sent. */
const UNSIGNED: Answer = {
  kind: 'refused',
  error: 'Not sent: the user has no webhook endpoint whose secret signs per-request webhooks (create one).',
};

const tracer = trace.getTracer('pixelgate-app-webhooks');

/**
 * An attempt's span: a trace of its own (a drain runs later than the request, for many
 * generations) linked to its generation's trace; the request to the app carries it in
 * `traceparent`. With tracing off a no-op span, and nothing is read for it.
 */
async function attemptSpan(deps: DeliveryDependencies, { event, delivery }: LoadedDelivery): Promise<Span> {
  const span = tracer.startSpan(`send ${event.type}`, {
    kind: SpanKind.PRODUCER,
    root: true,
    attributes: {
      'pixelgate.webhook.event_type': event.type,
      'pixelgate.webhook.delivery_id': delivery.id,
      'pixelgate.webhook.attempt': delivery.attempts + 1,
      'pixelgate.webhook.per_request': delivery.endpoint_id === null,
    },
  });
  const generationId = event.data.generationId;
  if (!span.isRecording() || typeof generationId !== 'string') return span;
  span.setAttribute('pixelgate.generation.id', generationId);
  const link = linkTo(await deps.traceparentOf(generationId));
  if (link) span.addLink(link);
  return span;
}

/** One attempt of a due delivery under its span (`attemptSpan`). */
async function attempt(deps: DeliveryDependencies, loaded: LoadedDelivery, signal?: AbortSignal): Promise<void> {
  const span = await attemptSpan(deps, loaded);
  try {
    const verdict = await sendAndRecord(deps, loaded, span, signal);
    span.setAttribute('pixelgate.webhook.outcome', verdict.outcome);
    if (verdict.outcome !== 'delivered') span.setStatus({ code: SpanStatusCode.ERROR });
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** Sign, send, judge, record (a retry: pending, due later). */
async function sendAndRecord(
  deps: DeliveryDependencies,
  loaded: LoadedDelivery,
  span: Span,
  signal: AbortSignal | undefined,
): Promise<Verdict> {
  const { db, metrics } = deps;
  const { delivery, event, endpoint, signer } = loaded;
  const startedAt = deps.now();
  const body = event.body ?? (await fixBody(db, event.id, await renderEventBody(event, deps.sources)));
  const clock = performance.now();
  const answer = signer
    ? await send(
        deps,
        loaded.url,
        { ...signedHeaders(liveSecrets(signer, startedAt), event.id, startedAt, body), ...traceHeadersOf(span) },
        body,
        signal,
      )
    : UNSIGNED;
  const latencyMs = Math.round(performance.now() - clock);
  if (answer.kind === 'status') span.setAttribute('http.response.status_code', answer.statusCode);
  const now = deps.now();
  const verdict = judge(answer, delivery.attempts + 1, deps.settings, now, deps.random ?? Math.random);
  const record = {
    at: startedAt,
    statusCode: answer.kind === 'status' ? answer.statusCode : null,
    latencyMs,
    error: answer.kind === 'status' ? null : answer.error,
    status: verdict.status,
    nextAttemptAt: verdict.nextAttemptAt,
  };
  // A per-request URL has no endpoint to disable or failure streak to keep; a success on an
  // endpoint that was not failing changes nothing of it (its drain is the only one that could
  // have started a streak since it was loaded). Then the attempt is one statement.
  const endpointChanges = endpoint !== null && (verdict.outcome !== 'delivered' || endpoint.failing_since !== null);
  if (!endpointChanges) {
    await recordAttempt(db, delivery.id, record);
  } else {
    await db.transaction().execute(async (trx) => {
      if (!(await recordAttempt(trx, delivery.id, record))) return;
      await noteEndpointOutcome(
        trx,
        endpoint!.id,
        verdict.outcome === 'delivered'
          ? { succeeded: true }
          : { succeeded: false, disableReason: verdict.disableReason, failingFor: deps.settings.disableAfterFailingMs },
        now,
      );
    });
  }
  metrics.deliveries.inc({ outcome: verdict.outcome });
  metrics.latency.observe({ outcome: verdict.outcome }, latencyMs / 1000);
  if (verdict.outcome !== 'delivered') {
    deps.logger.debug(
      { deliveryId: delivery.id, attempt: delivery.attempts + 1, outcome: verdict.outcome },
      'webhook attempt did not deliver',
    );
  }
  return verdict;
}

/** A drain hands its slot on after this many attempts, so busy endpoints take turns. */
const ATTEMPTS_PER_DRAIN = 200;
/**
 * A drain whose user has every attempt in flight tries again this much later, off the runner: a
 * user's waiting drains cost the database at most one try per endpoint per this interval.
 */
const USER_BUSY_RETRY_MS = 2_000;

/**
 * The job's whole work: sends the target's due deliveries one after another, then schedules the
 * next drain for its earliest retry. A disabled endpoint's pending deliveries end unsent.
 */
export async function drain(deps: DeliveryDependencies, target: DrainTarget, signal?: AbortSignal): Promise<void> {
  const { db } = deps;
  for (let attempts = 0; attempts < ATTEMPTS_PER_DRAIN; attempts += 1) {
    if (signal?.aborted) throw new Error('stopping: the drain is due again for the next worker');
    const due = await nextDueDelivery(db, target, new Date(deps.now().getTime() + EARLY_TOLERANCE_MS));
    if (!due) break;
    const loaded = await loadDelivery(db, due);
    if (!loaded) break;
    const { endpoint } = loaded;
    if (endpoint && !endpoint.enabled) {
      const reason = `Not sent: the endpoint is disabled (${endpoint.disabled_reason ?? 'by its owner'}).`;
      const ended = await abandonPending(db, endpoint.id, reason, deps.now());
      deps.metrics.deliveries.inc({ outcome: 'abandoned' }, ended);
      return;
    }
    if (!deps.inFlight.tryTake(due.user_id)) {
      const later = new Date(deps.now().getTime() + USER_BUSY_RETRY_MS);
      await scheduleDrain(db, target, later, 'preserve_run_at');
      return;
    }
    try {
      await attempt(deps, loaded, signal);
    } finally {
      deps.inFlight.release(due.user_id);
    }
  }
  const next = await earliestPending(db, target);
  if (next) await scheduleDrain(db, target, next, 'preserve_run_at');
}
