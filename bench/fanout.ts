/**
 * Benchmark: live fan-out to 5,000 graphql-ws subscribers (one socket each, loopback), pixelgate
 * beside a raw graphql-ws server in the same run. Prints figures; not a test.
 *
 * - pixelgate: a gateway (its own process; database through DATABASE_URL — its server must allow
 *   CREATE DATABASE — or embedded Postgres when unset) against the built-in simulator (in this
 *   process). One `[sim:cold] [sim:slow]` generation: it waits in `starting` while the
 *   subscribers connect to its `generationProgress`, then moves. Latency runs from the change's
 *   commit (`Generation.updatedAt` in the payload) to its arrival at each client; only changes
 *   committed after every subscriber was connected count.
 * - raw graphql-ws: graphql-ws's own `useServer` on `ws` with a trivial subscription schema (its
 *   own process; each subscriber's event executed and stringified by graphql-ws) pushing a payload
 *   of the same shape once a second, 10 times (about the pace of the generation's changes);
 *   latency from the push (`updatedAt`) to arrival.
 * - Memory: each server's RSS (and heap) after a GC with every subscriber connected and idle,
 *   minus the same before any connected, divided by the subscribers.
 *
 * The subscribers live in BENCH_CLIENT_PROCESSES (default 4) child processes, so the servers' RSS
 * is theirs alone and no process holds 5,000 client sockets. A server process needs a file
 * descriptor per subscriber (`ulimit -n` above BENCH_SUBSCRIBERS, default 5,000; raise it in the
 * shell that starts the benchmark if it is lower). Loopback only, bounded by counts and a time cap.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/fanout.ts
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startApp } from '../src/app.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { createUser } from '../src/auth/users.ts';
import { silentLogger } from '../src/logger.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { memory, onMessages, TERMINAL, type Message, type Sample } from './fanout-peers.ts';
import { benchConfig, openBenchDatabase, percentile } from './support.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 5_000);
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 4);
/**
 * Simulator speed: `[sim:cold]` waits 60 × speed s — the time to connect everyone —, `[sim:slow]`
 * runs 30 × speed s. By default from the raw run's connection time (pixelgate's subscribe reads the
 * generation, so it connects slower: 2-2.5× in our runs): 4 × that, at least 60 s.
 */
const SPEED = process.env.BENCH_SPEED ? Number(process.env.BENCH_SPEED) : undefined;
const TIME_CAP_MS = 900_000;

const SELECTION =
  '{ id status phase percent progressKind prompt createdAt startedAt updatedAt completedAt estimatedCostUsd costUsd images { url } }';
/** The same operation on both servers (the raw one's schema has the same names). */
const QUERY = `subscription($id: ID!) { generationProgress(id: $id) ${SELECTION} }`;

// ── child processes ─────────────────────────────────────────────────────────────────────────────

const PEERS = fileURLToPath(new URL('./fanout-peers.ts', import.meta.url));

/**
 * A child process — `gateway` (this script), `clients` or `raw` (fanout-peers.ts) — and a way to
 * await its messages by type.
 */
function spawnChild(mode: 'gateway' | 'clients' | 'raw', init: Record<string, unknown>) {
  const script = mode === 'gateway' ? fileURLToPath(import.meta.url) : PEERS;
  // BENCH_CPU_PROF=<dir>: the gateway writes a V8 CPU profile there when it stops.
  const profile =
    mode === 'gateway' && process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [];
  const child = fork(script, [mode], {
    execArgv: [...process.execArgv, '--expose-gc', ...profile],
    serialization: 'advanced',
    stdio: 'inherit',
  });
  // Messages nobody awaits yet wait here, by type.
  const queued = new Map<string, Message[]>();
  const waiting = new Map<string, Array<(message: Message) => void>>();
  child.on('message', (message: Message) => {
    const waiter = waiting.get(message.type)?.shift();
    if (waiter) waiter(message);
    else queued.set(message.type, [...(queued.get(message.type) ?? []), message]);
  });
  const next = (type: string) =>
    new Promise<Message>((resolve, reject) => {
      const message = queued.get(type)?.shift();
      if (message) return resolve(message);
      waiting.set(type, [...(waiting.get(type) ?? []), resolve]);
      child.once('exit', (code) => reject(new Error(`${mode} process exited (${code}) before "${type}"`)));
    });
  child.send({ type: 'init', ...init });
  return { child, next, send: (message: Message) => child.send(message) };
}
type Child = ReturnType<typeof spawnChild>;

