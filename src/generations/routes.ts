/**
 * The plain HTTP routes of generations:
 *
 * - `POST /webhooks/replicate`: Replicate's webhook deliveries. The raw body is verified
 *   (Standard Webhooks, with `REPLICATE_WEBHOOK_SECRET` or the account's default secret fetched
 *   from Replicate), deduplicated by `webhook-id`, applied with the same single-winner
 *   transitions as the poller, and answered at once: 2xx once recorded, 401 for a bad signature.
 *   A success only nudges the prediction's job, which stores the outputs (a download has no
 *   place in a webhook answer). While tracing, each delivery's server span links to the trace of
 *   the request that created its generation (`generations.traceparent`) and names its outcome.
 * - `GET /images/<key>`: stored images, immutable, under unguessable keys (content hash).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { SpanKind, trace, type Span } from '@opentelemetry/api';
import type { Db } from '../db/index.ts';
import { linkTo } from '../jobs/traced.ts';
import type { Logger } from '../logger.ts';
import { verifyWebhook, type ReplicateClient } from '../replicate/index.ts';
import { predictionSchema } from '../replicate/schemas.ts';
import { BodyTooLargeError, readBody, sendJson, type HttpRoute } from '../http/index.ts';
import { isSafeStorageKey, type ImageStorage } from '../storage/index.ts';
import { scheduleTrack } from './jobs.ts';
import type { GenerationEvents } from './events.ts';
import { findPrediction, findPredictionByReplicateId, type Prediction } from './predictions-store.ts';
import { findImageByKey, findImageByPrintKey, recordWebhookDelivery, traceparentOf } from './store.ts';
import { transact } from './transact.ts';
import { adoptIn, applyFailureIn, applyProgressIn } from './transitions.ts';
import { isUuid } from '../auth/users.ts';
import { recordDownload } from '../preferences/store.ts';

const MAX_WEBHOOK_BYTES = 2 * 1024 * 1024;
/** A fetched secret is refetched on a signature mismatch at most this often (rotation). */
const SECRET_REFRESH_MS = 60_000;

export interface RouteDependencies {
  readonly db: Db;
  readonly replicate: ReplicateClient;
  readonly events: Pick<GenerationEvents, 'publish'>;
  readonly storage: ImageStorage;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly webhookSecret: string | undefined;
}

/** The configured secret, or the account's default one fetched from Replicate and cached. */
function webhookSecrets(deps: RouteDependencies) {
  let fetched: { secret: string; at: number } | undefined;
  let fetching: Promise<string> | undefined;
  return async (refresh: boolean): Promise<string[]> => {
    if (deps.webhookSecret) return [deps.webhookSecret];
    const stale = !fetched || (refresh && Date.now() - fetched.at > SECRET_REFRESH_MS);
    if (stale) {
      fetching ??= deps.replicate.getWebhookSecret().finally(() => {
        fetching = undefined;
      });
      fetched = { secret: await fetching, at: Date.now() };
    }
    return fetched ? [fetched.secret] : [];
  };
}

const WEBHOOK_PATH = '/webhooks/replicate';
const tracer = trace.getTracer('pixelgate-webhooks');

type WebhookOutcome = 'invalid_signature' | 'invalid_body' | 'unknown_prediction' | 'duplicate' | 'ignored' | 'applied';

/** Answers a delivery, its outcome on its span (a no-op span with tracing off). */
function answer(response: ServerResponse, span: Span, status: number, outcome: WebhookOutcome, body: object): void {
  span.setAttribute('pixelgate.webhook.outcome', outcome);
  sendJson(response, status, body);
}

/**
 * Links a delivery's span to the trace of the request that created its generation, which
 * Replicate's request does not carry: one indexed read, only while the span records.
 */
async function linkToGeneration(db: Db, span: Span, generationId: string): Promise<void> {
  if (!span.isRecording()) return;
  span.setAttribute('pixelgate.generation.id', generationId);
  const link = linkTo(await traceparentOf(db, generationId));
  if (link) span.addLink(link);
}

