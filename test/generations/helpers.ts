/**
 * Helpers for generation tests: reading money and upstream traffic back, live subscriptions, rows
 * written straight to the database. The simulator-and-gateway environment is test/support/env.ts.
 */
import { randomUUID } from 'node:crypto';
import type { ResultOf, TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { sql } from 'kysely';
import WebSocket from 'ws';
import type { Db } from '../../src/db/index.ts';
import { insertGeneration } from '../../src/generations/store.ts';
import { webhookHeaders } from '../../src/replicate/index.ts';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import type { TestApp } from '../support/app.ts';
import type { Gateway, GenerationResult, GenerationsEnv } from '../support/env.ts';
import { rowId } from '../support/ids.ts';
import { graphql } from '../gql/index.ts';
import { normalizedRequest } from './normalized-request.ts';

// Moved to test/support/env.ts (no domain imports there); re-exported while tests still import them here.
export {
  CANCEL,
  CancelGenerationDocument,
  eventually,
  GENERATE,
  GenerateDocument,
  GET,
  GetGenerationDocument,
  sleep,
  startGenerationsEnv,
  TERMINAL,
  type Gateway,
  type GatewayOptions,
  type GenerationResult,
  type GenerationsEnv,
  type GraphQLErrorShape,
} from '../support/env.ts';
export { freePort } from '../support/ports.ts';

// The row helpers below take a generation's id from the API (a global id) or from the database.

/** Ledger rows of a generation by kind, e.g. { hold: 1, settle: 1 }. */
export async function ledgerKinds(db: Db, generationId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['kind', sql<number>`count(*)::int`.as('count')])
    .where('generation_id', '=', rowId(generationId))
    .groupBy('kind')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.kind, row.count]));
}

export async function holdOf(db: Db, generationId: string) {
  return db.selectFrom('holds').selectAll().where('generation_id', '=', rowId(generationId)).executeTakeFirst();
}

export async function predictionRows(db: Db, generationId: string) {
  return db
    .selectFrom('predictions')
    .selectAll()
    .where('generation_id', '=', rowId(generationId))
    .orderBy('position')
    .execute();
}

/** Upstream creates (either create endpoint). */
export function createRequests(sim: RunningSimulator): number {
  return sim.countRequests('POST', /^\/v1\/(models\/[^/]+\/[^/]+\/)?predictions$/);
}

export function simulatedPredictionsFor(sim: RunningSimulator, promptIncludes: string) {
  return sim.predictions().filter((prediction) => String(prediction.input.prompt ?? '').includes(promptIncludes));
}

export function wsClient(app: TestApp, key: string): Client {
  return createClient({
    url: `${app.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
}

const GenerationProgressSubscription = graphql(`
  subscription GenerationProgress($id: ID!) {
    generationProgress(id: $id) {
      ...GenerationFields
    }
  }
`);

/** A generationProgress subscription whose fields its caller chooses (`GenerationFields` by default). */
export type ProgressDocument<T> = TypedDocumentNode<{ generationProgress: T }, { id: string }>;

export interface SubscriptionRecord<T = GenerationResult> {
  readonly events: Array<{ at: number; generation: T }>;
  readonly errors: unknown[];
  readonly done: Promise<void>;
  stop(): void;
}

/** Subscribes to generationProgress (with `document`'s fields) and records every event with its arrival time. */
export function recordProgress(client: Client, id: string): SubscriptionRecord;
export function recordProgress<T>(client: Client, id: string, document: ProgressDocument<T>): SubscriptionRecord<T>;
export function recordProgress<T>(
  client: Client,
  id: string,
  document: ProgressDocument<T> = GenerationProgressSubscription as ProgressDocument<never>,
): SubscriptionRecord<T> {
  const events: SubscriptionRecord<T>['events'] = [];
  const errors: unknown[] = [];
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    stop = client.subscribe<ResultOf<typeof document>>(
      { query: print(document), variables: { id } },
      {
        next: (message) => {
          if (message.errors) errors.push(...message.errors);
          if (message.data) events.push({ at: Date.now(), generation: message.data.generationProgress });
        },
        error: (error) => {
          errors.push(error);
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  return { events, errors, done, stop: () => stop() };
}

/** A PROCESSING-ready generation of `userId` written straight to the database (no prediction, no hold). */
export async function insertRunningGeneration(db: Db, userId: string, prompt: string) {
  const now = new Date();
  const generation = await insertGeneration(db, {
    id: randomUUID(),
    userId,
    request: normalizedRequest({ prompt }),
    fingerprint: randomUUID(),
    idempotencyKey: null,
    estimatedCostMicros: 3_000,
    deadlineAt: new Date(now.getTime() + 3_600_000),
    now,
  });
  if (!generation) throw new Error('the generation was not inserted');
  return generation;
}

/** A prediction as Replicate's API (or a webhook) carries it. */
export type Payload = Record<string, unknown>;

/** The upstream prediction as Replicate's API shows it now. */
export async function upstreamPrediction(env: GenerationsEnv, replicateId: string): Promise<Payload> {
  const response = await fetch(`${env.sim.baseUrl}/predictions/${replicateId}`, {
    headers: { authorization: 'Bearer r8_test_token_for_the_simulator' },
  });
  return (await response.json()) as Payload;
}

let deliveries = 0;

/** Delivers `payload` to a gateway's Replicate webhook, signed as Replicate signs (or as `options` spoil it). */
export async function deliver(
  env: GenerationsEnv,
  gateway: Gateway,
  query: { generation: string; prediction: string },
  payload: Payload,
  options: { id?: string; secret?: string; timestamp?: Date } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const rawBody = JSON.stringify(payload);
  const headers = webhookHeaders({
    id: options.id ?? `msg_test_${++deliveries}_${Date.now()}`,
    timestamp: options.timestamp ?? new Date(),
    rawBody,
    secret: options.secret ?? env.sim.webhookSecret,
  });
  const url = `${gateway.app.url}/webhooks/replicate?generation=${query.generation}&prediction=${query.prediction}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: rawBody,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
