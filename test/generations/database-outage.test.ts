/**
 * The database goes away while `pixelgate serve` works, and comes back: the process survives, says
 * so on /readyz and in typed GraphQL errors while it is away, and finishes everything it admitted
 * once it returns — without an operator. Postgres backends are terminated five times (twice with
 * the database closed to new connections until the gateway notices) during 50 running generations
 * and a stream of new requests that carry idempotency keys.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import pg from 'pg';
import { inject } from 'vitest';
import { verifyLedger } from '../../src/billing/ledger.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import {
  GENERATE,
  type GenerateDocument,
  GET,
  type GetGenerationDocument,
  simulatedPredictionsFor,
  sleep,
  TERMINAL,
  type GenerationResult,
  type GraphQLErrorShape,
} from './helpers.ts';
import { startRestartHarness, type Served } from './served.ts';

interface Reply {
  readonly generation?: GenerationResult;
  readonly errors?: GraphQLErrorShape[];
  /** The request itself failed (no HTTP answer). */
  readonly transport?: string;
}

async function adminQuery(text: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** What `generateImage` or `generation` answers (codegen's types). */
type Answer = Partial<ResultOf<typeof GenerateDocument> & ResultOf<typeof GetGenerationDocument>>;

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

const test = base
  /**
   * The simulator, the database and `pixelgate serve` as a child process (served.ts), with a user
   * of $50 a day and limits out of the way. Connections are allowed again before the database is
   * dropped, whatever state a failed test left it in.
   */
  .extend('harness', { scope: 'file' }, async ({}, { onCleanup }) => {
    const harness = await startRestartHarness(0.2, { name: 'outage', dailyBudgetMicros: 50_000_000 });
    onCleanup(async () => {
      await adminQuery(`alter database ${harness.database.name} allow_connections true`).catch(() => undefined);
      await harness.close();
    });
    return harness;
  })
  .extend('served', { scope: 'file' }, ({ harness }): Promise<Served> => harness.start());

describe('a database that goes away and comes back', () => {
  test('stays up, reports the outage, and ends every admitted generation exactly once', async ({ harness, served }) => {
    const { sim, database } = harness;
    const { url, output } = served;
    const post = async (query: string, variables: Record<string, unknown>): Promise<Reply> => {
      try {
        const { data, errors } = await harness.graphql<Answer>(url, query, variables);
        return { generation: data?.generateImage ?? data?.generation ?? undefined, errors };
      } catch (error) {
        return { transport: String(error) };
      }
    };
    const readyz = async () => (await fetch(`${url}/readyz`)).status;
    const inputFor = (name: string, slow: boolean) => ({
      modelId: 'flux-schnell',
      prompt: `a lighthouse in a storm <${name}>${slow ? ' [sim:slow]' : ''}`,
      idempotencyKey: `outage-${name}`,
    });

    // 50 generations that run for a few seconds each: all of them are in flight during the outage.
    const running: GenerationResult[] = [];
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, index) => post(GENERATE, { input: inputFor(`running-${index}`, true) })),
    );
    for (const reply of replies) {
      expect(reply.errors, JSON.stringify(reply.errors)).toBeUndefined();
      running.push(reply.generation!);
    }

    // A stream of new requests, each with its own idempotency key, for as long as the trouble lasts.
    const stream: Array<{ name: string; reply: Reply }> = [];
    let streaming = true;
    const streamDone = (async () => {
      for (let index = 0; streaming; index += 1) {
        const name = `stream-${index}`;
        stream.push({ name, reply: await post(GENERATE, { input: inputFor(name, false) }) });
        await sleep(20);
      }
    })();

    const unavailableErrors: Reply[] = [];
    for (let round = 1; round <= 5; round += 1) {
      // Rounds 2 and 4 keep the database closed until the gateway has noticed; the others are blips.
      const outage = round % 2 === 0;
      if (outage) await adminQuery(`alter database ${database.name} allow_connections false`);
      await adminQuery('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database.name]);
      if (outage) {
        await until('/readyz reports the outage', async () => (await readyz()) === 503);
        unavailableErrors.push(await post(GET, { id: running[0]!.id }));
        await adminQuery(`alter database ${database.name} allow_connections true`);
      }
      await until('/readyz recovers', async () => (await readyz()) === 200);
      await sleep(300);
    }
    streaming = false;
    await streamDone;

    // While the database was away, GraphQL said so with the typed error of the contract.
    for (const reply of unavailableErrors) {
      expect(reply.errors?.[0]?.extensions).toMatchObject({
        code: 'INTERNAL_SERVER_ERROR',
        reason: 'DATABASE_UNAVAILABLE',
      });
    }
    // The stream ran through the trouble: some requests were admitted, and whatever was refused
    // was refused with a typed error (never a dropped connection).
    expect(stream.some(({ reply }) => reply.generation)).toBe(true);
    for (const { reply } of stream) {
      expect(reply.transport).toBeUndefined();
      if (!reply.generation) expect(reply.errors?.[0]?.extensions?.code, JSON.stringify(reply.errors)).toBeDefined();
    }

    // Every client with an idempotency key learns by replaying it whether it was admitted: the
    // same generation when it was, a newly admitted one when it was not — never a second one.
    const admitted = new Map<string, string>(running.map((generation, index) => [`running-${index}`, generation.id]));
    for (const { name, reply } of stream) {
      const replay = await post(GENERATE, { input: inputFor(name, false) });
      expect(replay.errors, JSON.stringify(replay.errors)).toBeUndefined();
      if (reply.generation) expect(replay.generation!.id).toBe(reply.generation.id);
      admitted.set(name, replay.generation!.id);
    }

    // Every generation ends, each with at most one upstream prediction.
    const final = new Map<string, GenerationResult>();
    await until(
      'every admitted generation has ended',
      async () => {
        for (const [name, id] of admitted) {
          if (final.has(name)) continue;
          const { generation } = await post(GET, { id });
          if (generation && TERMINAL.has(generation.status) && generation.costUsd !== null) final.set(name, generation);
        }
        return final.size === admitted.size;
      },
      45_000,
    );
    for (const [name, generation] of final) {
      const upstream = simulatedPredictionsFor(sim, `<${name}>`);
      expect(upstream.length, `${name}: ${generation.status}`).toBeLessThanOrEqual(1);
      if (generation.status === 'SUCCEEDED') expect(upstream).toHaveLength(1);
    }
    expect([...final.values()].filter((generation) => generation.status === 'SUCCEEDED').length).toBeGreaterThan(0);

    // The money adds up, and the process never died.
    const report = await verifyLedger(harness.db);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    expect(served.child.exitCode, output()).toBeNull();
    expect(await readyz()).toBe(200);
    // No database client, pool or socket was ever dumped into the log.
    expect(output()).not.toMatch(/secretKey|connectionParameters|_connecting|"_events"|Symbol\(/);
  });
});
