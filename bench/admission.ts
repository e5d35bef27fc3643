/**
 * Benchmark: how fast `generateImage` is admitted now that the request never waits on Replicate.
 * Prints figures; not a test. Three measurements:
 *
 * 1. `generateImage` over GraphQL, 200 users at 50 connections (closed loop, DURATION s each),
 *    beside the bare Yoga + Pothos `{ hello }` baseline, in alternating rounds of one run.
 *    Accepted/s counts the generations committed during the run (answers with errors — e.g.
 *    UPSTREAM_BUSY — are not accepted); p50/p99 are every answer's. Then steady rates below
 *    that throughput (`STEADY_RATES`, open loop, each request another user's in turn), whose
 *    latency is the gateway's when it is not saturated.
 * 2. The answer time of `generateImage` while every upstream create hangs (the simulator's
 *    `timeout` fault): 20 requests one after another.
 * 3. The stop time of `pixelgate serve` after SIGINT to its process group, with generations
 *    queued behind hung creates.
 *
 * The gateway runs in this process beside the built-in simulator's HTTP server (speed 0.05); the
 * load generator runs in a worker thread. Measurement 2 (first, on an empty queue) uses a gateway
 * with its own worker, so the creates really hang; measurement 1 a gateway without one — the
 * request path alone, as when workers run in other processes — so that the worker's creates do
 * not share the 2 cores. The shared upstream budget is raised so that backpressure does not refuse
 * the queue the run builds (it measures admission, not Replicate's budget). Loopback only,
 * bounded by the durations.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/admission.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { serveCli } from '../test/foundation/process.ts';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { startApp } from '../src/app.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { createUser } from '../src/auth/users.ts';
import { silentLogger } from '../src/logger.ts';
import { startSimulator } from '../src/simulator/index.ts';
import {
  alternate,
  formatLoad,
  HELLO,
  loadAtConnections,
  requestsAtRate,
  startBareYoga,
  type LoadResult,
} from './baseline.ts';
import { benchConfig, openBenchDatabase, percentile } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 50;
const WARM_UP_S = 3;
const USERS = 200;
const HUNG_REQUESTS = 20;
/** Offered below the closed loop's throughput, for the latency of an unsaturated gateway. */
const STEADY_RATES = [100, 200];

const GENERATE = 'mutation($input: GenerateImageInput!) { generateImage(input: $input) { id status } }';

interface AdmissionResult extends LoadResult {
  readonly acceptedPerSecond: number;
}

