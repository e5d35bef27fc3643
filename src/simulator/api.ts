/**
 * The `/v1` endpoints: Replicate's HTTP API for the catalog's models. Every request is counted
 * against the token's rate limit first (unauthenticated ones against the caller's address), then
 * authenticated, then routed; every answer carries the `ratelimit-*` headers.
 */
import type { IncomingMessage } from 'node:http';
import { SIMULATED_HARDWARE, simulatedModel, type SimulatedModel } from './models.ts';
import { SIMULATED_ACCOUNT, type CreditAccount } from './account.ts';
import { versionIdFor } from './ids.ts';
import { BodyTooLargeError, headerValue, jsonResponse, readBody, withHeaders, type SimResponse } from './http.ts';
import { parseListQuery, paginate } from './listing.ts';
import { HIDDEN_VERSION, modelJson, resolveVersion, versionJson } from './model-resources.ts';
import type { PredictionEngine } from './predictions.ts';
import {
  badRequest,
  insufficientCredit,
  invalidInput,
  methodNotAllowed,
  notFound,
  payloadTooLarge,
  throttled,
  unauthenticated,
} from './problems.ts';
import { rateLimitHeaders, type RateLimitBucket, type SlidingWindowRateLimiter } from './rate-limit.ts';
import { parseBearerToken, parseCancelAfter, parsePreferWait } from './request-headers.ts';
import {
  modelPredictionRequestSchema,
  validate,
  versionPredictionRequestSchema,
  webhookEventsOf,
  type ModelPredictionRequest,
} from './validation.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiContext {
  readonly engine: PredictionEngine;
  readonly credits: CreditAccount;
  readonly rateLimiter: SlidingWindowRateLimiter;
  readonly speed: number;
  /** Accepted bearer tokens, or 'any' for any non-empty token. */
  readonly tokens: ReadonlySet<string> | 'any';
  readonly webhookSecret: string;
  readonly apiBaseUrl: string;
}

export interface ApiRequest {
  readonly method: string;
  readonly url: URL;
  readonly raw: IncomingMessage;
}

type Handler = (
  context: ApiContext,
  request: ApiRequest,
  params: readonly string[],
) => Promise<SimResponse> | SimResponse;

interface Route {
  readonly pattern: RegExp;
  readonly handlers: Readonly<Partial<Record<string, Handler>>>;
}

const SEGMENT = '([^/]+)';

const ROUTES: readonly Route[] = [
  { pattern: /^\/v1\/account$/, handlers: { GET: () => jsonResponse(200, SIMULATED_ACCOUNT) } },
  { pattern: /^\/v1\/hardware$/, handlers: { GET: () => jsonResponse(200, SIMULATED_HARDWARE) } },
  {
    pattern: /^\/v1\/webhooks\/default\/secret$/,
    handlers: { GET: (context) => jsonResponse(200, { key: context.webhookSecret }) },
  },
  { pattern: new RegExp(`^/v1/models/${SEGMENT}/${SEGMENT}$`), handlers: { GET: getModel } },
  {
    pattern: new RegExp(`^/v1/models/${SEGMENT}/${SEGMENT}/versions/${SEGMENT}$`),
    handlers: { GET: getModelVersion },
  },
  {
    pattern: new RegExp(`^/v1/models/${SEGMENT}/${SEGMENT}/predictions$`),
    handlers: { POST: createModelPrediction },
  },
  { pattern: /^\/v1\/predictions$/, handlers: { GET: listPredictions, POST: createVersionPrediction } },
  { pattern: new RegExp(`^/v1/predictions/${SEGMENT}$`), handlers: { GET: getPrediction } },
  { pattern: new RegExp(`^/v1/predictions/${SEGMENT}/cancel$`), handlers: { POST: cancelPrediction } },
];

/** Whether a request counts as a prediction create for rate limiting (600/min, not 3000/min). */
export function rateLimitBucketOf(method: string, path: string): RateLimitBucket {
  const isCreate =
    method === 'POST' &&
    (path === '/v1/predictions' || /^\/v1\/(?:models|deployments)\/[^/]+\/[^/]+\/predictions$/.test(path));
  return isCreate ? 'create' : 'other';
}

export async function handleApiRequest(context: ApiContext, request: ApiRequest): Promise<SimResponse> {
  const path = request.url.pathname;
  const token = parseBearerToken(headerValue(request.raw, 'authorization'));
  const rateKey = token ? `token:${token}` : `address:${request.raw.socket.remoteAddress ?? 'unknown'}`;
  const decision = context.rateLimiter.take(rateKey, rateLimitBucketOf(request.method, path));
  const limitHeaders = rateLimitHeaders(decision);
  if (!decision.allowed) return withHeaders(throttled(decision.resetSeconds), limitHeaders);
  if (!token || (context.tokens !== 'any' && !context.tokens.has(token))) {
    return withHeaders(unauthenticated(), limitHeaders);
  }
  return withHeaders(await route(context, request), limitHeaders);
}

async function route(context: ApiContext, request: ApiRequest): Promise<SimResponse> {
  for (const { pattern, handlers } of ROUTES) {
    const match = pattern.exec(request.url.pathname);
    if (!match) continue;
    const handler = handlers[request.method];
    if (!handler) return methodNotAllowed(Object.keys(handlers));
    const params = decodePathSegments(match.slice(1));
    if (!params) return notFound();
    return handler(context, request, params);
  }
  return notFound();
}

