/**
 * Benchmark: the attacks of issues 11 and 21, each run for a few seconds against `pixelgate serve`
 * (a child process, so its RSS is its own) on the simulator, while another user's cheap query
 * (`{ viewer { id } }`, database-backed) is offered at a fixed rate. Not a test.
 *
 * - Earlier rounds (issue 11; `BENCH_EARLIER=0` skips them): per attack, how it was answered, the
 *   refusal latency (p50/p99), the cheap query's p50/p99 during it and the server's RSS after it.
 * - Round 3 (issue 21, bench/abuse-round3.ts): big bodies and variables, an SSE flood and SSE
 *   streams that never read, anonymous WebSockets past their cap, idle connections past the
 *   connection cap, a frozen Redis (through a proxy in this process) and oversized WebSocket
 *   messages; each beside the bystander's p50/p99, the server's RSS before/peak/after and the
 *   error-level lines it logged, after a phase with no attack; printed as a Markdown table.
 *
 * The earlier rounds' HTTP attacks run through autocannon in a worker thread (as the cheap query
 * does), round 3's in a process of their own (bench/attack-process.mjs: its CPU is its own figure,
 * and BENCH_PIN can put it on another core than the gateway's); WebSocket attacks are driven from
 * this process, which the server does not share. bench/gateway-probe.mjs, loaded into the gateway,
 * reports per phase its event-loop delay, CPU, connections and the bystander's time inside it. Loopback only; every
 * phase is bounded by its duration or a fixed count. Scale: `BENCH_SCALE` (default 1, a few
 * minutes; 5 puts the anonymous cap at its default 1,000) and `BENCH_SECONDS` per phase (5).
 * Redis: `BENCH_REDIS_URL` (default redis://127.0.0.1:6379), reached only through the proxy.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/abuse.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createApiKey } from '../src/auth/api-keys.ts';
import { createUser } from '../src/auth/users.ts';
import { connectDatabase } from '../src/db/index.ts';
import { openFileLimit } from '../src/http/connection-cap.ts';
import { silentLogger } from '../src/logger.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { loadAtRate, runLoad, type GraphQLOperation, type LoadResult } from './baseline.ts';
import {
  anonymousSockets,
  bodyAttacks,
  httpAttack,
  idleConnections,
  markdownTable,
  oversizedMessages,
  phase,
  RedisProxy,
  redisAnswering,
  redisFrozen,
  round3Scale,
  sseFlood,
  sseGalleries,
  GALLERY_SECONDS,
  type GatewayProbe,
  type Row,
  type Target,
} from './abuse-round3.ts';
import { openBenchDatabase, percentile } from './support.ts';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const CHEAP_RATE = Number(process.env.BENCH_RATE ?? 100);
const ATTACK_CONNECTIONS = 4;
const BIN = fileURLToPath(new URL('../bin/pixelgate.js', import.meta.url));
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rssMiB(pid: number): Promise<string> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Number.isNaN(kib) ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const loadLine = (result: LoadResult) =>
  `p50 ${ms(result.p50Ms)} p99 ${ms(result.p99Ms)} (${result.requests} answered${result.failures ? `, ${result.failures} failed!` : ''})`;

/** How the server answers one attack request: HTTP status and the first error's code and limit. */
async function answerOf(url: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  try {
    const json = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string; limit?: string } }> };
    const error = json.errors?.[0]?.extensions;
    return `${response.status} ${error?.code ?? 'data'}${error?.limit ? ` (${error.limit})` : ''}`;
  } catch {
    return `${response.status} (not JSON)`;
  }
}

function aliases(count: number, selection: string): string {
  return `{ ${Array.from({ length: count }, (_, index) => `a${index}: ${selection}`).join(' ')} }`;
}

function nested(levels: number): string {
  let inner = 'id';
  for (let level = 0; level < levels; level++) inner = `finals { preview { ${inner} } }`;
  return `{ generation(id: "00000000-0000-4000-8000-000000000000") { ${inner} } }`;
}

interface Socket {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; at: number }>;
  readonly messages: Array<{ message: { id?: string; type: string }; at: number }>;
  onMessage?: (message: { id?: string; type: string }, at: number) => void;
}

