/**
 * Shared helpers for the simulator tests: plain HTTP calls as a client written from Replicate's
 * docs would make them, polling, an OpenAPI response validator, and a webhook receiver.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import type { PredictionJson, RunningSimulator } from '../../src/simulator/index.ts';

export const TOKEN = 'r8_simulator_test_token';

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export interface CallOptions {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** `null` sends no Authorization header. */
  readonly token?: string | null;
}

/** One HTTP call; the body is parsed as JSON when it is JSON. */
export async function call<T = unknown>(
  sim: RunningSimulator,
  method: string,
  pathOrUrl: string,
  options: CallOptions = {},
): Promise<ApiResponse<T>> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.origin}${pathOrUrl}`;
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(url, {
    method,
    headers: {
      ...(token !== null && { authorization: `Bearer ${token}` }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const isJson = /json/.test(response.headers.get('content-type') ?? '');
  return { status: response.status, headers: response.headers, body: (isJson ? JSON.parse(text) : text) as T, text };
}

/** `POST /v1/models/{owner}/{name}/predictions`. */
export function createPrediction(
  sim: RunningSimulator,
  model: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<ApiResponse<PredictionJson>> {
  return call<PredictionJson>(sim, 'POST', `/v1/models/${model}/predictions`, { body, headers });
}

export async function getPrediction(sim: RunningSimulator, id: string): Promise<PredictionJson> {
  const response = await call<PredictionJson>(sim, 'GET', `/v1/predictions/${id}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** Polls `GET /v1/predictions/{id}` until `done` holds; returns every distinct state seen. */
export async function pollPrediction(
  sim: RunningSimulator,
  id: string,
  done: (prediction: PredictionJson) => boolean = isTerminal,
  { intervalMs = 5, timeoutMs = 10_000 } = {},
): Promise<{ final: PredictionJson; seen: PredictionJson[] }> {
  const seen: PredictionJson[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const prediction = await getPrediction(sim, id);
    if (seen.at(-1)?.logs !== prediction.logs || seen.at(-1)?.status !== prediction.status) seen.push(prediction);
    if (done(prediction)) return { final: prediction, seen };
    if (Date.now() > deadline) throw new Error(`prediction ${id} still ${prediction.status} after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export function isTerminal(prediction: PredictionJson): boolean {
  return ['succeeded', 'failed', 'canceled', 'aborted'].includes(prediction.status);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

export async function downloadPng(url: string): Promise<PNG> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  return PNG.sync.read(Buffer.from(await response.arrayBuffer()));
}

// ── problem+json ─────────────────────────────────────────────────────────────────────────────

/**
 * Replicate's error body. The OpenAPI document has no schema for it, so its documented shape is
 * checked by hand: RFC 9457 members plus `invalid_fields` (422) and `retry_after` (429).
 */
export function expectProblem(response: ApiResponse, status: number): Record<string, unknown> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = response.body as Record<string, unknown>;
  expect(body).toMatchObject({ status });
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect((body.title as string).length).toBeGreaterThan(0);
  if (status === 422) {
    expect(Array.isArray(body.invalid_fields)).toBe(true);
    const fields = body.invalid_fields as unknown[];
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      expect(field).toEqual({ type: expect.any(String), field: expect.any(String), description: expect.any(String) });
    }
  }
  if (status === 429) {
    expect(Number.isInteger(body.retry_after)).toBe(true);
    expect(response.headers.get('retry-after')).toBe(String(body.retry_after));
  }
  return body;
}

// ── OpenAPI validation ───────────────────────────────────────────────────────────────────────

type JsonObject = Record<string, unknown>;

const SPEC_ID = 'https://pixelgate.test/replicate-openapi.json';

/** Validates response bodies against Replicate's OpenAPI document (JSON Schema 2020-12). */
export class OpenApiValidator {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
  private readonly spec: JsonObject;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    const text = readFileSync(new URL('../fixtures/replicate-openapi.json', import.meta.url), 'utf8');
    this.spec = JSON.parse(text) as JsonObject;
    const components = structuredClone(this.spec.components) as { schemas: Record<string, JsonObject> };
    // Defect in the document: `version` is `oneOf: [string, enum ["hidden"]]`, so "hidden" (the
    // value it documents for official models) matches both branches and fails `oneOf`. Replicate
    // means "either"; validate it as anyOf.
    const version = components.schemas.schemas_prediction_response!.properties as Record<string, JsonObject>;
    version.version = { anyOf: version.version!.oneOf };
    // ajv-formats is CommonJS: under NodeNext its default import is module.exports, whose `default` is the plugin.
    ajvFormats.default(this.ajv);
    // OpenAPI annotations that JSON Schema 2020-12 does not know (`nullable` is built into Ajv).
    this.ajv.addKeyword('example');
    // The components live under an OpenAPI key, not a JSON Schema one: declare it so strict mode
    // accepts the wrapper; refs still reach inside by JSON pointer.
    this.ajv.addKeyword('components');
    this.ajv.addSchema({ $id: SPEC_ID, components });
  }

  /** Errors of `body` against the response schema of `method path` for `status`; [] when valid. */
  errors(method: string, path: string, status: number, body: unknown): string[] {
    return this.errorsFor(`${method} ${path} ${status}`, () => this.responseSchema(method, path, status), body);
  }

  /** Errors of `body` against `components/schemas/<name>`; [] when valid. */
  schemaErrors(name: string, body: unknown): string[] {
    return this.errorsFor(`schema ${name}`, () => ({ $ref: `${SPEC_ID}#/components/schemas/${name}` }), body);
  }

  private errorsFor(key: string, schema: () => JsonObject, body: unknown): string[] {
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema());
      this.cache.set(key, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
  }

  private responseSchema(method: string, path: string, status: number): JsonObject {
    const paths = this.spec.paths as Record<string, Record<string, JsonObject>>;
    const operation = paths[path]?.[method.toLowerCase()];
    const responses = operation?.responses as Record<string, JsonObject> | undefined;
    const content = responses?.[String(status)]?.content as Record<string, { schema: JsonObject }> | undefined;
    const schema = content?.['application/json']?.schema;
    if (!schema) throw new Error(`the OpenAPI document has no JSON schema for ${method} ${path} → ${status}`);
    // Point the document-relative refs at the registered components.
    return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${SPEC_ID}#/components/`)) as JsonObject;
  }
}

// ── webhooks ─────────────────────────────────────────────────────────────────────────────────

export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: PredictionJson;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** An HTTP server recording every delivery; `respond` picks the status for each one. */
export async function startWebhookReceiver(
  respond: (delivery: ReceivedWebhook, index: number) => number = () => 204,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const delivery = { headers: req.headers, rawBody, body: JSON.parse(rawBody) as PredictionJson };
      received.push(delivery);
      res.writeHead(respond(delivery, received.length - 1)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/replicate`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Standard Webhooks verification written from the spec, independently of the simulator's code. */
export function signatureIsValid(secret: string, delivery: ReceivedWebhook): boolean {
  const id = delivery.headers['webhook-id'];
  const timestamp = delivery.headers['webhook-timestamp'];
  const header = delivery.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof header !== 'string') return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.rawBody}`).digest('base64');
  return header.split(' ').some((entry) => entry === `v1,${expected}`);
}
