/**
 * Benchmark: GraphQL reads against the bare Yoga + Pothos `{ hello }` baseline, side by side in
 * one run, in alternating rounds (the machine is shared: compare ratios, not absolute figures).
 * Prints figures; not a test.
 *
 * - 50 connections × DURATION s each: baseline `{ hello }`; `models` (no key);
 *   `estimateCost` (no key); `viewer { id usage { … } }` with an API key.
 * - `models` and the baseline at a fixed 1,000 req/s offered: p50/p99 (latency includes queueing).
 *
 * One gateway in this process (database through DATABASE_URL — its server must allow CREATE
 * DATABASE — or embedded Postgres when unset); the load generator runs in a worker thread.
 * Loopback only, bounded by the durations.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/reads.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApp } from '../src/app.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { createUser } from '../src/auth/users.ts';
import { silentLogger } from '../src/logger.ts';
import {
  alternate,
  formatLoad,
  HELLO,
  loadAtConnections,
  loadAtRate,
  startBareYoga,
  type GraphQLOperation,
  type LoadResult,
} from './baseline.ts';
import { benchConfig, openBenchDatabase } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 50;
const RATE = 1_000;

const MODELS = '{ models { id name costPerImageUsd averageSeconds } }';
const ESTIMATE = 'query($input: EstimateCostInput!) { estimateCost(input: $input) { totalUsd perImageUsd } }';
const VIEWER = '{ viewer { id usage { spentUsd reservedUsd remainingDailyUsd } } }';

function median(results: readonly LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

async function main(): Promise<void> {
  const database = await openBenchDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-reads-'));
  const bare = await startBareYoga();
  try {
    // The simulator's address is never called: reads only.
    const config = benchConfig({ databaseUrl: database.url, dataDir, simulatorUrl: 'http://127.0.0.1:9' });
    const app = await startApp({ config, logger: silentLogger });
    try {
      const user = await createUser(app.services.db, { name: 'bench', dailyBudgetMicros: 1_000_000_000 });
      const { key } = await createApiKey(app.services.db, user.id);
      const baseline: GraphQLOperation = { url: bare.url, query: HELLO };
      const operations: Array<[string, GraphQLOperation]> = [
        ['models', { url: app.url, query: MODELS }],
        [
          'estimateCost',
          { url: app.url, query: ESTIMATE, variables: { input: { modelId: 'flux-schnell', count: 4 } } },
        ],
        ['viewer { usage } (API key)', { url: app.url, query: VIEWER, headers: { authorization: `Bearer ${key}` } }],
      ];

      console.log(`\n${CONNECTIONS} connections × ${DURATION_S} s, ${ROUNDS} alternating rounds (median round shown)`);
      const closed = await alternate(ROUNDS, [
        ['bare Yoga { hello }', () => loadAtConnections(baseline, CONNECTIONS, DURATION_S)],
        ...operations.map(
          ([label, operation]) => [label, () => loadAtConnections(operation, CONNECTIONS, DURATION_S)] as const,
        ),
      ]);
      const base = median(closed.get('bare Yoga { hello }')!);
      for (const [label, runs] of closed) {
        const shares = runs
          .map(
            (run, index) =>
              `${((100 * run.requestsPerSecond) / closed.get('bare Yoga { hello }')![index]!.requestsPerSecond).toFixed(0)} %`,
          )
          .join(', ');
        console.log(
          `  ${label.padEnd(28)} ${formatLoad(median(runs), label.startsWith('bare') ? undefined : base)}  (rounds: ${shares})`,
        );
      }

      console.log(`\nfixed ${RATE} req/s offered × ${DURATION_S} s (latency includes queueing)`);
      const open = await alternate(ROUNDS, [
        ['bare Yoga { hello }', () => loadAtRate(baseline, RATE, DURATION_S)],
        ['models', () => loadAtRate(operations[0]![1], RATE, DURATION_S)],
      ]);
      for (const [label, runs] of open) {
        const p99s = runs.map((run) => `${run.p99Ms.toFixed(0)} ms`).join(', ');
        console.log(`  ${label.padEnd(28)} ${formatLoad(median(runs))}  (p99 per round: ${p99s})`);
      }
    } finally {
      await app.close();
    }
  } finally {
    await bare.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