/** A graphql-transport-ws socket past `connection_ack` (or closed before it). */
async function openSocket(wsUrl: string, authorization?: string): Promise<Socket & { acked: boolean }> {
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
  const socket: Socket & { acked: boolean } = {
    ws,
    acked: false,
    messages: [],
    closed: new Promise((resolve) => ws.once('close', (code) => resolve({ code, at: performance.now() }))),
  };
  const acked = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: string; type: string };
      const at = performance.now();
      if (message.type === 'connection_ack') {
        socket.acked = true;
        resolve();
      }
      socket.messages.push({ message, at });
      socket.onMessage?.(message, at);
    });
    void socket.closed.then(() => resolve());
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    void socket.closed.then(() => resolve());
  });
  if (ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} }));
  }
  await acked;
  return socket;
}

/** What the earlier rounds' attacks need of the running gateway. */
interface Earlier {
  readonly url: string;
  readonly wsUrl: string;
  readonly pid: number;
  readonly cheap: GraphQLOperation;
  readonly attackerKey: string;
}

/** Issue 11's HTTP attacks: documents over the operation limits, refused before they run. */
async function earlierHttpAttacks({ url, pid, cheap, attackerKey }: Earlier): Promise<void> {
  const attackerHeaders = { authorization: `Bearer ${attackerKey}` };
  const httpAttacks: Array<[string, string, Record<string, string>]> = [
    ['deep nesting (finals/preview × 10)', JSON.stringify({ query: nested(10) }), {}],
    [
      '20,000 aliases of models { … }, no key',
      JSON.stringify({ query: aliases(20_000, 'models { id name costPerImageUsd averageSeconds }') }),
      {},
    ],
    [
      '10,000 aliases of viewer { usage { … } }',
      JSON.stringify({ query: aliases(10_000, 'viewer { usage { spentUsd reservedUsd } }') }),
      attackerHeaders,
    ],
    [
      '30 aliases × models × every field (cost)',
      JSON.stringify({
        query: aliases(30, 'models { id name costPerImageUsd averageSeconds defaultInput aspectRatios }'),
      }),
      {},
    ],
  ];
  for (const [name, body, headers] of httpAttacks) {
    const answer = await answerOf(url, body, headers);
    const [attack, during] = await Promise.all([
      runLoad({ url, body, headers }, { connections: ATTACK_CONNECTIONS, durationSeconds: DURATION_S }),
      loadAtRate(cheap, CHEAP_RATE, DURATION_S),
    ]);
    console.log(
      `${name} (${(body.length / 1e6).toFixed(2)} MB): answered ${answer}; ${attack.requests} refusals at ` +
        `${ATTACK_CONNECTIONS} connections, p50 ${ms(attack.p50Ms)} p99 ${ms(attack.p99Ms)}; ` +
        `cheap ${loadLine(during)}; server RSS ${await rssMiB(pid)}`,
    );
  }
}

/** 10 sockets × 1,000 subscriptions: 50 per socket run, the rest are refused one by one. */
async function subscriptionFlood({ wsUrl, pid, cheap, attackerKey }: Earlier): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: 10 }, () => openSocket(wsUrl, `Bearer ${attackerKey}`)));
  const refusals: number[] = [];
  let accepted = 0;
  const during = loadAtRate(cheap, CHEAP_RATE, DURATION_S);
  for (const socket of sockets) {
    const sentAt = new Map<string, number>();
    socket.onMessage = (message, at) => {
      if (message.type === 'error' && message.id && sentAt.has(message.id)) refusals.push(at - sentAt.get(message.id)!);
    };
    for (let index = 0; index < 1_000; index++) {
      const id = `s${index}`;
      sentAt.set(id, performance.now());
      socket.ws.send(
        JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { myGenerations { id status } }' } }),
      );
    }
  }
  const cheapResult = await during;
  for (const socket of sockets) accepted += 1_000 - socket.messages.filter((m) => m.message.type === 'error').length;
  refusals.sort((a, b) => a - b);
  console.log(
    `10 sockets × 1,000 myGenerations subscriptions: ${accepted} running, ${refusals.length} refused, ` +
      `refusal p50 ${ms(percentile(refusals, 0.5))} p99 ${ms(percentile(refusals, 0.99))}; ` +
      `cheap ${loadLine(cheapResult)}; server RSS ${await rssMiB(pid)}`,
  );
  for (const socket of sockets) socket.ws.close();
  await Promise.all(sockets.map((socket) => socket.closed));
}

