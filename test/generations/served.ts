/**
 * `pixelgate serve` as a child process against a simulator in the test process, for the restart
 * tests: start it, SIGKILL it, start it again, and check that a generation finished exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { expect } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { type RunningSimulator } from '../../src/simulator/index.ts';
import { createMigratedDatabase, type TestDatabase } from '../support/database.ts';
import {
  GET,
  type GetGenerationDocument,
  ledgerKinds,
  simulatedPredictionsFor,
  sleep,
  TERMINAL,
  type GenerationResult,
} from './helpers.ts';
import { CliChildren, serveCli } from '../foundation/process.ts';
import { graphqlOverHttp, TEST_ADMIN_TOKEN } from '../support/app.ts';
import { startTestSimulator, type GraphQLErrorShape } from '../support/env.ts';
import { createTestUser, type TestUserOptions } from '../support/users.ts';

export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
}

export interface RestartHarness {
  readonly sim: RunningSimulator;
  /** The servers' database (its name and address), for tests that close it to connections. */
  readonly database: TestDatabase;
  readonly db: Db;
  /** The harness's user's API key, made through the first gateway started (read it after `start`). */
  readonly key: string;
  /** `env` adds to (or overrides) the server's environment; it leads a process group of its own. */
  start(env?: Record<string, string>): Promise<Served>;
  kill(served: Served): Promise<void>;
  /** Ctrl-C in a terminal: SIGINT to its whole process group; resolves with how it exited. */
  interrupt(served: Served): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  graphql<T>(
    url: string,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: GraphQLErrorShape[] }>;
  expectCompletedOnce(url: string, id: string, prompt: string): Promise<void>;
  close(): Promise<void>;
}

/** The harness's user: `restart`, $10 a day, the deployment's rate and concurrency limits. */
const RESTART_USER: TestUserOptions = { name: 'restart', dailyBudgetMicros: 10_000_000, openLimits: false };

export async function startRestartHarness(speed: number, user = RESTART_USER): Promise<RestartHarness> {
  const sim = await startTestSimulator(speed, { rateLimits: { createsPerMinute: 10_000, otherPerMinute: 100_000 } });
  const database = await createMigratedDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-restart-'));
  let key: string | undefined;
  const env = {
    PIXELGATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    DATABASE_URL: database.url,
    REPLICATE_API_TOKEN: 'r8_test_token_for_the_simulator',
    REPLICATE_API_BASE_URL: sim.baseUrl,
    PIXELGATE_DATA_DIR: dataDir,
  };
  const children = new CliChildren();

  /** As the user, over HTTP: what TestApp's `graphql` does for a gateway in this process. */
  const graphql = <T>(url: string, query: string, variables: Record<string, unknown>) =>
    graphqlOverHttp(url).graphql<T>(query, variables, key!);

  return {
    sim,
    database,
    db: database.handle.db,
    get key() {
      if (!key) throw new Error('the harness makes its user through the first gateway it starts');
      return key;
    },
    graphql,
    async start(extra = {}) {
      const served = await serveCli({ ...env, ...extra }, { detached: true, children });
      key ??= (await createTestUser(graphqlOverHttp(served.url), user)).key;
      return served;
    },
    async kill(served) {
      served.child.kill('SIGKILL');
      await served.exited;
    },
    async interrupt(served) {
      process.kill(-served.child.pid!, 'SIGINT');
      return served.exited;
    },
    async expectCompletedOnce(url, id, prompt) {
      const deadline = Date.now() + 45_000;
      let done: GenerationResult | undefined;
      while (!done) {
        const generation = (await graphql<ResultOf<typeof GetGenerationDocument>>(url, GET, { id })).data?.generation;
        if (generation && TERMINAL.has(generation.status) && generation.costUsd !== null) done = generation;
        else if (Date.now() > deadline)
          throw new Error(`generation ${id} did not finish: ${JSON.stringify(generation)}`);
        else await sleep(100);
      }
      expect(done.status).toBe('SUCCEEDED');
      expect(done.images).toHaveLength(1);
      const image = await fetch(done.images[0]!.url);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(done.costUsd).toBe('0.003');
      expect(await ledgerKinds(database.handle.db, id)).toEqual({ hold: 1, settle: 1 });
      expect(simulatedPredictionsFor(sim, prompt)).toHaveLength(1);
    },
    async close() {
      await children.stop();
      await sim.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
