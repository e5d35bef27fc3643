/**
 * What the benchmarks that play users of a gateway over HTTP share (`design-session.ts`,
 * `preferences.ts`): a simulator that never rate-limits them, users without request limits, and
 * GraphQL calls that stop the benchmark past its time cap, so it always ends by itself.
 */
import { performance } from 'node:perf_hooks';
import type { RunningApp } from '../src/app.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { createUser } from '../src/auth/users.ts';
import type { Db } from '../src/db/index.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';

export type BenchGraphql = <T>(
  app: RunningApp,
  key: string,
  query: string,
  variables: Record<string, unknown>,
) => Promise<T>;

/** A GraphQL client over HTTP that throws on any error, and on every call once `timeCapMs` from now has passed. */
export function boundedGraphql(timeCapMs: number): BenchGraphql {
  const deadline = performance.now() + timeCapMs;
  return async <T>(app: RunningApp, key: string, query: string, variables: Record<string, unknown>): Promise<T> => {
    if (performance.now() > deadline) throw new Error(`Benchmark exceeded ${timeCapMs} ms; stopping.`);
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown };
    if (body.errors || !body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
}

/**
 * Polls `generation(id)` until it SUCCEEDED and is settled (`costUsd` set); `fields` must select
 * `status` and `costUsd`. A generation that ends otherwise stops the benchmark.
 */
export async function settledGeneration<G extends { status: string; costUsd: string | null }>(
  graphql: BenchGraphql,
  app: RunningApp,
  key: string,
  id: string,
  fields: string,
): Promise<G> {
  for (;;) {
    const { generation } = await graphql<{ generation: G & { error: { code: string; message: string } | null } }>(
      app,
      key,
      `query($id: ID!) { generation(id: $id) { ${fields} error { code message } } }`,
      { id },
    );
    if (generation.status === 'SUCCEEDED' && generation.costUsd !== null) return generation;
    if (generation.status === 'FAILED' || generation.status === 'CANCELED') {
      throw new Error(`generation ${id} ended ${generation.status}: ${JSON.stringify(generation.error)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A user with `dailyBudgetMicros` and no per-minute or concurrency limit in the way, and their API key. */
export async function unlimitedUserKey(db: Db, name: string, dailyBudgetMicros: number): Promise<string> {
  const user = await createUser(db, { name, dailyBudgetMicros });
  await db
    .updateTable('users')
    .set({ rate_limit_per_minute: 100_000, max_concurrent_generations: 10_000 })
    .where('id', '=', user.id)
    .execute();
  return (await createApiKey(db, user.id)).key;
}

/** The built-in Replicate simulator on loopback at `speed`, with rate limits no benchmark reaches. */
export function startUnlimitedSimulator(speed: number): Promise<RunningSimulator> {
  return startSimulator({
    port: 0,
    host: '127.0.0.1',
    speed,
    rateLimits: { createsPerMinute: 100_000, otherPerMinute: 1_000_000 },
  });
}