/** One user opens 500 sockets (50 at a time): 20 are kept, the rest closed 4429. */
async function socketFlood({ wsUrl, pid, cheap, attackerKey }: Earlier): Promise<void> {
  const during = loadAtRate(cheap, CHEAP_RATE, DURATION_S);
  const sockets: Socket[] = [];
  const refusals: number[] = [];
  const codes = new Map<number, number>();
  for (let batch = 0; batch < 10; batch++) {
    const opened = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const began = performance.now();
        const socket = await openSocket(wsUrl, `Bearer ${attackerKey}`);
        void socket.closed.then(({ code, at }) => {
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (code === 4429) refusals.push(at - began);
        });
        return socket;
      }),
    );
    sockets.push(...opened);
  }
  await sleep(500);
  const cheapResult = await during;
  refusals.sort((a, b) => a - b);
  const open = sockets.filter((socket) => socket.ws.readyState === WebSocket.OPEN).length;
  console.log(
    `one user, 500 sockets: ${open} open, closes ${JSON.stringify(Object.fromEntries(codes))}, ` +
      `refusal (open → close) p50 ${ms(percentile(refusals, 0.5))} p99 ${ms(percentile(refusals, 0.99))}; ` +
      `cheap ${loadLine(cheapResult)}; server RSS ${await rssMiB(pid)}`,
  );
  for (const socket of sockets) socket.ws.close();
  await Promise.all(sockets.map((socket) => socket.closed));
}

/**
 * A slow consumer: one socket stops reading while its requests make the server answer (each
 * refused operation echoes its 8 KB id: ~32 MB, more than loopback's kernel buffers hold plus
 * the default 2 MiB WS_MAX_BUFFERED_BYTES). The server closes it (1008) instead of buffering
 * for it; the bench times first send → close.
 */