/** The gateway: database, app, one user with an API key; memory on request. */
async function gatewayProcess(init: Message): Promise<void> {
  const database = await openBenchDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-fanout-'));
  const config = benchConfig({
    databaseUrl: database.url,
    dataDir,
    simulatorUrl: String(init.simulatorUrl),
    // One user watching one generation from 5,000 sockets: the per-user cap (20) would refuse them.
    extra: {
      WS_MAX_SOCKETS_PER_USER: String(SUBSCRIBERS + 100),
      WS_MAX_SOCKETS: String(SUBSCRIBERS + 100),
      // Every subscriber connects from 127.0.0.1 and authenticates in `connection_init`, 200 at a
      // time: the per-address cap on sockets not yet authenticated (20) would refuse the rest 429.
      WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: String(SUBSCRIBERS + 100),
      // Every subscriber is the one bench user: its events are not paced, per user or per instance
      // (the fan-out is measured).
      WS_MAX_BYTES_PER_SECOND_PER_USER: String(SUBSCRIBERS * 1024 * 1024),
      WS_MAX_BYTES_PER_SECOND: String(SUBSCRIBERS * 1024 * 1024),
    },
  });
  // The cold start outlasts flux-schnell's deadline (120 s) when connecting takes long: not what is measured.
  const app = await startApp({ config, logger: silentLogger, generations: { deadlineSeconds: () => 3_600 } });
  const user = await createUser(app.services.db, { name: 'bench', dailyBudgetMicros: 1_000_000_000 });
  const { key } = await createApiKey(app.services.db, user.id);
  onMessages(async (message) => {
    if (message.type === 'memory') process.send!(await memory());
    if (message.type === 'stop') {
      await app.close();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.send!({ type: 'started', url: app.url, key });
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────────

interface FanOut {
  readonly latencies: number[];
  readonly bytesPerSubscriber: number;
  readonly heapPerSubscriber: number;
  readonly failures: number;
  readonly connectMs: number;
}

/**
 * Connects SUBSCRIBERS across the client processes, measures the server's memory with them idle,
 * starts the events (`go`), and returns the latencies of changes committed after `go` was called.
 */
async function fanOut(server: Child, operation: Record<string, unknown>, go: () => Promise<void>): Promise<FanOut> {
  const before = await (server.send({ type: 'memory' }), server.next('memory'));
  const clients = Array.from({ length: CLIENT_PROCESSES }, (_, index) =>
    spawnChild('clients', {
      ...operation,
      count: Math.floor(SUBSCRIBERS / CLIENT_PROCESSES) + (index < SUBSCRIBERS % CLIENT_PROCESSES ? 1 : 0),
    }),
  );
  try {
    const readies = await Promise.all(clients.map((client) => client.next('ready')));
    const connectMs = Math.max(...readies.map((ready) => ready.connectMs as number));
    const after = await (server.send({ type: 'memory' }), server.next('memory'));
    const startedAt = Date.now();
    const dones = Promise.all(clients.map((client) => client.next('done')));
    await go();
    const results = await dones;
    const latencies = results
      .flatMap((result) => result.samples as Sample[])
      .filter((sample) => sample.committedAt >= startedAt)
      .map((sample) => sample.latencyMs)
      .sort((a, b) => a - b);
    return {
      latencies,
      bytesPerSubscriber: ((after.rss as number) - (before.rss as number)) / SUBSCRIBERS,
      heapPerSubscriber: ((after.heapUsed as number) - (before.heapUsed as number)) / SUBSCRIBERS,
      failures: [...readies, ...results].reduce((sum, message) => sum + (message.failures as number), 0),
      connectMs,
    };
  } finally {
    for (const client of clients) client.send({ type: 'stop' });
  }
}

async function pixelgateRun(speed: number): Promise<FanOut> {
  const sim = await startSimulator({
    port: 0,
    speed,
    rateLimits: { createsPerMinute: 1_000_000, otherPerMinute: 1_000_000 },
  });
  const gateway = spawnChild('gateway', { simulatorUrl: sim.baseUrl });
  try {
    const { url, key } = (await gateway.next('started')) as unknown as { url: string; key: string };
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: 'mutation($input: GenerateImageInput!) { generateImage(input: $input) { id } }',
        variables: { input: { modelId: 'flux-schnell', prompt: 'fan-out bench [sim:cold] [sim:slow]' } },
      }),
    });
    const body = (await response.json()) as { data?: { generateImage: { id: string } }; errors?: unknown };
    if (!body.data) throw new Error(`generateImage failed: ${JSON.stringify(body.errors)}`);
    const id = body.data.generateImage.id;
    return await fanOut(
      gateway,
      {
        url: `${url.replace(/^http/, 'ws')}/graphql`,
        query: QUERY,
        variables: { id },
        connectionParams: { authorization: `Bearer ${key}` },
      },
      async () => {
        // The changes come by themselves once the cold start is over; say so if it was over already.
        const answer = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: 'query($id: ID!) { generation(id: $id) { status } }', variables: { id } }),
        });
        const { data } = (await answer.json()) as { data?: { generation: { status: string } } };
        // Only changes committed from now on count; a run that ended already gives none.
        if (data && TERMINAL.has(data.generation.status)) {
          console.log(`  (the generation ended before all had connected: raise BENCH_SPEED)`);
        }
      },
    );
  } finally {
    gateway.send({ type: 'stop' });
    await new Promise((resolve) => gateway.child.once('exit', resolve));
    await sim.close();
  }
}

