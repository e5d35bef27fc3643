/**
 * Webhook deliveries as Replicate makes them: the prediction JSON POSTed to the `webhook` URL,
 * signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature:
 * v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64 bytes after `whsec_`).
 *
 * - `start` and `completed` are always sent; `output` and `logs` share a throttle of one delivery
 *   per 500 ms (× speed) per prediction, with a trailing delivery so the last state is not lost.
 * - Only `completed` is retried (bounded exponential backoff) until a 2xx; every retry keeps the
 *   event's `webhook-id` and is re-signed with a fresh timestamp, as Standard Webhooks requires.
 * - Redirects are not followed (Replicate does not), and a non-2xx answer is a failure.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { request } from 'undici';
import type { Logger } from '../logger.ts';
import { newWebhookMessageId } from './ids.ts';
import type { Scheduler } from './scheduler.ts';

export const WEBHOOK_EVENTS = ['start', 'output', 'logs', 'completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Simulated seconds between retries of a `completed` delivery (7 attempts in all). */
const COMPLETED_RETRY_DELAYS_SECONDS = [1, 2, 4, 8, 16, 32];
const THROTTLE_SECONDS = 0.5;
/** Below this, scaled delays stop meaning anything and just busy the event loop. */
const MIN_SCALED_DELAY_MS = 10;
const ATTEMPT_TIMEOUT_SECONDS = 10;
const MIN_ATTEMPT_TIMEOUT_MS = 1_000;
/** Delivery records kept for `/_simulator/state`; older ones are dropped. */
const MAX_HISTORY = 10_000;

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a `whsec_<base64>` secret; throws on anything else. */
export function webhookSigningKey(secret: string): Buffer {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const key = match ? Buffer.from(match[1]!, 'base64') : Buffer.alloc(0);
  if (key.length === 0) throw new Error('webhook secret must look like whsec_<base64 key>');
  return key;
}

/** `v1,<base64 signature>` for one delivery attempt. */
export function signWebhook(key: Buffer, messageId: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

export interface WebhookTarget {
  readonly predictionId: string;
  readonly url: string;
  readonly events: ReadonlySet<WebhookEvent>;
  /** The prediction JSON at the moment of sending (so throttled deliveries carry the latest state). */
  readonly snapshot: () => unknown;
}

export interface WebhookDeliveryRecord {
  readonly predictionId: string;
  readonly event: WebhookEvent;
  readonly messageId: string;
  readonly attempt: number;
  readonly status: number | null;
  readonly ok: boolean;
}

interface ThrottleState {
  lastSentAt: number;
  trailingScheduled: boolean;
}

export interface WebhookDispatcherOptions {
  readonly secret: string;
  readonly speed: number;
  readonly now: () => number;
  readonly scheduler: Scheduler;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
}

export class WebhookDispatcher {
  private readonly key: Buffer;
  private readonly throttles = new Map<string, ThrottleState>();
  private readonly inFlight = new Set<AbortController>();
  private readonly history: WebhookDeliveryRecord[] = [];

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.key = webhookSigningKey(options.secret);
  }

  get deliveries(): readonly WebhookDeliveryRecord[] {
    return this.history;
  }

  emit(target: WebhookTarget, event: WebhookEvent): void {
    if (!target.events.has(event) || this.options.scheduler.isClosed) return;
    if (event === 'output' || event === 'logs') {
      this.emitThrottled(target, event);
      return;
    }
    void this.deliver(target, event, newWebhookMessageId(), 1);
  }

  /** Aborts deliveries under way; pending retries die with the scheduler. */
  close(): void {
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  private emitThrottled(target: WebhookTarget, event: WebhookEvent): void {
    const intervalMs = this.scaled(THROTTLE_SECONDS);
    const state = this.throttles.get(target.predictionId) ?? { lastSentAt: -Infinity, trailingScheduled: false };
    this.throttles.set(target.predictionId, state);
    if (state.trailingScheduled) return;
    const wait = state.lastSentAt + intervalMs - performance.now();
    if (wait <= 0) {
      state.lastSentAt = performance.now();
      void this.deliver(target, event, newWebhookMessageId(), 1);
      return;
    }
    state.trailingScheduled = true;
    this.options.scheduler.after(wait, () => {
      state.trailingScheduled = false;
      state.lastSentAt = performance.now();
      void this.deliver(target, event, newWebhookMessageId(), 1);
    });
  }

  private async deliver(target: WebhookTarget, event: WebhookEvent, messageId: string, attempt: number): Promise<void> {
    const { scheduler, logger } = this.options;
    if (scheduler.isClosed) return;
    const body = JSON.stringify(target.snapshot());
    const timestamp = Math.floor(this.options.now() / 1000);
    const controller = new AbortController();
    this.inFlight.add(controller);
    const cancelTimeout = scheduler.after(
      Math.max(MIN_ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_SECONDS * 1000 * this.options.speed),
      () => controller.abort(),
    );
    let status: number | null = null;
    try {
      const response = await request(target.url, {
        method: 'POST',
        dispatcher: this.options.dispatcher,
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Replicate-Webhooks/1.0 (pixelgate simulator)',
          'webhook-id': messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(this.key, messageId, timestamp, body),
        },
        body,
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (error) {
      logger.debug({ err: error, predictionId: target.predictionId, event }, 'simulator: webhook delivery failed');
    } finally {
      cancelTimeout();
      this.inFlight.delete(controller);
    }
    const ok = status !== null && status >= 200 && status < 300;
    this.history.push({ predictionId: target.predictionId, event, messageId, attempt, status, ok });
    if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
    logger.debug({ predictionId: target.predictionId, event, attempt, status }, 'simulator: webhook attempt finished');
    if (event === 'completed') this.throttles.delete(target.predictionId);
    const retryDelay = COMPLETED_RETRY_DELAYS_SECONDS[attempt - 1];
    if (!ok && event === 'completed' && retryDelay !== undefined) {
      scheduler.after(this.scaled(retryDelay), () => this.deliver(target, event, messageId, attempt + 1));
    }
  }

  private scaled(seconds: number): number {
    return Math.max(MIN_SCALED_DELAY_MS, seconds * 1000 * this.options.speed);
  }
}