function median<T extends LoadResult>(results: readonly T[]): T {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

type App = Awaited<ReturnType<typeof startApp>>;
type Simulator = Awaited<ReturnType<typeof startSimulator>>;
type BareYoga = Awaited<ReturnType<typeof startBareYoga>>;

async function main(): Promise<void> {
  const database = await openBenchDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-admission-'));
  const sim = await startSimulator({ port: 0, speed: 0.05 });
  const bare = await startBareYoga();
  try {
    const config = benchConfig({
      databaseUrl: database.url,
      dataDir,
      simulatorUrl: sim.baseUrl,
      // Backpressure must not refuse the queue measurement 1 builds: it measures admission, not
      // Replicate's budget (at the default 540 creates/min a deadline's worth of queue is ~1,000
      // generations, which a faster admission fills within one round).
      extra: { UPSTREAM_CREATES_PER_MINUTE: '1000000' },
    });
    let app = await startApp({ config, logger: silentLogger });
    let keys: string[];
    try {
      keys = await createBenchUsers(app);
      const hungLine = await measureHungCreates(app, sim, keys);
      // 1. Admission alone: a gateway that answers requests while workers elsewhere create.
      await app.close();
      app = await startApp({ config, logger: silentLogger, role: 'api' });
      await measureAdmission(app, bare, keys);
      console.log(hungLine);
    } finally {
      await app.close();
    }

    // 3. `pixelgate serve` stopped with SIGINT to its process group, creates hanging upstream.
    sim.injectFaults([{ method: 'POST', path: '/v1/models/**', fault: 'timeout', times: 100_000 }]);
    const stopMs = await stopTime(keys[0]!, {
      DATABASE_URL: database.url,
      REPLICATE_API_TOKEN: 'r8_bench_admission',
      REPLICATE_API_BASE_URL: sim.baseUrl,
      PIXELGATE_DATA_DIR: dataDir,
    });
    console.log(`\n3. pixelgate serve, SIGINT to the process group → exit: ${stopMs.toFixed(0)} ms`);
    sim.clearFaults();
  } finally {
    await bare.close();
    await sim.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** USERS users with budgets and limits this bench does not measure; their API keys. */
async function createBenchUsers(app: App): Promise<string[]> {
  const db = app.services.db;
  const keys: string[] = [];
  for (let index = 0; index < USERS; index++) {
    const user = await createUser(db, { name: `bench-${index}`, dailyBudgetMicros: 1_000_000_000_000 });
    keys.push((await createApiKey(db, user.id)).key);
  }
  // Per-user rate and concurrency limits are not what this measures.
  await db
    .updateTable('users')
    .set({ rate_limit_per_minute: 1_000_000, max_concurrent_generations: 1_000_000 })
    .execute();
  return keys;
}

/** 2. Every create hangs: the answer must not wait for it (`app` runs its worker). Its report line. */
async function measureHungCreates(app: App, sim: Simulator, keys: readonly string[]): Promise<string> {
  sim.injectFaults([{ method: 'POST', path: '/v1/models/**', fault: 'timeout', times: 100_000 }]);
  const latencies: number[] = [];
  const statuses = new Set<string>();
  for (let index = 0; index < HUNG_REQUESTS; index++) {
    const startedAt = performance.now();
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[index]}` },
      body: JSON.stringify({
        query: GENERATE,
        variables: { input: { modelId: 'flux-schnell', prompt: `a hung lighthouse ${index}` } },
      }),
    });
    const body = (await response.json()) as { data?: { generateImage?: { status: string } } };
    latencies.push(performance.now() - startedAt);
    statuses.add(body.data?.generateImage?.status ?? 'error');
  }
  sim.clearFaults();
  latencies.sort((a, b) => a - b);
  return (
    `\n2. generateImage while every upstream create hangs (${HUNG_REQUESTS} in a row): p50 ` +
    `${percentile(latencies, 0.5).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms, answers ${[...statuses].join(', ')}`
  );
}

/** 1. `generateImage` beside bare Yoga in alternating closed-loop rounds, then at steady rates. */
async function measureAdmission(app: App, bare: BareYoga, keys: readonly string[]): Promise<void> {
  const requests = keys.map((key, index) => ({
    method: 'POST' as const,
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: GENERATE,
      variables: { input: { modelId: 'flux-schnell', prompt: `an admitted lighthouse ${index}` } },
    }),
  }));
  const generations = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from generations`.execute(app.services.db)).rows[0]!.n);
  // Each connection sends its own users' requests (see admission-connection.cjs).
  process.env.PIXELGATE_BENCH_REQUESTS = JSON.stringify(requests);
  process.env.PIXELGATE_BENCH_CONNECTIONS = String(CONNECTIONS);
  const admission = async (durationSeconds = DURATION_S): Promise<AdmissionResult> => {
    const before = await generations();
    const result = await autocannon({
      url: app.url,
      connections: CONNECTIONS,
      duration: durationSeconds,
      // In workers mode autocannon takes its hooks as file paths; its types know only functions.
      setupClient: fileURLToPath(new URL('./admission-connection.cjs', import.meta.url)) as never,
      workers: 1,
    });
    const accepted = (await generations()) - before;
    return {
      requestsPerSecond: result.requests.total / Math.max(1e-3, result.duration),
      acceptedPerSecond: accepted / Math.max(1e-3, result.duration),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      requests: result.requests.total,
      failures: result.non2xx + result.errors + result.timeouts,
    };
  };

  console.log(
    `\n1. ${USERS} users at ${CONNECTIONS} connections × ${DURATION_S} s, ${ROUNDS} alternating rounds (median shown)`,
  );
  // Unrecorded warm-up of both servers: the first seconds of a fresh gateway (JIT, pools, the
  // day's budget-window rows created) ran 10-20 % slower than the rounds after them.
  await loadAtConnections({ url: bare.url, query: HELLO }, CONNECTIONS, WARM_UP_S);
  await admission(WARM_UP_S);
  const runs = await alternate<LoadResult | AdmissionResult>(ROUNDS, [
    ['bare Yoga { hello }', () => loadAtConnections({ url: bare.url, query: HELLO }, CONNECTIONS, DURATION_S)],
    ['generateImage', () => admission()],
  ]);
  const base = median(runs.get('bare Yoga { hello }')!);
  const generateRuns = runs.get('generateImage')! as AdmissionResult[];
  const generate = median(generateRuns);
  console.log(`  bare Yoga { hello }   ${formatLoad(base)}`);
  console.log(`  generateImage         ${formatLoad(generate, base)}`);
  console.log(
    `  accepted: ${generate.acceptedPerSecond.toFixed(0)}/s (rounds: ${generateRuns.map((run) => run.acceptedPerSecond.toFixed(0)).join(', ')})`,
  );
  // Below saturation, as a steady stream: each request another user's in turn.
  console.log(`  steady rates offered (${DURATION_S} s each, latency from when each request was due):`);
  for (const rate of STEADY_RATES) {
    const before = await generations();
    const steady = await requestsAtRate(
      app.url,
      requests.map(({ body, headers }) => ({ body, headers })),
      rate,
      DURATION_S,
    );
    const accepted = (await generations()) - before;
    console.log(`    ${String(rate).padStart(4)} req/s  ${formatLoad(steady)}  accepted ${accepted}`);
  }
}

async function stopTime(key: string, env: Record<string, string>): Promise<number> {
  const { child, url, exited } = await serveCli(env, { detached: true });
  // A queued generation whose create hangs upstream: the stop must not wait for it.
  await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: GENERATE,
      variables: { input: { modelId: 'flux-schnell', prompt: 'a lighthouse at shutdown' } },
    }),
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const startedAt = performance.now();
  process.kill(-child.pid!, 'SIGINT');
  const { code } = await exited;
  const elapsed = performance.now() - startedAt;
  if (code !== 0) console.log(`   (exit code ${code})`);
  return elapsed;
}

await main();
