/**
 * Helpers for generation tests: a simulator and one or more gateways against one database, users
 * with API keys, waiting for states, reading money and upstream traffic back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { sql } from 'kysely';
import { print, type DocumentNode } from 'graphql';
import WebSocket from 'ws';
import type { StartAppOptions } from '../../src/app.ts';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { createUser } from '../../src/auth/users.ts';
import type { Db } from '../../src/db/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createEmptyDatabase, type TestDatabase } from '../support/database.ts';
import { rowId } from '../support/ids.ts';
import { graphql } from '../gql/index.ts';
import type { GenerateImageInput } from '../gql/graphql.ts';

const GenerationFieldsFragment = graphql(`
  fragment GenerationFields on Generation {
    id
    status
    percent
    progressKind
    prompt
    count
    mode
    estimatedCostUsd
    costUsd
    model {
      id
    }
    images {
      url
      width
      height
      contentType
      bytes
      sha256
    }
    error {
      code
      message
      retryable
    }
    createdAt
    updatedAt
    startedAt
    completedAt
  }
`);

/** A fragment document's own selection as text (the definitions of fragments it spreads left out). */
export function fieldsOf(fragment: DocumentNode): string {
  return print(fragment.definitions[0]!)
    .replace(/^fragment \w+ on \w+ \{/, '')
    .replace(/\}\s*$/, '');
}

/** The fields of `GenerationFields`, for operations written as strings (subscriptions with fields of their own). */
export const GENERATION_FIELDS = fieldsOf(GenerationFieldsFragment);

export interface GenerationResult {
  id: string;
  status: string;
  percent: number | null;
  progressKind: string;
  prompt: string;
  count: number;
  mode: string;
  estimatedCostUsd: string;
  costUsd: string | null;
  model: { id: string };
  images: Array<{ url: string; width: number; height: number; contentType: string; bytes: number; sha256: string }>;
  error: { code: string; message: string; retryable: boolean } | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface GraphQLErrorShape {
  message: string;
  extensions?: Record<string, unknown>;
}

export const GenerateDocument = graphql(`
  mutation Generate($input: GenerateImageInput!) {
    generateImage(input: $input) {
      ...GenerationFields
    }
  }
`);

export const GetGenerationDocument = graphql(`
  query GetGeneration($id: ID!) {
    generation(id: $id) {
      ...GenerationFields
    }
  }
`);

export const CancelGenerationDocument = graphql(`
  mutation CancelGeneration($id: ID!) {
    cancelGeneration(id: $id) {
      ...GenerationFields
    }
  }
`);

/** The same operations as text, for senders without the typed client (a child process's HTTP, raw fetch). */
export const GENERATE = print(GenerateDocument);
export const GET = print(GetGenerationDocument);
export const CANCEL = print(CancelGenerationDocument);

export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

export interface Gateway {
  readonly app: TestApp;
  readonly db: Db;
  generate(
    key: string,
    input: Record<string, unknown>,
  ): Promise<{ generation?: GenerationResult; errors?: GraphQLErrorShape[] }>;
  get(key: string, id: string): Promise<GenerationResult>;
  waitFor(
    key: string,
    id: string,
    done?: (g: GenerationResult) => boolean,
    timeoutMs?: number,
  ): Promise<GenerationResult>;
}

export interface GenerationsEnv {
  readonly sim: RunningSimulator;
  readonly database: TestDatabase;
  readonly dataDir: string;
  readonly gateways: Gateway[];
  /** The first gateway. */
  readonly gateway: Gateway;
  startGateway(env?: Record<string, string>, options?: GatewayOptions): Promise<Gateway>;
  user(options?: { dailyBudgetMicros?: number }): Promise<{ userId: string; key: string }>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly runWorker?: boolean;
  readonly generations?: StartAppOptions['generations'];
  readonly replicate?: StartAppOptions['replicate'];
  readonly onQuery?: StartAppOptions['onQuery'];
  readonly appWebhooks?: StartAppOptions['appWebhooks'];
}

export async function startGenerationsEnv(
  options: {
    speed?: number;
    env?: Record<string, string>;
    gateway?: GatewayOptions;
    simulator?: Parameters<typeof startSimulator>[0];
  } = {},
): Promise<GenerationsEnv> {
  const sim = await startSimulator({
    port: 0,
    speed: options.speed ?? 0.02,
    rateLimits: { createsPerMinute: 100_000, otherPerMinute: 1_000_000 },
    ...options.simulator,
  });
  const database = await createEmptyDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-gen-test-'));
  const gateways: Gateway[] = [];

  async function startGateway(env: Record<string, string> = {}, gatewayOptions: GatewayOptions = {}) {
    const app = await startTestApp(
      {
        REPLICATE_API_TOKEN: 'r8_test_token_for_the_simulator',
        REPLICATE_API_BASE_URL: sim.baseUrl,
        PIXELGATE_DATA_DIR: dataDir,
        ...options.env,
        ...env,
      },
      { database, ...options.gateway, ...gatewayOptions },
    );
    const db = app.services.db;
    const gateway: Gateway = {
      app,
      db,
      async generate(key, input) {
        // Inputs are what each test sends, invalid ones included: checked by the server, not by tsc.
        const result = await app.graphql(GenerateDocument, { input: input as GenerateImageInput }, key);
        return { generation: result.data?.generateImage ?? undefined, errors: result.errors };
      },
      async get(key, id) {
        const result = await app.graphql(GetGenerationDocument, { id }, key);
        if (!result.data?.generation) throw new Error(`generation ${id}: ${JSON.stringify(result.errors)}`);
        return result.data.generation;
      },
      async waitFor(key, id, done = (g) => TERMINAL.has(g.status), timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const generation = await gateway.get(key, id);
          if (done(generation)) return generation;
          if (Date.now() > deadline)
            throw new Error(`generation ${id} still ${generation.status} after ${timeoutMs} ms`);
          await sleep(50);
        }
      },
    };
    gateways.push(gateway);
    return gateway;
  }

  const first = await startGateway();
  return {
    sim,
    database,
    dataDir,
    gateways,
    gateway: first,
    startGateway,
    async user(userOptions = {}) {
      const user = await createUser(first.db, {
        name: `user-${Math.random().toString(36).slice(2, 8)}`,
        dailyBudgetMicros: userOptions.dailyBudgetMicros ?? 100_000_000,
      });
      // Rate and concurrency limits are the cost-control tests' business: out of the way here.
      await first.db
        .updateTable('users')
        .set({ rate_limit_per_minute: 100_000, max_concurrent_generations: 10_000 })
        .where('id', '=', user.id)
        .execute();
      const key = await createApiKey(first.db, user.id);
      return { userId: user.id, key: key.key };
    },
    async close() {
      for (const gateway of gateways.splice(0).reverse()) await gateway.app.close();
      await sim.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

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

/** A free TCP port on loopback (bound, then released), for gateways that must know their URL. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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

export interface SubscriptionRecord {
  readonly events: Array<{ at: number; generation: GenerationResult }>;
  readonly errors: unknown[];
  readonly done: Promise<void>;
  stop(): void;
}

/** Subscribes to generationProgress and records every event with its arrival time. */
export function recordProgress(client: Client, id: string, fields = GENERATION_FIELDS): SubscriptionRecord {
  const events: SubscriptionRecord['events'] = [];
  const errors: unknown[] = [];
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    stop = client.subscribe<{ generationProgress: GenerationResult }>(
      { query: `subscription($id: ID!) { generationProgress(id: $id) { ${fields} } }`, variables: { id } },
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