async function rawRun(): Promise<FanOut> {
  const raw = spawnChild('raw', {});
  try {
    const { url } = (await raw.next('started')) as unknown as { url: string };
    return await fanOut(
      raw,
      { url: `${url.replace(/^http/, 'ws')}/graphql`, query: QUERY, variables: { id: 'bench' } },
      async () => void raw.send({ type: 'run' }),
    );
  } finally {
    raw.send({ type: 'stop' });
  }
}

function report(label: string, run: FanOut): void {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  console.log(
    `  ${label.padEnd(16)} p50 ${ms(percentile(run.latencies, 0.5)).padStart(7)}  p99 ${ms(percentile(run.latencies, 0.99)).padStart(7)}` +
      `  ${(run.bytesPerSubscriber / 1024).toFixed(1)} KiB RSS / subscriber (heap ${(run.heapPerSubscriber / 1024).toFixed(1)} KiB)` +
      `  ${run.latencies.length} deliveries, connected in ${(run.connectMs / 1000).toFixed(1)} s` +
      (run.failures > 0 ? `  (${run.failures} failed!)` : ''),
  );
}

async function main(): Promise<void> {
  const cap = setTimeout(() => {
    console.error(`Benchmark exceeded ${TIME_CAP_MS} ms; stopping.`);
    process.exit(1);
  }, TIME_CAP_MS);
  console.log(
    `\n${SUBSCRIBERS} graphql-ws subscribers (one socket each, ${CLIENT_PROCESSES} client processes), one stream; ` +
      'latency from commit to arrival',
  );
  const raw = await rawRun();
  report('raw graphql-ws', raw);
  const speed = SPEED ?? Math.max(1, (4 * raw.connectMs) / 60_000);
  console.log(`  (simulator speed ${speed.toFixed(2)}: the generation waits ${(60 * speed).toFixed(0)} s to start)`);
  const pixelgate = await pixelgateRun(speed);
  report('pixelgate', pixelgate);
  clearTimeout(cap);
}

if (process.argv[2] === 'gateway') {
  // A child never outlives the run.
  process.once('disconnect', () => process.exit(0));
  process.once('message', (init: Message) => {
    gatewayProcess(init).catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