/** undefined when a segment is not valid percent-encoding (no such resource, rather than a 500). */
function decodePathSegments(segments: readonly string[]): string[] | undefined {
  try {
    return segments.map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

// ── models ─────────────────────────────────────────────────────────────────────────────────────

function getModel(context: ApiContext, _request: ApiRequest, [owner, name]: readonly string[]): SimResponse {
  const model = simulatedModel(`${owner}/${name}`);
  if (!model) return notFound(`Model not found: ${owner}/${name}`);
  return jsonResponse(200, modelJson(model, context.engine.runCount(model)));
}

function getModelVersion(
  _context: ApiContext,
  _request: ApiRequest,
  [owner, name, id]: readonly string[],
): SimResponse {
  const model = simulatedModel(`${owner}/${name}`);
  if (!model || versionIdFor(model.replicateModel) !== id) return notFound(`Version not found: ${owner}/${name}:${id}`);
  return jsonResponse(200, versionJson(model));
}

// ── predictions ────────────────────────────────────────────────────────────────────────────────

async function createModelPrediction(
  context: ApiContext,
  request: ApiRequest,
  [owner, name]: readonly string[],
): Promise<SimResponse> {
  const model = simulatedModel(`${owner}/${name}`);
  // Unknown models are 404 whatever the body says, as upstream: the route names a resource. Only
  // official models run by name; the others by version (`POST /v1/predictions`).
  if (!model || !model.isOfficial) return notFound(`Model not found: ${owner}/${name}`);
  const body = await readJsonBody(request);
  if (!body.ok) return body.response;
  const envelope = validate(modelPredictionRequestSchema, body.value);
  if (!envelope.ok) return invalidInput(envelope.fields);
  return createPrediction(context, request, model, HIDDEN_VERSION, envelope.value);
}

async function createVersionPrediction(context: ApiContext, request: ApiRequest): Promise<SimResponse> {
  const body = await readJsonBody(request);
  if (!body.ok) return body.response;
  const envelope = validate(versionPredictionRequestSchema, body.value);
  if (!envelope.ok) return invalidInput(envelope.fields);
  const resolved = resolveVersion(envelope.value.version);
  if (!resolved) {
    const description = 'Invalid version or not permitted';
    return invalidInput([{ type: 'invalid', field: 'version', description }], description);
  }
  return createPrediction(context, request, resolved.model, resolved.version, envelope.value);
}

async function createPrediction(
  context: ApiContext,
  request: ApiRequest,
  model: SimulatedModel,
  version: string,
  body: ModelPredictionRequest,
): Promise<SimResponse> {
  const input = validate(model.inputSchema, body.input, ['input']);
  if (!input.ok) return invalidInput(input.fields);

  const cancelAfterHeader = headerValue(request.raw, 'cancel-after');
  const cancelAfter = cancelAfterHeader === undefined ? undefined : parseCancelAfter(cancelAfterHeader);
  if (cancelAfter && !cancelAfter.ok) return badRequest(`Invalid Cancel-After header: ${cancelAfter.reason}`);

  const { engine, credits } = context;
  if (!credits.canAfford(engine.expectedCostMicros(model, body.input))) return insufficientCredit();

  const prediction = engine.create({
    model,
    version,
    // Echo the input as sent (the schema's parse may normalise it, e.g. trim the prompt).
    input: body.input,
    webhook: body.webhook,
    webhookEvents: webhookEventsOf(body),
    cancelAfterSeconds: cancelAfter?.seconds,
  });

  const waitSeconds = parsePreferWait(headerValue(request.raw, 'prefer'));
  if (waitSeconds === undefined) return jsonResponse(201, engine.toJson(prediction));
  await engine.waitForTerminal(prediction, waitSeconds * 1000 * context.speed);
  // 201 carries the final output; 202 means created but still running when the wait ran out.
  return jsonResponse(engine.isTerminal(prediction) ? 201 : 202, engine.toJson(prediction), {
    'preference-applied': `wait=${waitSeconds}`,
  });
}

function getPrediction(context: ApiContext, _request: ApiRequest, [id]: readonly string[]): SimResponse {
  const prediction = context.engine.get(id!);
  if (!prediction) return notFound(`Prediction not found: ${id}`);
  return jsonResponse(200, context.engine.toJson(prediction));
}

function cancelPrediction(context: ApiContext, _request: ApiRequest, [id]: readonly string[]): SimResponse {
  const prediction = context.engine.get(id!);
  if (!prediction) return notFound(`Prediction not found: ${id}`);
  context.engine.cancel(prediction);
  return jsonResponse(200, context.engine.toJson(prediction));
}

function listPredictions(context: ApiContext, request: ApiRequest): SimResponse {
  const parsed = parseListQuery(request.url.searchParams);
  if (!parsed.ok) return badRequest(parsed.detail);
  const { engine, apiBaseUrl } = context;
  const page = paginate(engine.all(), (prediction) => engine.position(prediction), parsed.query);
  const link = (query: string | null): string | null => (query === null ? null : `${apiBaseUrl}/predictions?${query}`);
  return jsonResponse(200, {
    next: link(page.nextQuery),
    previous: link(page.previousQuery),
    results: page.results.map((prediction) => engine.toJson(prediction)),
  });
}

// ── bodies ─────────────────────────────────────────────────────────────────────────────────────

type JsonBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly response: SimResponse };

async function readJsonBody(request: ApiRequest): Promise<JsonBody> {
  let bytes: Buffer;
  try {
    bytes = await readBody(request.raw, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { ok: false, response: payloadTooLarge(error.message) };
    throw error;
  }
  if (bytes.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'invalid JSON';
    return { ok: false, response: badRequest(`JSON parse error - ${reason}`) };
  }
}
