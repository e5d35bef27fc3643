/**
 * A simulator and one or more gateways against one database, as most end-to-end tests need them:
 * users come from the one user factory (users.ts), generations are started, read and waited for
 * through the public GraphQL API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { StartAppOptions } from '../../src/app.ts';
import type { Db } from '../../src/db/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { graphql } from '../gql/index.ts';
import type { GenerateImageInput } from '../gql/graphql.ts';
import { startTestApp, type GraphQLErrorShape, type TestApp } from './app.ts';
import { createEmptyDatabase, type TestDatabase } from './database.ts';
import { createTestUser, type TestUser } from './users.ts';

/** What most generation documents select (`...GenerationFields`); its answer type is `GenerationResult`. */
export const GenerationFieldsFragment = graphql(`
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

/** A generation as `GenerationFields` selects it (codegen's type, not a copy). */
export type GenerationResult = ResultOf<typeof GenerationFieldsFragment>;

// Defined beside GraphQLAnswer; re-exported for the tests that import it from here.
export type { GraphQLErrorShape };

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
  /** The file's own simulator (none with `simulator: false`: reading it throws). */
  readonly sim: RunningSimulator;
  readonly database: TestDatabase;
  readonly dataDir: string;
  readonly gateways: Gateway[];
  /** The first gateway. */
  readonly gateway: Gateway;
  startGateway(env?: Record<string, string>, options?: GatewayOptions): Promise<Gateway>;
  user(options?: { dailyBudgetMicros?: number }): Promise<TestUser>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly runWorker?: boolean;
  /** The gateway's clock (default: the real one). */
  readonly now?: () => Date;
  readonly generations?: StartAppOptions['generations'];
  readonly replicate?: StartAppOptions['replicate'];
  readonly onQuery?: StartAppOptions['onQuery'];
  readonly appWebhooks?: StartAppOptions['appWebhooks'];
  /** Where log lines go (at the env's LOG_LEVEL, silent unless a test sets it). */
  readonly logDestination?: { write(line: string): void };
}

/** A started gateway with the generation helpers tests use. */
function gatewayOf(app: TestApp): Gateway {
  const gateway: Gateway = {
    app,
    db: app.services.db,
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
        if (Date.now() > deadline) throw new Error(`generation ${id} still ${generation.status} after ${timeoutMs} ms`);
        await sleep(50);
      }
    },
  };
  return gateway;
}

export async function startGenerationsEnv(
  options: {
    speed?: number;
    env?: Record<string, string>;
    gateway?: GatewayOptions;
    /**
     * The simulator's options; `false`: no simulator of the test's own, the gateway uses the
     * built-in one (as `pixelgate serve` does without REPLICATE_API_TOKEN), for tests that never
     * look upstream.
     */
    simulator?: Parameters<typeof startSimulator>[0] | false;
  } = {},
): Promise<GenerationsEnv> {
  const ownSim =
    options.simulator === false ? undefined : await startTestSimulator(options.speed ?? 0.02, options.simulator);
  const database = await createEmptyDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-gen-test-'));
  const gateways: Gateway[] = [];

  async function startGateway(env: Record<string, string> = {}, gatewayOptions: GatewayOptions = {}) {
    const app = await startTestApp(
      {
        ...(ownSim
          ? { REPLICATE_API_TOKEN: 'r8_test_token_for_the_simulator', REPLICATE_API_BASE_URL: ownSim.baseUrl }
          : {}),
        PIXELGATE_DATA_DIR: dataDir,
        ...options.env,
        ...env,
      },
      { database, ...options.gateway, ...gatewayOptions },
    );
    const gateway = gatewayOf(app);
    gateways.push(gateway);
    return gateway;
  }

  const first = await startGateway();
  return {
    get sim() {
      if (!ownSim) throw new Error('this environment has no simulator of its own (simulator: false)');
      return ownSim;
    },
    database,
    dataDir,
    gateways,
    gateway: first,
    startGateway,
    /** A user with a $100 daily budget (or `dailyBudgetMicros`), limits out of the way. */
    user: (userOptions = {}) => createTestUser(first.app, { dailyBudgetMicros: 100_000_000, ...userOptions }),
    async close() {
      for (const gateway of gateways.splice(0).reverse()) await gateway.app.close();
      await ownSim?.close();
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

/** The simulator on a free port, its rate limits out of the way unless a test sets its own. */
export function startTestSimulator(
  speed: number,
  options: Parameters<typeof startSimulator>[0] = {},
): Promise<RunningSimulator> {
  return startSimulator({
    port: 0,
    speed,
    rateLimits: { createsPerMinute: 100_000, otherPerMinute: 1_000_000 },
    ...options,
  });
}
