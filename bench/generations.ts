/**
 * Benchmark: generations end to end through GraphQL against the built-in simulator
 * (SIMULATOR_SPEED 0.05), one gateway in this process. Prints figures; not a test.
 *
 * 1. 200 concurrent `generateImage` (flux-schnell): wall time until all are SUCCEEDED, mutation
 *    latency p50/p99, upstream requests per generation by endpoint, peak RSS of the process
 *    (gateway + simulator + load generator).
 * 2. 1,000 subscribers (one WebSocket each) on one generation (`[sim:slow]`, 1.5 s of progress):
 *    upstream requests for it next to the same generation with a single subscriber (the tracker
 *    is per prediction, so they should match), and fan-out latency p50/p99 — from the change's
 *    `updatedAt` to its arrival at each subscriber.
 *
 * Both of the Replicate client's outbound limits are raised for the run (by default creates are
 * held to 540/min, so 200 creates alone would take ~22 s by design): this measures the gateway,
 * not the rate policy. Uses a fresh database through DATABASE_URL (its server must allow CREATE
 * DATABASE), or embedded Postgres in a temporary directory when unset; everything is removed
 * afterwards. Loopback only, bounded by counts and a time cap.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/generations.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startApp, type RunningApp } from '../src/app.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { createUser } from '../src/auth/users.ts';
import { silentLogger } from '../src/logger.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { benchConfig, openBenchDatabase, percentile } from './support.ts';

const SPEED = 0.05;
const GENERATIONS = 200;
const SUBSCRIBERS = 1_000;
const TIME_CAP_MS = 180_000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

async function withDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const database = await openBenchDatabase();
  try {
    return await work(database.url);
  } finally {
    await database.close();
  }
}

/** Endpoint families of the simulator's request log. */
function endpointOf(method: string, requestPath: string): string {
  if (method === 'POST' && /^\/v1\/models\/[^/]+\/[^/]+\/predictions$/.test(requestPath)) return 'POST create';
  if (method === 'GET' && /^\/v1\/predictions\/[^/]+$/.test(requestPath)) return 'GET prediction';
  if (method === 'GET' && requestPath === '/v1/predictions') return 'GET list';
  if (method === 'POST' && requestPath.endsWith('/cancel')) return 'POST cancel';
  if (requestPath.startsWith('/files/')) return 'GET output file';
  return `${method} ${requestPath}`;
}