async function slowConsumer({ wsUrl, pid, cheap, attackerKey }: Earlier): Promise<void> {
  const socket = await openSocket(wsUrl, `Bearer ${attackerKey}`);
  const underlying = (socket.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  const during = loadAtRate(cheap, CHEAP_RATE, DURATION_S);
  const began = performance.now();
  underlying.pause();
  const query = '{ models { id name replicateModel costPerImageUsd averageSeconds defaultInput } }';
  let sent = 0;
  for (; sent < 4_000 && socket.ws.readyState === WebSocket.OPEN; sent++) {
    socket.ws.send(JSON.stringify({ id: `${sent}-${'x'.repeat(8_000)}`, type: 'subscribe', payload: { query } }));
    if (sent % 250 === 249) await sleep(10);
  }
  underlying.resume();
  const closed = await Promise.race([socket.closed, sleep(30_000).then(() => undefined)]);
  const cheapResult = await during;
  console.log(
    `slow consumer (stops reading, ${sent} × 8 KB requests): ` +
      (closed ? `closed ${closed.code} after ${ms(closed.at - began)}` : 'still open after 30 s!') +
      `; cheap ${loadLine(cheapResult)}; server RSS ${await rssMiB(pid)}`,
  );
  socket.ws.terminate();
}

/** Issue 21's attacks, one phase each beside the bystander, after a phase with no attack. */
async function round3(target: Target): Promise<Row[]> {
  const scale = round3Scale(SCALE);
  const rows: Row[] = [await phase(target, 'none (baseline)', async () => '—')];
  // BENCH_ROUND3=bodies: only the body attacks; =galleries: only the two SSE gallery phases.
  const galleriesOnly = process.env.BENCH_ROUND3 === 'galleries';
  for (const [name, body, headers, alsoClosing] of galleriesOnly ? [] : bodyAttacks(target, scale)) {
    rows.push(await phase(target, name, httpAttack(target, body, headers)));
    if (alsoClosing) {
      const closing = `${name}, a new connection per request`;
      rows.push(await phase(target, closing, httpAttack(target, body, headers, 'closing')));
    }
  }
  if (process.env.BENCH_ROUND3 === 'bodies') return rows;
  if (!galleriesOnly) rows.push(await phase(target, 'SSE flood from one user', sseFlood(target, scale)));
  rows.push(
    await phase(target, 'SSE galleries that read (yardstick)', sseGalleries(target, scale, true), GALLERY_SECONDS),
  );
  rows.push(await phase(target, 'SSE galleries that never read', sseGalleries(target, scale, false), GALLERY_SECONDS));
  if (galleriesOnly) return rows;
  rows.push(await phase(target, 'anonymous WebSockets past the anonymous cap', anonymousSockets(target, scale)));
  rows.push(await phase(target, 'idle TCP connections past the connection cap', idleConnections(target, scale)));
  rows.push(await phase(target, 'generations, Redis answering (yardstick)', redisAnswering(target, scale)));
  rows.push(await phase(target, 'generations, Redis frozen', redisFrozen(target, scale)));
  rows.push(await phase(target, 'oversized WebSocket messages', oversizedMessages(target)));
  return rows;
}

/**
 * BENCH_PIN=gateway:0,attacker:1,bench:1 pins the gateway child, round 3's attacker process and
 * this process (all its threads: the bystander, the simulator) to those cores (`taskset -c`).
 */
function pinning(): { gateway?: string; attacker?: string; bench?: string } {
  const pins = (process.env.BENCH_PIN ?? '').split(',').filter(Boolean);
  return Object.fromEntries(pins.map((pin) => pin.split(':') as [string, string]));
}

/**
 * `pixelgate serve` in a child process, its logs (JSON lines on stdout) kept for the error count,
 * with bench/gateway-probe.mjs loaded (asked over the IPC channel).
 */
function spawnGateway(env: Record<string, string>, errorLines: string[], cpus?: string) {
  // BENCH_CPU_PROF=<dir>: the gateway writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const probe = ['--import', fileURLToPath(new URL('./gateway-probe.mjs', import.meta.url))];
  const node = [process.execPath, ...profile, ...probe, BIN, 'serve'];
  const command = cpus ? ['taskset', '-c', cpus, ...node] : node;
  const server = spawn(command[0]!, command.slice(1), {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      // The probe's profile of each phase, beside the whole run's.
      ...(process.env.BENCH_CPU_PROF ? { BENCH_PHASE_PROF: process.env.BENCH_CPU_PROF } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let partial = '';
  const logs = server.stdout!;
  logs.setEncoding('utf8');
  logs.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
      if (level >= 50) errorLines.push(line);
    }
  });
  return server;
}

/** The gateway probe's reset and read, over the gateway child's IPC channel. */
function probeOf(server: ReturnType<typeof spawnGateway>): Target['probe'] {
  return {
    reset: (phase) => void server.send({ probe: 'reset', phase }),
    read: () =>
      new Promise<GatewayProbe>((resolve) => {
        const onMessage = (message: { probe?: string } & GatewayProbe) => {
          if (message.probe !== 'stats') return;
          server.off('message', onMessage);
          resolve(message);
        };
        server.on('message', onMessage);
        server.send({ probe: 'read' });
      }),
  };
}

async function untilReady(url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (attempt > 300) throw new Error('pixelgate serve did not become ready in 60 s');
    await sleep(200);
  }
}

/** The idle-connection attack needs file descriptors beyond the gateway's connection cap. */
function refuseLowFileLimit(scale: ReturnType<typeof round3Scale>): void {
  const fileLimit = openFileLimit();
  if (fileLimit !== undefined && fileLimit < scale.maxConnections + scale.idleExtra + 1_000) {
    throw new Error(
      `ulimit -n is ${fileLimit}: BENCH_SCALE=${SCALE} opens ${scale.maxConnections + scale.idleExtra} idle connections; raise it or lower the scale`,
    );
  }
}

