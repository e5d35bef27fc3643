/**
 * Benchmark: a fleet's layout against the all-in-one process, on the same simulator and Postgres
 * server (issue 24). Prints figures; not a test.
 *
 * Two layouts, each as real `pixelgate` processes on a database of its own (so that one layout's
 * worker never takes the other's jobs):
 * - all-in-one: one `pixelgate serve` (HTTP, WebSocket and the job worker in one process);
 * - fleet: `BENCH_API_PROCESSES` (default 1) `pixelgate serve --no-worker` and one `pixelgate worker`.
 *
 * Each layout is measured in turn, its rounds alternating with the bare Yoga + Pothos `{ hello }`
 * baseline: `generateImage` from 200 users at 50 connections (closed loop, `BENCH_SECONDS` each,
 * the connections split over the API processes, each connection its own users). Per layout:
 * admissions/s (generations committed during the round) and the answers' p50/p99; generations
 * completed/s during the rounds (the worker's pace while the API is loaded); then the drain — the
 * time until every admitted generation has ended, bounded by `DRAIN_CAP_S` — and the completions
 * per second over the whole run. The shared upstream budget and the simulator's limits are raised
 * out of the way: this measures the processes, not Replicate's budget. Loopback only, every phase
 * bounded; every process is killed at the end.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/fleet.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createApiKey } from '../src/auth/api-keys.ts';
import { createUser } from '../src/auth/users.ts';
import { connectDatabase, type DatabaseHandle } from '../src/db/index.ts';
import { silentLogger } from '../src/logger.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { runCli, serveCli, workerCli, type ServedCli } from '../test/foundation/process.ts';
import { alternate, formatLoad, HELLO, loadAtConnections, startBareYoga, type LoadResult } from './baseline.ts';
import { openBenchDatabase } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const API_PROCESSES = Number(process.env.BENCH_API_PROCESSES ?? 1);
const CONNECTIONS = 50;
const WARM_UP_S = 3;
const USERS = 200;
const DRAIN_CAP_S = 180;
const GENERATE = 'mutation($input: GenerateImageInput!) { generateImage(input: $input) { id status } }';

/** One `pixelgate` process of a layout. */
type Member = ServedCli;

interface Layout {
  readonly name: string;
  readonly apis: readonly Member[];
  readonly members: readonly Member[];
  readonly handle: DatabaseHandle;
  readonly keys: readonly string[];
  close(): Promise<void>;
}

interface RoundResult extends LoadResult {
  readonly admittedPerSecond: number;
  readonly completedPerSecond: number;
}

/** A database of its own, migrated, with 200 users whose own limits are out of the way. */
async function prepareDatabase(
  database: { url: string },
  env: Record<string, string>,
): Promise<{ handle: DatabaseHandle; keys: string[] }> {
  const migrated = await runCli(['migrate'], { ...env, DATABASE_URL: database.url }, 120_000);
  if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  const handle = connectDatabase(database.url, silentLogger, { max: 4 });
  const keys: string[] = [];
  for (let index = 0; index < USERS; index++) {
    const user = await createUser(handle.db, { name: `bench-${index}`, dailyBudgetMicros: 1_000_000_000_000 });
    keys.push((await createApiKey(handle.db, user.id)).key);
  }
  await handle.db
    .updateTable('users')
    .set({ rate_limit_per_minute: 1_000_000, max_concurrent_generations: 1_000_000 })
    .execute();
  return { handle, keys };
}

async function startLayout(name: string, fleet: boolean, env: Record<string, string>): Promise<Layout> {
  const database = await openBenchDatabase();
  const { handle, keys } = await prepareDatabase(database, env);
  const dataDirs: string[] = [];
  const members: Member[] = [];
  const own = async () => {
    // One data directory per process: a directory has one owner.
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-fleet-'));
    dataDirs.push(dataDir);
    return { ...env, DATABASE_URL: database.url, PIXELGATE_DATA_DIR: dataDir };
  };
  const close = async () => {
    for (const member of members) if (member.child.exitCode === null) member.child.kill('SIGKILL');
    await Promise.all(members.map((member) => member.exited));
    await handle.close();
    await database.close();
    for (const dataDir of dataDirs) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const apiArgs = fleet ? ['serve', '--no-worker'] : ['serve'];
    const apiCount = fleet ? API_PROCESSES : 1;
    for (let index = 0; index < apiCount; index++) members.push(await serveCli(await own(), { args: apiArgs }));
    const apis = [...members];
    if (fleet) members.push(await workerCli(await own()));
    return { name, apis, members, handle, keys, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const countWhere = async (handle: DatabaseHandle, ended: boolean) =>
  Number(
    (
      await sql<{ n: string }>`select count(*) as n from generations
        where ${ended ? sql`completed_at is not null` : sql`true`}`.execute(handle.db)
    ).rows[0]!.n,
  );

/** `generateImage` at 50 connections over the layout's API processes, each with its own users. */
async function admission(layout: Layout, durationSeconds: number): Promise<RoundResult> {
  const [admittedBefore, completedBefore] = [
    await countWhere(layout.handle, false),
    await countWhere(layout.handle, true),
  ];
  const perApi = Math.max(1, Math.floor(CONNECTIONS / layout.apis.length));
  const runs = layout.apis.map((api, apiIndex) => {
    const requests = layout.keys
      .filter((_, index) => index % layout.apis.length === apiIndex)
      .map((key, index) => ({
        method: 'POST' as const,
        path: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          query: GENERATE,
          variables: { input: { modelId: 'flux-schnell', prompt: `a fleet lighthouse ${apiIndex}-${index}` } },
        }),
      }));
    // Read by admission-connection.cjs in autocannon's worker thread, which copies the environment
    // when it starts: each API's load carries its own users.
    process.env.PIXELGATE_BENCH_REQUESTS = JSON.stringify(requests);
    process.env.PIXELGATE_BENCH_CONNECTIONS = String(perApi);
    return autocannon({
      url: api.url,
      connections: perApi,
      duration: durationSeconds,
      // In workers mode autocannon takes its hooks as file paths; its types know only functions.
      setupClient: fileURLToPath(new URL('./admission-connection.cjs', import.meta.url)) as never,
      workers: 1,
    });
  });
  const results = await Promise.all(runs);
  const duration = Math.max(...results.map((result) => result.duration), 1e-3);
  const total = results.reduce((sum, result) => sum + result.requests.total, 0);
  return {
    requestsPerSecond: total / duration,
    admittedPerSecond: ((await countWhere(layout.handle, false)) - admittedBefore) / duration,
    completedPerSecond: ((await countWhere(layout.handle, true)) - completedBefore) / duration,
    // With one API (the default) these are its figures; with more, the slowest API's.
    p50Ms: Math.max(...results.map((result) => result.latency.p50)),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    requests: total,
    failures: results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0),
  };
}