async function graphql<T>(app: RunningApp, key: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (!body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const GENERATE = `mutation($input: GenerateImageInput!) { generateImage(input: $input) { id status } }`;

async function waitUntilAllEnded(app: RunningApp, ids: readonly string[], deadline: number): Promise<void> {
  for (;;) {
    const rows = await app.services.db.selectFrom('generations').select('status').where('id', 'in', ids).execute();
    if (rows.filter((row) => TERMINAL.has(row.status)).length === ids.length) return;
    if (performance.now() > deadline) throw new Error('generations did not finish within the time cap');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function concurrentGenerations(app: RunningApp, sim: RunningSimulator, key: string, deadline: number) {
  sim.resetCounters();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const latencies: number[] = [];
  const startedAt = performance.now();
  const created = await Promise.all(
    Array.from({ length: GENERATIONS }, async (_, index) => {
      const began = performance.now();
      const data = await graphql<{ generateImage: { id: string; status: string } }>(app, key, GENERATE, {
        input: { modelId: 'flux-schnell', prompt: `bench fox ${index}` },
      });
      latencies.push(performance.now() - began);
      return data.generateImage;
    }),
  );
  const mutationsDoneAt = performance.now();
  await waitUntilAllEnded(
    app,
    created.map((generation) => generation.id),
    deadline,
  );
  const wallMs = performance.now() - startedAt;
  clearInterval(sampler);

  const statuses = await app.services.db
    .selectFrom('generations')
    .select('status')
    .where(
      'id',
      'in',
      created.map((generation) => generation.id),
    )
    .execute();
  const byEndpoint = new Map<string, number>();
  for (const request of sim.requests) {
    const endpoint = endpointOf(request.method, request.path);
    byEndpoint.set(endpoint, (byEndpoint.get(endpoint) ?? 0) + 1);
  }
  latencies.sort((a, b) => a - b);
  console.log(`\n${GENERATIONS} concurrent generateImage (flux-schnell, simulator speed ${SPEED})`);
  console.log(
    `  wall time until all ended:  ${ms(wallMs)} (mutations answered after ${ms(mutationsDoneAt - startedAt)})`,
  );
  console.log(
    `  succeeded:                  ${statuses.filter((row) => row.status === 'SUCCEEDED').length}/${GENERATIONS}`,
  );
  console.log(
    `  returned QUEUED:            ${created.filter((generation) => generation.status === 'QUEUED').length}/${GENERATIONS}`,
  );
  console.log(
    `  mutation latency:           p50 ${ms(percentile(latencies, 0.5))}, p99 ${ms(percentile(latencies, 0.99))}`,
  );
  console.log('  upstream requests per generation:');
  for (const [endpoint, count] of [...byEndpoint.entries()].sort()) {
    console.log(`    ${endpoint.padEnd(18)} ${(count / GENERATIONS).toFixed(2)}`);
  }
  console.log(`  peak RSS (whole process):   ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
}

interface FanOutRun {
  readonly upstreamGets: number;
  readonly latencies: number[];
  readonly subscribersCompleted: number;
  readonly events: number;
}

async function followOne(
  app: RunningApp,
  sim: RunningSimulator,
  key: string,
  subscribers: number,
  deadline: number,
): Promise<FanOutRun> {
  const clients: Client[] = Array.from({ length: subscribers }, () =>
    createClient({
      url: `${app.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
    }),
  );
  const { generateImage } = await graphql<{ generateImage: { id: string } }>(app, key, GENERATE, {
    input: { modelId: 'flux-schnell', prompt: `watched by ${subscribers} [sim:slow]` },
  });
  const latencies: number[] = [];
  let events = 0;
  const done = clients.map(
    (client) =>
      new Promise<boolean>((resolve) => {
        let first = true;
        client.subscribe<{ generationProgress: { status: string; updatedAt: string } }>(
          {
            query: 'subscription($id: ID!) { generationProgress(id: $id) { status percent updatedAt } }',
            variables: { id: generateImage.id },
          },
          {
            next: ({ data }) => {
              events++;
              // The first event is the state at subscription time, not a change being fanned out.
              if (data && !first) latencies.push(Date.now() - Date.parse(data.generationProgress.updatedAt));
              first = false;
            },
            error: () => resolve(false),
            complete: () => resolve(true),
          },
        );
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean[]>((_, reject) => {
    timer = setTimeout(() => reject(new Error('subscribers did not complete in time')), deadline - performance.now());
  });
  const completed = await Promise.race([Promise.all(done), timeout]).finally(() => clearTimeout(timer));
  await Promise.all(clients.map(async (client) => client.dispose()));
  const [prediction] = await app.services.db
    .selectFrom('predictions')
    .select('replicate_id')
    .where('generation_id', '=', generateImage.id)
    .execute();
  const upstreamGets = sim.countRequests('GET', new RegExp(`^/v1/predictions/${prediction!.replicate_id}$`));
  return {
    upstreamGets,
    latencies: latencies.sort((a, b) => a - b),
    subscribersCompleted: completed.filter(Boolean).length,
    events,
  };
}

async function main(): Promise<void> {
  const deadline = performance.now() + TIME_CAP_MS;
  const sim = await startSimulator({
    port: 0,
    speed: SPEED,
    rateLimits: { createsPerMinute: 1_000_000, otherPerMinute: 1_000_000 },
  });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-images-'));
  try {
    await withDatabase(async (databaseUrl) => {
      const config = benchConfig({ databaseUrl, dataDir, simulatorUrl: sim.baseUrl });
      const app = await startApp({
        config,
        logger: silentLogger,
        replicate: { limiter: { createsPerMinute: 1_000_000, otherRequestsPerMinute: 1_000_000 } },
      });
      try {
        const user = await createUser(app.services.db, { name: 'bench', dailyBudgetMicros: 1_000_000_000 });
        await app.services.db
          .updateTable('users')
          .set({ rate_limit_per_minute: 1_000_000, max_concurrent_generations: 1_000_000 })
          .where('id', '=', user.id)
          .execute();
        const { key } = await createApiKey(app.services.db, user.id);

        await concurrentGenerations(app, sim, key, deadline);

        const single = await followOne(app, sim, key, 1, deadline);
        const crowd = await followOne(app, sim, key, SUBSCRIBERS, deadline);
        console.log(`\n${SUBSCRIBERS} subscribers on one generation (flux-schnell [sim:slow], 1.5 s of progress)`);
        console.log(
          `  upstream GETs of the prediction: ${crowd.upstreamGets} (with 1 subscriber: ${single.upstreamGets})`,
        );
        console.log(`  subscriptions completed:         ${crowd.subscribersCompleted}/${SUBSCRIBERS}`);
        console.log(
          `  events delivered:                ${crowd.events} (${(crowd.events / SUBSCRIBERS).toFixed(1)} each)`,
        );
        console.log(
          `  fan-out latency (change → subscriber): p50 ${ms(percentile(crowd.latencies, 0.5))}, ` +
            `p99 ${ms(percentile(crowd.latencies, 0.99))}`,
        );
        console.log(`  peak RSS now:                    ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB\n`);
      } finally {
        await app.close();
      }
    });
  } finally {
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
