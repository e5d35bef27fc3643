/**
 * Set-ups that test files share: a gateway (with the simulator, or bare) started before a describe's
 * tests and closed after them, `pixelgate serve` as a child process, users with an API key and a
 * budget, a running generation in the database, a database closed to connections for a while, and
 * counting the SQL statements a request sends.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { createUser } from '../../src/auth/users.ts';
import type { Db } from '../../src/db/index.ts';
import { insertGeneration } from '../../src/generations/store.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { startGenerationsEnv, type GenerationsEnv } from '../generations/helpers.ts';
import { startTestApp, type TestApp } from './app.ts';

export interface GenerationsFixture {
  readonly env: GenerationsEnv;
  /** A user with a large budget and rate limits out of the way. */
  readonly user: { userId: string; key: string };
  readonly key: string;
}

/**
 * The simulator and a gateway (`startGenerationsEnv`) for the enclosing describe, with one user:
 * started before its tests (`ready` receives them), closed after them.
 */
export function useGenerationsEnv(
  ready: (fixture: GenerationsFixture) => void,
  options: Parameters<typeof startGenerationsEnv>[0] = {},
  user: { dailyBudgetMicros?: number } = {},
): void {
  let env: GenerationsEnv | undefined;
  beforeAll(async () => {
    env = await startGenerationsEnv(options);
    const owner = await env.user(user);
    ready({ env, user: owner, key: owner.key });
  });
  afterAll(async () => {
    await env?.close();
  });
}

/** A pixelgate (`startTestApp`) for the enclosing describe: started before its tests, stopped after them. */
export function useTestApp(
  ready: (app: TestApp) => void,
  env: Parameters<typeof startTestApp>[0] = {},
  options: Parameters<typeof startTestApp>[1] = {},
): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp(env, options);
    ready(app);
  });
  afterAll(async () => {
    await app?.stop();
  });
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

/** A user with an API key; `openLimits` puts the rate and concurrency limits out of the way. */
export async function createUserWithKey(
  db: Db,
  options: { name: string; dailyBudgetMicros: number; openLimits?: boolean },
): Promise<{ userId: string; key: string }> {
  const user = await createUser(db, { name: options.name, dailyBudgetMicros: options.dailyBudgetMicros });
  if (options.openLimits ?? true) {
    await db
      .updateTable('users')
      .set({ rate_limit_per_minute: 100_000, max_concurrent_generations: 10_000 })
      .where('id', '=', user.id)
      .execute();
  }
  return { userId: user.id, key: (await createApiKey(db, user.id)).key };
}

/** A PROCESSING-ready generation of `userId` written straight to the database (no prediction, no hold). */
export async function insertRunningGeneration(db: Db, userId: string, prompt: string) {
  const now = new Date();
  const generation = await insertGeneration(db, {
    id: randomUUID(),
    userId,
    modelId: 'flux-schnell',
    mode: 'STANDARD',
    prompt,
    request: {},
    fingerprint: randomUUID(),
    idempotencyKey: null,
    imageCount: 1,
    estimatedCostMicros: 3_000,
    deadlineAt: new Date(now.getTime() + 3_600_000),
    now,
  });
  if (!generation) throw new Error('the generation was not inserted');
  return generation;
}

/**
 * Runs `work` while the database refuses connections and its open ones are terminated, then opens
 * it again (whatever `work` did).
 */
export async function withDatabaseClosed(
  database: { readonly url: string; readonly name: string },
  work: () => Promise<void>,
): Promise<void> {
  const adminClient = new pg.Client({ connectionString: database.url.replace(/\/[^/]+$/, '/postgres') });
  await adminClient.connect();
  try {
    await adminClient.query(`alter database ${database.name} allow_connections false`);
    await adminClient.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database.name],
    );
    await work();
  } finally {
    await adminClient.query(`alter database ${database.name} allow_connections true`);
    await adminClient.end();
  }
}

/**
 * Calls `attempt` until it gives a value other than undefined, for at most `timeoutMs`: for states
 * that are eventual, like the first answers after the database opens again. An assertion `attempt`
 * makes on a failed try fails at once; running out of time gives undefined.
 */
export async function untilAnswered<T>(
  attempt: () => Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Background work of a running gateway (heartbeats, job queue, pub/sub), not the request's. */
const BACKGROUND = /gateway_instances|graphile_worker|pg_notify|^\s*(un)?listen\b|set last_used_at/i;

/** True for a statement a running gateway sends on its own, whatever request is in flight. */
export function isBackgroundStatement(text: string): boolean {
  return BACKGROUND.test(text);
}

/** Counts the statements pg clients in this process send while `work` runs, background excluded. */
export async function countStatements(work: () => Promise<unknown>): Promise<number> {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let count = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: unknown } | undefined)?.text ?? '');
    if (!isBackgroundStatement(String(text))) count += 1;
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    prototype.query = original;
  }
  return count;
}