function median<T extends LoadResult>(results: readonly T[]): T {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Waits until every admitted generation has ended (at most DRAIN_CAP_S); the seconds it took. */
async function drain(layout: Layout): Promise<{ seconds: number; left: number }> {
  const startedAt = performance.now();
  for (;;) {
    const left = (await countWhere(layout.handle, false)) - (await countWhere(layout.handle, true));
    const seconds = (performance.now() - startedAt) / 1000;
    if (left === 0 || seconds > DRAIN_CAP_S) return { seconds, left };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function measure(layout: Layout, bare: { url: string }): Promise<void> {
  await loadAtConnections({ url: bare.url, query: HELLO }, CONNECTIONS, WARM_UP_S);
  const startedAt = performance.now();
  await admission(layout, WARM_UP_S);
  const runs = await alternate<LoadResult | RoundResult>(ROUNDS, [
    ['bare', () => loadAtConnections({ url: bare.url, query: HELLO }, CONNECTIONS, DURATION_S)],
    ['generateImage', () => admission(layout, DURATION_S)],
  ]);
  const base = median(runs.get('bare')!);
  const rounds = runs.get('generateImage') as RoundResult[];
  const middle = median(rounds);
  const { seconds, left } = await drain(layout);
  const ended = await countWhere(layout.handle, true);
  const wall = (performance.now() - startedAt) / 1000;
  const list = (pick: (round: RoundResult) => number) => rounds.map((round) => pick(round).toFixed(0)).join(', ');
  console.log(`\n${layout.name}`);
  console.log(`  bare Yoga { hello }  ${formatLoad(base)}`);
  console.log(`  generateImage        ${formatLoad(middle, base)}`);
  console.log(`  admitted/s (rounds): ${list((round) => round.admittedPerSecond)};  p99 ms: ${list((r) => r.p99Ms)}`);
  console.log(`  completed/s during the rounds: ${list((round) => round.completedPerSecond)}`);
  console.log(
    `  drain after the last round: ${seconds.toFixed(1)} s${left > 0 ? ` (${left} not ended at the cap!)` : ''}; ` +
      `${ended} generations ended in ${wall.toFixed(0)} s: ${(ended / wall).toFixed(0)} completed/s overall`,
  );
}

async function main(): Promise<void> {
  const sim = await startSimulator({
    port: 0,
    speed: 0.05,
    rateLimits: { createsPerMinute: 10_000_000, otherPerMinute: 10_000_000 },
  });
  const bare = await startBareYoga();
  const env = {
    REPLICATE_API_TOKEN: 'r8_bench_fleet',
    REPLICATE_API_BASE_URL: sim.baseUrl,
    UPSTREAM_CREATES_PER_MINUTE: '1000000',
    UPSTREAM_OTHER_REQUESTS_PER_MINUTE: '10000000',
  };
  console.log(
    `${USERS} users at ${CONNECTIONS} connections × ${DURATION_S} s, ${ROUNDS} rounds alternating with the baseline (median shown)`,
  );
  try {
    for (const [name, fleet] of [
      ['all-in-one: 1 × pixelgate serve', false],
      [`fleet: ${API_PROCESSES} × pixelgate serve --no-worker + 1 × pixelgate worker`, true],
    ] as const) {
      const layout = await startLayout(name, fleet, env);
      try {
        await measure(layout, bare);
      } finally {
        await layout.close();
      }
    }
  } finally {
    await bare.close();
    await sim.close();
  }
}

await main();