/** A verified delivery applied: deduplicated by `webhook-id`, then the transitions of its status. */
async function receive(
  deps: RouteDependencies,
  secrets: ReturnType<typeof webhookSecrets>,
  span: Span,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  let rawBody: Buffer;
  try {
    rawBody = await readBody(request, MAX_WEBHOOK_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return answer(response, span, 413, 'invalid_body', { error: 'payload_too_large' });
    throw error;
  }
  let verification = verifyWebhook({ rawBody, headers: request.headers, secrets: await secrets(false) });
  if (!verification.ok && verification.reason === 'no_matching_signature' && !deps.webhookSecret) {
    verification = verifyWebhook({ rawBody, headers: request.headers, secrets: await secrets(true) });
  }
  if (!verification.ok) {
    deps.logger.warn({ reason: verification.reason }, 'rejected a webhook delivery');
    return answer(response, span, 401, 'invalid_signature', { error: 'invalid_signature' });
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return answer(response, span, 400, 'invalid_body', { error: 'invalid_json' });
  }
  const upstream = predictionSchema.safeParse(body);
  if (!upstream.success) return answer(response, span, 400, 'invalid_body', { error: 'not_a_prediction' });

  const prediction = await predictionFor(deps.db, url, upstream.data.id);
  // Not ours (or already forgotten): acknowledge so Replicate stops retrying.
  if (!prediction) return answer(response, span, 200, 'unknown_prediction', { status: 'ignored' });
  // Before the transaction, so a duplicate or ignored delivery is linked too.
  await linkToGeneration(deps.db, span, prediction.generation_id);
  const outcome = await transact(deps.db, deps.events, async (trx, changes) => {
    const now = deps.now();
    if (!(await recordWebhookDelivery(trx, verification.id, now))) return 'duplicate';
    const row = await adoptIn(trx, prediction, upstream.data.id, changes, now);
    if (!row) return 'ignored';
    if (upstream.data.status === 'succeeded') {
      // Stored by the job, now: the poller and this nudge collapse into one run.
      await scheduleTrack(trx, { predictionId: row.id, poll: 0 }, 0);
    } else if (upstream.data.status === 'starting' || upstream.data.status === 'processing') {
      changes.push(...(await applyProgressIn(trx, row, upstream.data, now)));
    } else {
      changes.push(...(await applyFailureIn(trx, row, upstream.data, now)));
    }
    return 'applied';
  });
  answer(response, span, 200, outcome, { status: outcome });
}

export function webhookRoute(deps: RouteDependencies): HttpRoute {
  const secrets = webhookSecrets(deps);
  return {
    method: 'POST',
    path: WEBHOOK_PATH,
    async handle(request, response, url) {
      // Every delivery has a server span, taken before the first await: the HTTP instrumentation's
      // (named here by its route), or one of its own where there is none. With tracing off both are
      // no-ops. Replicate carries no trace context: the span links to the generation's trace.
      const active = trace.getActiveSpan();
      const span = active ?? tracer.startSpan(`POST ${WEBHOOK_PATH}`, { kind: SpanKind.SERVER });
      span.setAttribute('http.route', WEBHOOK_PATH).updateName(`POST ${WEBHOOK_PATH}`);
      try {
        await receive(deps, secrets, span, request, response, url);
      } finally {
        if (!active) span.end();
      }
    },
  };
}

/** By the ids we put in the webhook URL; by Replicate's id for anything else. */
async function predictionFor(db: Db, url: URL, replicateId: string): Promise<Prediction | undefined> {
  const ours = url.searchParams.get('prediction');
  if (ours && isUuid(ours)) {
    const prediction = await findPrediction(db, ours);
    if (prediction && (prediction.replicate_id === null || prediction.replicate_id === replicateId)) return prediction;
    if (prediction) return undefined;
  }
  return findPredictionByReplicateId(db, replicateId);
}

const IMAGE_PATH = /^\/images\/(.+)$/;

/**
 * `GET /images/<key>`; with `?download=1` the answer is an attachment and the download counts as a
 * preference signal for the image's owner (once per image: `preferences/store.ts`).
 */
export function imageRoute(deps: Pick<RouteDependencies, 'db' | 'storage' | 'logger' | 'now'>): HttpRoute {
  return {
    method: 'GET',
    path: IMAGE_PATH,
    async handle(request, response, url) {
      const key = IMAGE_PATH.exec(url.pathname)?.[1] ?? '';
      const file = isSafeStorageKey(key) ? await storedFileOf(deps.db, key) : undefined;
      const stored = file ? await deps.storage.open(key) : null;
      if (!file || !stored) return notFound(response);
      const etag = `"${file.sha256}"`;
      const download = url.searchParams.get('download') === '1';
      if (download && request.method === 'GET') await recordDownload(deps.db, key, deps.now());
      const headers = {
        ...(download ? { 'content-disposition': `attachment; filename="${key.split('/').pop()}"` } : {}),
        'content-type': file.contentType,
        // The key contains the content hash: the bytes behind a URL never change.
        'cache-control': 'public, max-age=31536000, immutable',
        etag,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'",
      };
      if (request.headers['if-none-match'] === etag) {
        stored.stream.destroy();
        response.writeHead(304, headers).end();
        return;
      }
      response.writeHead(200, { ...headers, 'content-length': stored.bytes });
      if (request.method === 'HEAD') {
        stored.stream.destroy();
        response.end();
        return;
      }
      await pipeline(stored.stream, response);
    },
  };
}

/**
 * An image, or the print file of one (`images.print_storage_key`; a PNG whose key carries its
 * content hash and its size, which its download name shows).
 */
async function storedFileOf(
  db: Db,
  key: string,
): Promise<{ readonly contentType: string; readonly sha256: string } | undefined> {
  const image = await findImageByKey(db, key);
  if (image) return { contentType: image.content_type, sha256: image.sha256 };
  const printed = await findImageByPrintKey(db, key);
  return printed ? { contentType: 'image/png', sha256: /-([0-9a-f]{32})\.png$/.exec(key)?.[1] ?? key } : undefined;
}

function notFound(response: ServerResponse): void {
  sendJson(response, 404, { error: 'not_found' });
}
