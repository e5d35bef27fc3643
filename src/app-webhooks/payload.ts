/**
 * The body of an event, as documented in docs/webhook-event.schema.json: `{ type, timestamp, data }`
 * (the Standard Webhooks shape), money as USD decimal strings and ids as the API's global ids, so a
 * webhook names things as `generateImage` did. The database records a snapshot when the event
 * happens (migration 0007); the body is rendered from it at the first attempt, with the stored
 * images' absolute URLs (never image bytes), and then fixed: every retry sends the same bytes.
 */
import { formatMicrosAsUsd } from '../money.ts';
import type { WebhookEvent } from './deliveries.ts';

export interface WebhookImage {
  readonly url: string;
  readonly width: number;
  readonly height: number;
  readonly contentType: string;
}

/** What rendering needs from the layers above (the composition wires them). */
export interface PayloadSources {
  globalId(typename: 'Generation' | 'User', id: string): string;
  /** The images the generation shows, with absolute URLs. */
  imagesOf(generationId: string): Promise<readonly WebhookImage[]>;
}

type Snapshot = Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const micros = (value: unknown): string | null => (typeof value === 'number' ? formatMicrosAsUsd(value) : null);
const instant = (value: unknown): string | null => (typeof value === 'string' ? new Date(value).toISOString() : null);

async function generationData(snapshot: Snapshot, type: string, sources: PayloadSources) {
  const id = String(snapshot.generationId);
  const errorCode = text(snapshot.errorCode);
  return {
    generation: {
      id: sources.globalId('Generation', id),
      status: text(snapshot.status),
      model: { id: text(snapshot.modelId) },
      imageCount: snapshot.imageCount,
      estimatedCostUsd: micros(snapshot.estimatedCostMicros),
      costUsd: micros(snapshot.costMicros),
      images: type === 'generation.succeeded' ? await sources.imagesOf(id) : [],
      error: errorCode === null ? null : { code: errorCode, message: text(snapshot.errorMessage) ?? '' },
      createdAt: instant(snapshot.createdAt),
      startedAt: instant(snapshot.startedAt),
      completedAt: instant(snapshot.completedAt),
    },
  };
}

function budgetData(snapshot: Snapshot, sources: PayloadSources) {
  return {
    user: { id: sources.globalId('User', String(snapshot.userId)) },
    period: snapshot.period === 'month' ? 'MONTH' : 'DAY',
    windowStart: text(snapshot.windowStart),
    thresholdPercent: snapshot.thresholdPercent,
    limitUsd: micros(snapshot.limitMicros),
    spentUsd: micros(snapshot.spentMicros),
  };
}

/** The event's body, rendered from its snapshot. */
export async function renderEventBody(event: WebhookEvent, sources: PayloadSources): Promise<string> {
  const data =
    event.type === 'budget.threshold'
      ? budgetData(event.data, sources)
      : await generationData(event.data, event.type, sources);
  return JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data });
}