/** The attacks of issues before 21, each beside the bystander's cheap query. */
async function earlierRounds(earlier: Earlier): Promise<void> {
  console.log(
    `Earlier rounds: pixelgate serve on loopback; cheap query: another user's { viewer { id } } at ${CHEAP_RATE} req/s; ${DURATION_S} s per attack\n`,
  );
  console.log(
    `no attack                         cheap ${loadLine(await loadAtRate(earlier.cheap, CHEAP_RATE, DURATION_S))}`,
  );
  await earlierHttpAttacks(earlier);
  await subscriptionFlood(earlier);
  await socketFlood(earlier);
  await slowConsumer(earlier);
}

/** Round 3's table, ready to paste, with the machine's load and the gateway's error lines. */
function printRound3(rows: Parameters<typeof markdownTable>[0], errorLines: readonly string[]): void {
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim();
  console.log(
    `\nRound 3 (issue 21): BENCH_SCALE=${SCALE}, BENCH_SECONDS=${DURATION_S}, Node ${process.version}, ` +
      `bystander ${CHEAP_RATE} req/s of another user's \`{ viewer { id } }\`; ${new Date().toISOString()}; uptime: ${load}` +
      `${process.env.BENCH_PIN ? `; pinned ${process.env.BENCH_PIN}` : ''}\n`,
  );
  console.log(markdownTable(rows));
  if (errorLines.length > 0) {
    console.log(`\nError-level log lines of the gateway (${errorLines.length}; the first 10):`);
    for (const line of errorLines.slice(0, 10)) console.log(line.slice(0, 500));
  }
}

async function main(): Promise<void> {
  const database = await openBenchDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-abuse-'));
  const sim = await startSimulator({ speed: 0.05 });
  const redisUpstream = new URL(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const redis = new RedisProxy({ host: redisUpstream.hostname, port: Number(redisUpstream.port || 6379) });
  const redisPort = await redis.listen();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const scale = round3Scale(SCALE);
  refuseLowFileLimit(scale);
  const errorLines: string[] = [];
  const pins = pinning();
  if (pins.bench) execFileSync('taskset', ['-a', '-p', '-c', pins.bench, String(process.pid)], { stdio: 'ignore' });
  const server = spawnGateway(
    {
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      PIXELGATE_DATA_DIR: dataDir,
      PIXELGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      REPLICATE_API_TOKEN: 'r8_bench_token',
      REPLICATE_API_BASE_URL: sim.baseUrl,
      REDIS_URL: `redis://127.0.0.1:${redisPort}${redisUpstream.pathname}`,
      HTTP_MAX_CONNECTIONS: String(scale.maxConnections),
      WS_MAX_ANONYMOUS_SOCKETS: String(scale.anonymousCap),
    },
    errorLines,
    pins.gateway,
  );
  const handle = connectDatabase(database.url, silentLogger);
  try {
    await untilReady(url);
    const newKey = async (name: string) =>
      (await createApiKey(handle.db, (await createUser(handle.db, { name })).id)).key;
    const victim = await newKey('victim');
    const attackerKey = await newKey('attacker');
    // The probe in the gateway times the requests marked as the bystander's.
    const cheap: GraphQLOperation = {
      url,
      query: '{ viewer { id } }',
      headers: { authorization: `Bearer ${victim}`, 'x-bench-role': 'bystander' },
    };
    const earlier: Earlier = { url, wsUrl: `ws://127.0.0.1:${port}/graphql`, pid: server.pid!, cheap, attackerKey };

    if (process.env.BENCH_EARLIER !== '0') await earlierRounds(earlier);

    const rows = await round3({
      ...earlier,
      cheapRate: CHEAP_RATE,
      seconds: DURATION_S,
      newKey,
      errorLines: () => errorLines,
      redis,
      maxBodyBytes: 65_536,
      probe: probeOf(server),
      ...(pins.attacker ? { attackerCpus: pins.attacker } : {}),
    });
    printRound3(rows, errorLines);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('close', resolve));
    await handle.close();
    await redis.close();
    await sim.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
