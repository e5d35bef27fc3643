/**
 * Benchmark: webhooks to apps over loopback. Prints figures; not a test.
 *
 * - Throughput: events recorded straight into the outbox (`app_webhook_record`, as the triggers
 *   do) for one user whose endpoints all answer 204 at once: deliveries per second from the first
 *   record to the last arrival, with 1 endpoint (its queue runs one attempt at a time) and with 8.
 * - Isolation: one event a user every 50 ms for 10 s to three users — a healthy endpoint, one that
 *   never answers (each attempt waits out the 15 s timeout) and one that answers 500 (retried on a
 *   1 s schedule) — against the healthy endpoint alone at the same rate: enqueue → delivered p50 and
 *   p99 of the healthy endpoint (record committed → the receiver has the request).
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/webhooks.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { startApp } from '../src/app.ts';
import { createEndpoint } from '../src/app-webhooks/endpoints.ts';
import { createUser } from '../src/auth/users.ts';
import type { Db } from '../src/db/index.ts';
import { silentLogger } from '../src/logger.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { benchConfig, openBenchDatabase, percentile } from './support.ts';

type Behaviour = 'ok' | 'hang' | 'fail';

interface BenchReceiver {
  readonly url: string;
  /** Arrival time (ms) of the first request of each generation id in the body. */
  readonly arrivals: Map<string, number>;
  close(): Promise<void>;
}

async function startBenchReceiver(behaviour: Behaviour): Promise<BenchReceiver> {
  const arrivals = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.timeOrigin + performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { generation: { id: string } } };
      const id = Buffer.from(body.data.generation.id, 'base64').toString('utf8').split(':')[1]!;
      if (!arrivals.has(id)) arrivals.set(id, at);
      if (behaviour === 'hang') return;
      response.writeHead(behaviour === 'ok' ? 204 : 500).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    arrivals,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Records one event for the user as the triggers do; resolves with the commit time (ms). */
async function record(db: Db, userId: string): Promise<{ id: string; at: number }> {
  const id = randomUUID();
  const data = {
    generationId: id,
    status: 'QUEUED',
    modelId: 'flux-schnell',
    imageCount: 1,
    estimatedCostMicros: 3000,
  };
  await sql`select app_webhook_record(${userId}::uuid, 'generation.queued', ${`bench:${id}`},
    ${JSON.stringify(data)}::jsonb, now())`.execute(db);
  return { id, at: performance.timeOrigin + performance.now() };
}

async function userWithEndpoints(db: Db, receivers: readonly BenchReceiver[]): Promise<string> {
  const user = await createUser(db, { name: `bench-${randomUUID().slice(0, 8)}`, dailyBudgetMicros: 1_000_000 });
  for (const receiver of receivers) {
    await db
      .transaction()
      .execute((trx) =>
        createEndpoint(trx, user.id, { url: receiver.url, eventTypes: null, description: '' }, new Date()),
      );
  }
  return user.id;
}

async function until(done: () => boolean, capMs: number): Promise<boolean> {
  const deadline = Date.now() + capMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

async function throughput(db: Db, endpoints: number, events: number): Promise<string> {
  const receivers = await Promise.all(Array.from({ length: endpoints }, () => startBenchReceiver('ok')));
  const userId = await userWithEndpoints(db, receivers);
  const started = performance.timeOrigin + performance.now();
  for (let index = 0; index < events; index += 1) await record(db, userId);
  const finished = await until(() => receivers.every((receiver) => receiver.arrivals.size === events), 120_000);
  const last = Math.max(...receivers.flatMap((receiver) => [...receiver.arrivals.values()]));
  await Promise.all(receivers.map((receiver) => receiver.close()));
  const deliveries = events * endpoints;
  const seconds = (last - started) / 1000;
  return `${endpoints} endpoint(s), ${deliveries} deliveries: ${(deliveries / seconds).toFixed(0)}/s${finished ? '' : ' (time cap hit)'}`;
}

/** One event a user every `everyMs` for `forMs`; the healthy endpoint's enqueue → delivered figures. */
async function isolation(db: Db, neighbours: readonly Behaviour[], everyMs: number, forMs: number): Promise<string> {
  const healthy = await startBenchReceiver('ok');
  const others = await Promise.all(neighbours.map((behaviour) => startBenchReceiver(behaviour)));
  const healthyUser = await userWithEndpoints(db, [healthy]);
  const otherUsers = await Promise.all(others.map((receiver) => userWithEndpoints(db, [receiver])));
  const sent = new Map<string, number>();
  const end = Date.now() + forMs;
  while (Date.now() < end) {
    const tick = Date.now();
    const [mine] = await Promise.all([record(db, healthyUser), ...otherUsers.map((userId) => record(db, userId))]);
    sent.set(mine!.id, mine!.at);
    await sleep(Math.max(0, everyMs - (Date.now() - tick)));
  }
  await until(() => healthy.arrivals.size === sent.size, 60_000);
  const latencies = [...sent].map(([id, at]) => (healthy.arrivals.get(id) ?? Number.NaN) - at).sort((a, b) => a - b);
  await Promise.all([healthy, ...others].map((receiver) => receiver.close()));
  const missing = latencies.filter(Number.isNaN).length;
  const seen = latencies.filter((value) => !Number.isNaN(value));
  const label = neighbours.length === 0 ? 'healthy alone' : `healthy beside ${neighbours.join(' + ')}`;
  return `${label}: ${seen.length} events, p50 ${percentile(seen, 0.5).toFixed(1)} ms, p99 ${percentile(seen, 0.99).toFixed(1)} ms${missing ? `, ${missing} missing` : ''}`;
}

async function main(): Promise<void> {
  const database = await openBenchDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-webhooks-'));
  const sim = await startSimulator({ port: 0, speed: 0.05, logger: silentLogger });
  const config = benchConfig({
    databaseUrl: database.url,
    dataDir,
    simulatorUrl: sim.baseUrl,
    extra: { WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,1,1,1,1,1,1,1,1,1' },
  });
  const app = await startApp({ config, logger: silentLogger });
  try {
    const db = app.services.db;
    const events = Number(process.env.BENCH_EVENTS ?? 300);
    console.log(`node ${process.version}`);
    console.log(await throughput(db, 1, events));
    console.log(await throughput(db, 8, Math.round(events / 4)));
    const forMs = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
    console.log(await isolation(db, [], 50, forMs));
    console.log(await isolation(db, ['hang', 'fail'], 50, forMs));
  } finally {
    await app.close();
    await sim.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
