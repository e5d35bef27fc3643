/**
 * The attacks of issue 21 (round 3) for bench/abuse.ts: each is one phase beside a bystander —
 * another user's `{ viewer { id } }` offered at a steady rate from a worker thread — with the
 * gateway's RSS sampled before, throughout (peak) and after, and the error-level log lines the
 * gateway wrote during it. A phase with no attack, in the same run, is the baseline.
 *
 * Every attack is loopback only and bounded by a count and by BENCH_SECONDS; its scale is
 * BENCH_SCALE (see `round3Scale`). Redis is reached through `RedisProxy`, a loopback TCP proxy in
 * this process that can stop forwarding (a hung Redis: connections open, nothing answered)
 * without touching the Redis server itself.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { loadAtRate, type GraphQLOperation, type LoadResult } from './baseline.ts';
import { percentile } from './support.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : 'n/a');

/** The counts every round-3 attack uses, from BENCH_SCALE (1: a few minutes on a busy machine). */
export function round3Scale(scale: number) {
  return {
    scale,
    /** The gateway's HTTP_MAX_CONNECTIONS; the idle-connection attack opens this plus a few hundred. */
    maxConnections: 1_000 * scale,
    idleExtra: 300,
    /** The gateway's WS_MAX_ANONYMOUS_SOCKETS (its default, 1,000, at scale 5); the attack opens half as many again. */
    anonymousCap: 200 * scale,
    /** SSE subscriptions one user opens (the per-user cap is 20). */
    sseFlood: 20 + 100 * scale,
    /** Users whose 20 SSE streams each never read (20 per user: the per-user cap). */
    stalledUsers: 3 * scale,
    /**
     * Generations each gallery user makes at once (DEFAULT_USER_MAX_CONCURRENT_GENERATIONS): each
     * change is an event of ~80 KB to each of the user's 20 streams, ~3 MB per stream in all.
     */
    stalledGenerations: 10,
    /** The big body: 4 MB at scale 1, up to the 16 MB the issue measured. */
    bigBodyBytes: Math.min(16, 4 * scale) * 1024 * 1024,
    /** Generations made while Redis hangs (one user's: at most its 10 at once). */
    frozenGenerations: Math.min(10, 5 * scale),
  };
}
export type Round3Scale = ReturnType<typeof round3Scale>;

export interface Row {
  readonly attack: string;
  readonly answered: string;
  readonly bystander?: LoadResult;
  readonly rss?: { before: number; peak: number; after: number };
  readonly errorLogs?: number;
  /**
   * The p99 delay of the bench process's own event loop during the phase (ms): the bystander is
   * timed in this process, beside the simulator and the attack's clients, so a bystander p99 near
   * it is the bench waiting on itself, not the gateway.
   */
  readonly benchLoopP99Ms?: number;
  /** What the gateway saw of the phase (bench/gateway-probe.mjs). */
  readonly gateway?: GatewayProbe;
  /** CPU seconds the phase took: the gateway, the attacker's own process (HTTP attacks), this process. */
  readonly cpu?: {
    gatewayS: number;
    attackerS?: number;
    /** Of attackerS, the kernel's share (system time: above all copying what it writes). */
    attackerSystemS?: number;
    benchS: number;
    machineBusyPercent: number;
    softirqPercent: number;
  };
}

/** What bench/gateway-probe.mjs reports of a phase from inside the gateway. */
export interface GatewayProbe {
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  readonly bystanderServerP50Ms: number;
  readonly bystanderServerP99Ms: number;
  readonly bystanderServerMaxMs: number;
  readonly bystanderServerCount: number;
  readonly connectionsAccepted: number;
  readonly connectionsMostOpen: number;
  readonly cpuUserS: number;
  readonly cpuSystemS: number;
}

/** What an attack answers: the gateway's answers in words, and the attacker process's CPU seconds if it had one. */
export type AttackOutcome =
  string | { readonly answered: string; readonly attackerCpuS: number; readonly attackerSystemS: number };

/** What every phase needs of the running gateway. */
export interface Target {
  readonly url: string;
  readonly wsUrl: string;
  readonly pid: number;
  /** The bystander's request (another user's cheap authenticated query). */
  readonly cheap: GraphQLOperation;
  readonly cheapRate: number;
  readonly seconds: number;
  readonly attackerKey: string;
  /** Makes a user with an API key (for attacks that need more users than the attacker). */
  readonly newKey: (name: string) => Promise<string>;
  /** Error-level (and above) log lines the gateway has written so far. */
  readonly errorLines: () => readonly string[];
  readonly redis: RedisProxy;
  readonly maxBodyBytes: number;
  /** Starts a phase of the gateway's probe, and reads it at the phase's end. */
  readonly probe: { reset(phase: string): void; read(): Promise<GatewayProbe> };
  /** The cores the attacker's process is pinned to (`taskset -c`), if any. */
  readonly attackerCpus?: string;
}

/** The machine's CPU time so far (all cores, in clock ticks): busy, softirq and total. */
async function machineCpu(): Promise<{ busy: number; softirq: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, softirq, total };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

/**
 * Runs `attack` beside the bystander (offered for BENCH_SECONDS from the start of the phase),
 * sampling the gateway's RSS every 50 ms; `after` is read once both ended, the attack's sockets
 * were closed and 1 s passed. The attack returns what the gateway answered it, in words.
 */
export async function phase(
  target: Target,
  name: string,
  attack: (bystanderDone: Promise<LoadResult>) => Promise<AttackOutcome>,
  seconds = target.seconds,
): Promise<Row> {
  const before = await rssMiB(target.pid);
  let peak = before;
  const sampler = setInterval(() => {
    void rssMiB(target.pid).then((rss) => (peak = Math.max(peak, rss || 0)));
  }, 50);
  const errorsBefore = target.errorLines().length;
  const benchLoop = monitorEventLoopDelay({ resolution: 10 });
  benchLoop.enable();
  target.probe.reset(name);
  const benchCpuBefore = process.cpuUsage();
  const machineBefore = await machineCpu();
  try {
    const bystander = loadAtRate(target.cheap, target.cheapRate, seconds, 8);
    const [outcome, during] = await Promise.all([attack(bystander), bystander]);
    // The phase's figures end with the bystander and the attack, before the 1 s settling.
    const gateway = await target.probe.read();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const machine = await machineCpu();
    const machineTicks = Math.max(1, machine.total - machineBefore.total);
    const answered = typeof outcome === 'string' ? outcome : outcome.answered;
    await sleep(1_000);
    const after = await rssMiB(target.pid);
    const row: Row = {
      attack: name,
      answered,
      bystander: during,
      rss: { before, peak: Math.max(peak, after), after },
      errorLogs: target.errorLines().length - errorsBefore,
      benchLoopP99Ms: benchLoop.percentile(99) / 1e6,
      gateway,
      cpu: {
        gatewayS: gateway.cpuUserS + gateway.cpuSystemS,
        ...(typeof outcome === 'string'
          ? {}
          : { attackerS: outcome.attackerCpuS, attackerSystemS: outcome.attackerSystemS }),
        benchS: (benchCpu.user + benchCpu.system) / 1e6,
        machineBusyPercent: (100 * (machine.busy - machineBefore.busy)) / machineTicks,
        softirqPercent: (100 * (machine.softirq - machineBefore.softirq)) / machineTicks,
      },
    };
    console.error(`  done: ${name}: ${answered}`);
    return row;
  } finally {
    clearInterval(sampler);
    benchLoop.disable();
  }
}

/** The attacker's CPU seconds, and the kernel's share of them. */
function attackerCpu({ attackerS, attackerSystemS }: NonNullable<Row['cpu']>): string {
  if (attackerS === undefined) return '—';
  return `${attackerS.toFixed(1)} (${(attackerSystemS ?? 0).toFixed(1)} system)`;
}

export function markdownTable(rows: readonly Row[]): string {
  const mib = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : 'n/a');
  const lines = [
    '| attack | answered | bystander p50 / p99 (failed) | bench loop delay p99 | RSS before / peak / after (MiB) | error logs ' +
      '| bystander in the gateway p50 / p99 / max | gateway loop delay p99 / max | connections accepted (most open) ' +
      '| CPU s: gateway / attacker / bench (machine busy, softirq) |',
    '| --- | --- | --- | ---: | --- | ---: | --- | --- | --- | --- |',
  ];
  const seconds = (value: number) => value.toFixed(1);
  for (const row of rows) {
    const bystander = row.bystander
      ? `${ms(row.bystander.p50Ms)} / ${ms(row.bystander.p99Ms)} (${row.bystander.failures} of ${row.bystander.requests})`
      : '—';
    const rss = row.rss ? `${mib(row.rss.before)} / ${mib(row.rss.peak)} / ${mib(row.rss.after)}` : '—';
    const benchLoop = row.benchLoopP99Ms === undefined ? '—' : ms(row.benchLoopP99Ms);
    const gateway = row.gateway;
    const served = gateway
      ? `${ms(gateway.bystanderServerP50Ms)} / ${ms(gateway.bystanderServerP99Ms)} / ${ms(gateway.bystanderServerMaxMs)}`
      : '—';
    const loop = gateway ? `${ms(gateway.loopP99Ms)} / ${ms(gateway.loopMaxMs)}` : '—';
    const connections = gateway ? `${gateway.connectionsAccepted} (${gateway.connectionsMostOpen})` : '—';
    const cpu = row.cpu
      ? `${seconds(row.cpu.gatewayS)} / ${attackerCpu(row.cpu)} / ` +
        `${seconds(row.cpu.benchS)} (${row.cpu.machineBusyPercent.toFixed(0)} %, ${row.cpu.softirqPercent.toFixed(0)} %)`
      : '—';
    lines.push(
      `| ${row.attack} | ${row.answered} | ${bystander} | ${benchLoop} | ${rss} | ${row.errorLogs ?? '—'} ` +
        `| ${served} | ${loop} | ${connections} | ${cpu} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// a. Big bodies and big, deep or many-key variables

/** How the gateway answers one request: HTTP status and the first error's code and reason. */
async function answerOf(url: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.text();
    const json = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string; reason?: string } }> };
    const error = json.errors?.[0]?.extensions;
    return `${response.status} ${error?.code ?? 'data'}${error?.reason ? ` (${error.reason})` : ''}`;
  } catch (error) {
    return `no answer (${(error as Error).message})`;
  }
}

const GENERATE = 'mutation ($input: GenerateImageInput!) { generateImage(input: $input) { id status } }';
const PUBLIC = 'query ($v: JSON) { models { id } }';

function manyKeys(count: number): Record<string, number> {
  const object: Record<string, number> = {};
  for (let index = 0; index < count; index++) object[`k${index}`] = index;
  return object;
}

/** `count` keys in an object whose JSON is about `bytes` long. */
function keysOfSize(bytes: number): Record<string, number> {
  return manyKeys(Math.ceil(bytes / 16));
}

function deepArray(levels: number): string {
  return `${'['.repeat(levels)}${']'.repeat(levels)}`;
}

/**
 * The body attacks: name, body, headers, and whether the phase is run again with a client that
 * closes its connection after each answer (`closing` in bench/attack-process.mjs).
 */
export function bodyAttacks(
  target: Target,
  scale: Round3Scale,
): Array<[string, string, Record<string, string>, alsoClosing?: boolean]> {
  const auth = { authorization: `Bearer ${target.attackerKey}` };
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const settings = (value: unknown) => ({ input: { modelId: 'flux-schnell', prompt: 'a fox', settings: value } });
  // Within the body limit, so that the variables' own bound is what refuses them.
  const fitting = Math.floor(target.maxBodyBytes * 0.9);
  return [
    // What the same flood costs when every request is legitimate and cheap: a refusal should cost no more.
    [
      'valid cheap requests on public `models`, no key (yardstick)',
      JSON.stringify({ query: '{ models { id } }' }),
      {},
      true,
    ],
    [
      `big body: unused variables on public \`models\` (${mb(scale.bigBodyBytes)}), no key`,
      JSON.stringify({ query: PUBLIC, variables: { v: keysOfSize(scale.bigBodyBytes) } }),
      {},
      true,
    ],
    [
      `many-key variables on public \`models\` (${Math.ceil(fitting / 16)} keys in ${(fitting / 1024).toFixed(0)} KB), no key`,
      JSON.stringify({ query: PUBLIC, variables: { v: keysOfSize(fitting) } }),
      {},
    ],
    [
      `deep variables on public \`models\` (an array ${Math.floor(fitting / 2)} deep), no key`,
      `{"query":${JSON.stringify(PUBLIC)},"variables":{"v":${deepArray(Math.floor(fitting / 2))}}}`,
      {},
    ],
    [
      `big body: \`generateImage\` settings (${mb(scale.bigBodyBytes)})`,
      JSON.stringify({ query: GENERATE, variables: settings(keysOfSize(scale.bigBodyBytes)) }),
      auth,
      true,
    ],
    [
      `many-key \`generateImage\` settings (${Math.ceil(fitting / 16)} keys)`,
      JSON.stringify({ query: GENERATE, variables: settings(keysOfSize(fitting)) }),
      auth,
    ],
  ];
}

interface AttackerResult extends LoadResult {
  /** Requests answered (any status); autocannon counts what it sent in `requests`. */
  readonly answered: number;
  /** Connection errors (a reset, a write to a closed connection). */
  readonly errors: number;
  readonly cpuUserS: number;
  readonly cpuSystemS: number;
}

/**
 * autocannon in a process of its own (bench/attack-process.mjs), pinned to `cpus` if given: its
 * CPU is then its own figure, apart from the bystander's and the simulator's in this process.
 */
export type AttackClient = 'autocannon' | 'closing';

async function runLoadInProcess(
  request: { url: string; bodyFile: string; headers: Record<string, string> },
  options: { connections: number; durationSeconds: number; client: AttackClient },
  cpus?: string,
): Promise<AttackerResult> {
  const script = new URL('./attack-process.mjs', import.meta.url).pathname;
  const command = cpus ? ['taskset', '-c', cpus, process.execPath, script] : [process.execPath, script];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    return await new Promise<AttackerResult>((resolve, reject) => {
      child.once('message', (result) => resolve(result as AttackerResult));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the attacker process exited with ${code}`)));
      const { bodyFile, ...rest } = request;
      child.send({ request: rest, bodyFile, options });
    });
  } finally {
    child.kill();
  }
}

/**
 * One HTTP attack at 4 connections for the phase's length, from a process of its own: autocannon,
 * or a client that closes its connection after each answer. The body is written to a file before
 * the phase starts (handing 16 MB over the IPC channel would cost this process during it).
 */
export function httpAttack(
  target: Target,
  body: string,
  headers: Record<string, string>,
  client: AttackClient = 'autocannon',
) {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'pixelgate-bench-attack-'));
  const bodyFile = path.join(directory, 'body.json');
  writeFileSync(bodyFile, body);
  return async (): Promise<AttackOutcome> => {
    try {
      const answer = await answerOf(target.url, body, headers);
      const load = await runLoadInProcess(
        { url: target.url, bodyFile, headers },
        { connections: 4, durationSeconds: target.seconds, client },
        target.attackerCpus,
      );
      const how = client === 'closing' ? '4 connections, each closed after its answer' : '4 connections';
      return {
        answered:
          `${answer}; ${load.requests} sent at ${how} (${load.answered} answered, ${load.errors} connection errors), ` +
          `answered p50 ${ms(load.p50Ms)} p99 ${ms(load.p99Ms)}`,
        attackerCpuS: load.cpuUserS + load.cpuSystemS,
        attackerSystemS: load.cpuSystemS,
      };
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
}

// ---------------------------------------------------------------------------------------------
// b. SSE: one user's flood past the per-user cap, and streams that never read

interface Stream {
  readonly opened: Promise<number>;
  text: string;
  ended: boolean;
  readonly close: () => void;
}

function openReadingStream(url: string, key: string, query: string): Stream {
  const abort = new AbortController();
  const stream: Stream = { opened: Promise.resolve(0), text: '', ended: false, close: () => abort.abort() };
  const decoder = new TextDecoder();
  (stream as { opened: Promise<number> }).opened = fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
    signal: abort.signal,
  }).then(
    (response) => {
      void (async () => {
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            // Only the start is kept: enough to see a refusal.
            if (stream.text.length < 4096) stream.text += decoder.decode(chunk, { stream: true });
          }
        } catch {
          // aborted by the bench
        }
        stream.ended = true;
      })();
      return response.status;
    },
    () => {
      stream.ended = true;
      return 0;
    },
  );
  return stream;
}

export function sseFlood(target: Target, scale: Round3Scale) {
  return async (bystander: Promise<LoadResult>) => {
    const key = await target.newKey('sse-flood');
    const streams: Stream[] = [];
    while (streams.length < scale.sseFlood) {
      const count = Math.min(50, scale.sseFlood - streams.length);
      const opened = Array.from({ length: count }, () =>
        openReadingStream(target.url, key, 'subscription { myGenerations { id status } }'),
      );
      streams.push(...opened);
      await Promise.all(opened.map((stream) => stream.opened));
    }
    await bystander;
    const statuses = await Promise.all(streams.map((stream) => stream.opened));
    const refused = streams.filter((stream) => stream.text.includes('RATE_LIMITED')).length;
    const running = streams.filter(
      (stream, index) => statuses[index] === 200 && !stream.ended && !stream.text.includes('errors'),
    ).length;
    const other = streams.length - refused - running;
    for (const stream of streams) stream.close();
    return (
      `${streams.length} opened by one user: ${running} running, ${refused} refused \`RATE_LIMITED\`` +
      (other ? `, ${other} neither (HTTP ${countCodes(statuses)})` : '')
    );
  };
}

const PROMPT = 'a red fox in the snow, '.repeat(180).slice(0, 3_990);
const ALIASES = 20;
const BIG_GALLERY = `subscription { myGenerations { ${Array.from({ length: ALIASES }, (_, i) => `p${i}: prompt`).join(' ')} } }`;
const GENERATE_BATCH = 'mutation ($inputs: [GenerateImageInput!]!) { generateImages(inputs: $inputs) { id } }';

/**
 * An SSE subscription to BIG_GALLERY over a raw socket that never reads what comes back (or, with
 * `read`, reads and drops it); `closed` is the server's end.
 */
async function openGalleryStream(url: string, key: string, read: boolean) {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  socket.on('error', () => {});
  const state = { closed: false };
  socket.once('close', () => (state.closed = true));
  await new Promise<void>((resolve) => socket.once('connect', resolve).once('close', resolve));
  const body = JSON.stringify({ query: BIG_GALLERY });
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
      `Accept: text/event-stream\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // What a reading stream received: its bytes and its `next` events (a marker split across two
  // chunks is found through the tail kept from the previous one).
  const received = { bytes: 0, events: 0 };
  let tail = '';
  if (read) {
    socket.on('data', (chunk: Buffer) => {
      received.bytes += chunk.length;
      const text = tail + chunk.toString('latin1');
      for (let at = text.indexOf(NEXT_EVENT); at !== -1; at = text.indexOf(NEXT_EVENT, at + 1)) received.events++;
      tail = text.slice(-(NEXT_EVENT.length - 1));
    });
  } else socket.pause();
  return { state, received, destroy: () => socket.destroy() };
}

const NEXT_EVENT = 'event: next\n';

/** The gateway's subscription counters (`/metrics`, open outside production without a token). */
async function subscriptionCounters(url: string) {
  const text = await fetch(`${url}/metrics`).then(
    (response) => response.text(),
    () => '',
  );
  const counter = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    events: counter('pixelgate_subscription_events_total'),
    executions: counter('pixelgate_subscription_executions_total'),
    bytes: counter('pixelgate_subscription_event_bytes_total'),
    // prom-client's event-loop figures cover the time since the previous scrape.
    loopMaxMs: counter('pixelgate_nodejs_eventloop_lag_max_seconds') * 1_000,
    poolWaiting: counter('pixelgate_db_pool_waiting'),
    liveReadsWaiting: counter('pixelgate_live_reads\\{state="waiting"\\}'),
  };
}

/**
 * Connections the kernel completed that the gateway has not accepted yet: the receive queue of
 * its listening socket (`/proc/net/tcp`, state 0A; loopback IPv4, as the bench serves it).
 */
async function acceptQueue(url: string): Promise<number> {
  const port = Number(new URL(url).port).toString(16).toUpperCase().padStart(4, '0');
  const table = await readFile('/proc/net/tcp', 'utf8').catch(() => '');
  for (const line of table.split('\n')) {
    const [, local, , state, queues] = line.trim().split(/\s+/);
    if (state === '0A' && local?.endsWith(`:${port}`)) return parseInt(queues?.split(':')[1] ?? '0', 16);
  }
  return 0;
}

/**
 * The most queries waiting for a database connection, the most live-stream reads waiting their
 * turn and the longest event-loop delay, scraped from `/metrics` every 250 ms until `stop`, and
 * the most connections waiting to be accepted, read every 50 ms.
 */
function sampleGateway(url: string) {
  const most = { poolWaiting: 0, liveReadsWaiting: 0, loopMaxMs: 0, acceptQueue: 0 };
  let stopped = false;
  const done = (async () => {
    for (let sample = 0; !stopped; sample++) {
      most.acceptQueue = Math.max(most.acceptQueue, await acceptQueue(url));
      if (sample % 5 === 0) {
        const now = await subscriptionCounters(url);
        most.poolWaiting = Math.max(most.poolWaiting, now.poolWaiting || 0);
        most.liveReadsWaiting = Math.max(most.liveReadsWaiting, now.liveReadsWaiting || 0);
        most.loopMaxMs = Math.max(most.loopMaxMs, now.loopMaxMs || 0);
      }
      await sleep(50);
    }
  })();
  return async () => {
    stopped = true;
    await done;
    return most;
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

async function graphql(url: string, key: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

/** The bystander's query over a connection of its own, opened now: connect to answer (ms). */
async function freshConnectionMs(operation: GraphQLOperation): Promise<number> {
  const { hostname, port } = new URL(operation.url);
  const body = JSON.stringify({ query: operation.query });
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const request = http.request(
      {
        host: hostname,
        port: Number(port),
        path: '/graphql',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...operation.headers,
        },
      },
      (response) => response.resume().once('end', resolve).once('error', resolve),
    );
    request.once('error', () => resolve());
    request.end(body);
  });
  return performance.now() - started;
}

/** Until none of these users' generations is running (bounded: 60 s). */
async function untilGenerationsEnded(url: string, keys: readonly string[]): Promise<void> {
  const started = performance.now();
  for (const key of keys) {
    while (performance.now() - started < 60_000) {
      const answer = await graphql(url, key, '{ viewer { usage { activeGenerations } } }', {});
      const usage = (answer.data?.viewer as { usage?: { activeGenerations: number } } | undefined)?.usage;
      if (usage?.activeGenerations === 0) break;
      await sleep(250);
    }
  }
}

/** How long the gallery phases offer the bystander: the generations run for several seconds. */
export const GALLERY_SECONDS = 20;

/**
 * Users each with 20 SSE galleries (the per-user cap) of ~80 KB events, which never read (or, as
 * the yardstick, do read); each user then makes `stalledGenerations` generations (its default
 * limits hold: the gateway runs with them). Waits for the generations to end.
 */
export function sseGalleries(target: Target, scale: Round3Scale, read: boolean) {
  return async (bystander: Promise<LoadResult>) => {
    const countersBefore = await subscriptionCounters(target.url);
    const sampled = sampleGateway(target.url);
    const names = Array.from({ length: scale.stalledUsers }, (_, i) => `${read ? 'reading' : 'stalled'}-${i}`);
    const keys = await Promise.all(names.map((name) => target.newKey(name)));
    // The bystander (a worker thread) holds its keep-alive connections by now, as a user already
    // connected would: its connections opened beside the streams' 300 wait in the gateway's
    // accept queue behind them, which the fresh connection below measures on its own.
    await sleep(1_500);
    const openingStreams = Promise.all(
      keys.map((key) => Promise.all(Array.from({ length: 20 }, () => openGalleryStream(target.url, key, read)))),
    );
    const freshMs = await freshConnectionMs(target.cheap);
    const streams = (await openingStreams).flat();
    let refusedGenerations = 0;
    await Promise.all(
      keys.map(async (key, user) => {
        for (let made = 0; made < scale.stalledGenerations; made += 10) {
          const inputs = Array.from({ length: Math.min(10, scale.stalledGenerations - made) }, (_, i) => ({
            modelId: 'flux-schnell',
            prompt: `${PROMPT} ${user}.${made + i}`,
          }));
          const answer = await graphql(target.url, key, GENERATE_BATCH, { inputs });
          if (answer.errors) refusedGenerations++;
        }
      }),
    );
    const madeAt = performance.now();
    await untilGenerationsEnded(target.url, keys);
    const endedMs = performance.now() - madeAt;
    await bystander;
    const most = await sampled();
    const ended = streams.filter((stream) => stream.state.closed).length;
    for (const stream of streams) stream.destroy();
    const after = await subscriptionCounters(target.url);
    const handed = after.events - countersBefore.events;
    const generations = scale.stalledUsers * scale.stalledGenerations;
    const receivedEvents = streams.reduce((sum, stream) => sum + stream.received.events, 0);
    const receivedBytes = streams.reduce((sum, stream) => sum + stream.received.bytes, 0);
    return (
      `${streams.length} streams (${scale.stalledUsers} users × 20) ${read ? 'reading' : 'never reading'}, ` +
      `${generations} generations (events ~${((ALIASES * PROMPT.length) / 1000).toFixed(0)} KB), all ended ${ms(endedMs)} after the last was admitted: ` +
      `${ended} streams ended by the gateway${refusedGenerations ? `, ${refusedGenerations} generate batches refused!` : ''}; ` +
      `the gateway handed streams ${handed} events (${(handed / streams.length / scale.stalledGenerations).toFixed(1)} per stream per generation) ` +
      `from ${after.executions - countersBefore.executions} executions, ${mb(after.bytes - countersBefore.bytes)}; ` +
      `at most ${most.poolWaiting} queries waiting for a database connection and ${most.liveReadsWaiting} live reads for their turn, ` +
      `${most.acceptQueue} connections waiting to be accepted (a new connection's cheap query opened with the streams: ${ms(freshMs)}), ` +
      `the gateway's event-loop delay max ${ms(Math.max(most.loopMaxMs, after.loopMaxMs))} (scraped every 250 ms)` +
      (read ? `; the streams read ${receivedEvents} events, ${mb(receivedBytes)}` : '')
    );
  };
}

// ---------------------------------------------------------------------------------------------
// c. Anonymous WebSockets past the anonymous cap, and a real user connecting meanwhile

interface Socket {
  readonly ws: WebSocket;
  readonly acked: boolean;
  readonly closed: Promise<number>;
}

/** A graphql-transport-ws socket from `localAddress`, past `connection_init` (acked or closed). */
async function openSocket(
  wsUrl: string,
  options: { authorization?: string; localAddress?: string; payloadBytes?: number },
) {
  const ws = new WebSocket(
    wsUrl,
    'graphql-transport-ws',
    options.localAddress ? { localAddress: options.localAddress } : {},
  );
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const socket = { ws, acked: false, closed };
  await Promise.race([new Promise((resolve) => ws.once('open', resolve)), closed]);
  if (ws.readyState !== WebSocket.OPEN) return socket;
  const acked = new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') {
        socket.acked = true;
        resolve();
      }
    }),
  );
  ws.send(
    JSON.stringify({
      type: 'connection_init',
      payload: options.authorization ? { authorization: options.authorization } : {},
    }),
  );
  await Promise.race([acked, closed, sleep(10_000)]);
  return socket;
}

function countCodes(codes: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, count]) => `${count} × ${code}`).join(', ');
}

export function anonymousSockets(target: Target, scale: Round3Scale) {
  return async (bystander: Promise<LoadResult>) => {
    const total = Math.round(scale.anonymousCap * 1.5);
    // 20 from each loopback address (the per-address cap), so the instance cap is what refuses.
    const sockets: Socket[] = [];
    for (let offset = 0; offset < total; offset += 20) {
      const address = `127.0.${2 + Math.floor(offset / 20 / 250)}.${1 + ((offset / 20) % 250)}`;
      const count = Math.min(20, total - offset);
      sockets.push(
        ...(await Promise.all(
          Array.from({ length: count }, () => openSocket(target.wsUrl, { localAddress: address })),
        )),
      );
    }
    const userKey = await target.newKey('anonymous-phase-user');
    const began = performance.now();
    const user = await openSocket(target.wsUrl, { authorization: `Bearer ${userKey}` });
    const userMs = performance.now() - began;
    await bystander;
    const held = sockets.filter((socket) => socket.ws.readyState === WebSocket.OPEN).length;
    const closedCodes = await Promise.all(
      sockets.filter((socket) => socket.ws.readyState !== WebSocket.OPEN).map((socket) => socket.closed),
    );
    for (const socket of [...sockets, user]) socket.ws.terminate();
    return (
      `${total} anonymous (cap ${scale.anonymousCap}, 20 per address): ${held} held, closed ${countCodes(closedCodes) || 'none'}; ` +
      `a user's socket meanwhile: ${user.acked ? `acked in ${ms(userMs)}` : 'NOT acked!'}`
    );
  };
}

// ---------------------------------------------------------------------------------------------
// d. Idle TCP connections up to the server's connection cap

/** `/readyz` once a 200 ms over one keep-alive connection opened before the attack. */
async function watchReadiness(url: string, until: Promise<unknown>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const statuses: number[] = [];
  const get = () =>
    new Promise<number>((resolve) => {
      const request = http.get(`${url}/readyz`, { agent, timeout: 10_000 }, (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      });
      request.once('error', () => resolve(0));
      request.once('timeout', () => request.destroy());
    });
  await get();
  let done = false;
  void until.then(() => (done = true));
  const watching = (async () => {
    while (!done) {
      const began = performance.now();
      statuses.push(await get());
      latencies.push(performance.now() - began);
      await sleep(200);
    }
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const ok = statuses.filter((status) => status === 200).length;
    return `\`/readyz\` ${ok}/${statuses.length} ready, p99 ${ms(percentile(latencies, 0.99))}`;
  })();
  return { watching };
}

export function idleConnections(target: Target, scale: Round3Scale) {
  return async (bystander: Promise<LoadResult>) => {
    const { hostname, port } = new URL(target.url);
    const readiness = await watchReadiness(target.url, bystander);
    // The bystander (a worker thread) has started and holds its keep-alive connections by now.
    await sleep(1_500);
    const total = scale.maxConnections + scale.idleExtra;
    const sockets: Array<{ socket: net.Socket; closed: boolean }> = [];
    for (let opened = 0; opened < total; opened += 100) {
      const batch = Array.from({ length: Math.min(100, total - opened) }, async () => {
        const entry = { socket: net.connect({ host: hostname, port: Number(port) }), closed: false };
        entry.socket.on('error', () => {});
        entry.socket.once('close', () => (entry.closed = true));
        await new Promise((resolve) => entry.socket.once('connect', resolve).once('close', resolve));
        return entry;
      });
      sockets.push(...(await Promise.all(batch)));
    }
    await sleep(200);
    const droppedAtOnce = sockets.filter((entry) => entry.closed).length;
    const fresh = await fetch(`${target.url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => `${response.status}`,
      (error: Error) => `no answer (${(error.cause as Error | undefined)?.message ?? error.message})`,
    );
    await bystander;
    const held = sockets.filter((entry) => !entry.closed).length;
    for (const entry of sockets) entry.socket.destroy();
    return (
      `${total} idle (cap ${scale.maxConnections}): ${sockets.length - droppedAtOnce} accepted, ${droppedAtOnce} dropped at once, ` +
      `${held} still open at the end; ${await readiness.watching}; a new connection's \`/readyz\` at the cap: ${fresh}`
    );
  };
}

// ---------------------------------------------------------------------------------------------
// e. A hung Redis

/**
 * A loopback TCP proxy to Redis that can stop forwarding: while frozen, what either side sends is
 * held (not answered, connections kept open), as a stopped Redis process would; on thaw it flows.
 */
export class RedisProxy {
  private frozen = false;
  private readonly held: Array<() => void> = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => this.connect(client));

  constructor(private readonly upstream: { host: string; port: number }) {}

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  private connect(client: net.Socket): void {
    const redis = net.connect(this.upstream);
    for (const socket of [client, redis]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => {
        this.sockets.delete(socket);
        (socket === client ? redis : client).destroy();
      });
    }
    const forward = (to: net.Socket) => (data: Buffer) => {
      if (this.frozen) this.held.push(() => to.write(data));
      else to.write(data);
    };
    client.on('data', forward(redis));
    redis.on('data', forward(client));
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const send of this.held.splice(0)) send();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Generates `count` images at once and waits (bounded) until each has ended. */
async function generations(target: Target, key: string, count: number, label: string) {
  const admitted = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const began = performance.now();
      const answer = await graphql(target.url, key, GENERATE, {
        input: { modelId: 'flux-schnell', prompt: `${label} ${index}` },
      });
      const id = (answer.data?.generateImage as { id: string } | undefined)?.id;
      return { id, began, answeredMs: performance.now() - began };
    }),
  );
  const ended = await Promise.all(
    admitted.map(async ({ id, began }) => {
      for (let poll = 0; id && poll < 600; poll++) {
        const answer = await graphql(target.url, key, `{ generation(id: "${id}") { status } }`, {});
        const status = (answer.data?.generation as { status: string } | undefined)?.status;
        if (status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELED')
          return { status, ms: performance.now() - began };
        await sleep(100);
      }
      return { status: id ? 'still running after 60 s' : 'refused', ms: Number.NaN };
    }),
  );
  const answered = admitted.map((entry) => entry.answeredMs).sort((a, b) => a - b);
  const took = ended.map((entry) => entry.ms).sort((a, b) => a - b);
  const succeeded = ended.filter((entry) => entry.status === 'SUCCEEDED').length;
  return `${succeeded}/${count} SUCCEEDED, \`generateImage\` answered p50 ${ms(percentile(answered, 0.5))} max ${ms(answered.at(-1) ?? Number.NaN)}, ended p50 ${ms(percentile(took, 0.5))} max ${ms(took.at(-1) ?? Number.NaN)}`;
}

async function readyz(url: string): Promise<string> {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  if (!response) return 'no answer';
  const body = (await response.json().catch(() => ({}))) as { redis?: string };
  return `${response.status} (redis ${body.redis ?? '?'})`;
}

/** Generations with Redis answering, as the frozen phase's yardstick (run as its own phase). */
export function redisAnswering(target: Target, scale: Round3Scale) {
  return async (bystander: Promise<LoadResult>) => {
    const result = await generations(
      target,
      await target.newKey('redis-answering'),
      scale.frozenGenerations,
      'redis answering',
    );
    await bystander;
    return `Redis answering: ${result}; \`/readyz\` ${await readyz(target.url)}`;
  };
}

/** Polls `/readyz` until its status starts with `status` (bounded); the time it took, from `since`. */
async function untilReadiness(url: string, status: string, since: number, timeoutMs: number): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    if ((await readyz(url)).startsWith(status)) return performance.now() - since;
    await sleep(100);
  }
  return Number.NaN;
}

export function redisFrozen(target: Target, scale: Round3Scale) {
  return async (bystander: Promise<LoadResult>) => {
    const key = await target.newKey('redis-frozen');
    target.redis.freeze();
    const frozenAt = performance.now();
    try {
      const [result, notReadyMs] = await Promise.all([
        generations(target, key, scale.frozenGenerations, 'redis frozen'),
        untilReadiness(target.url, '503', frozenAt, 15_000),
      ]);
      await bystander;
      const during = await readyz(target.url);
      target.redis.thaw();
      const readyMs = await untilReadiness(target.url, '200', performance.now(), 15_000);
      return (
        `Redis frozen (proxy stops forwarding): ${result}; \`/readyz\` ${during} (503 ${ms(notReadyMs)} after the freeze, ` +
        `200 again ${ms(readyMs)} after the thaw)`
      );
    } finally {
      target.redis.thaw();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// f. Oversized WebSocket messages

export function oversizedMessages(target: Target) {
  return async (bystander: Promise<LoadResult>) => {
    let done = false;
    void bystander.then(() => (done = true));
    const codes: number[] = [];
    const closeMs: number[] = [];
    const bytes = target.maxBodyBytes * 16;
    const message = JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: `{ models { id } } # ${'x'.repeat(bytes)}` },
    });
    const key = await target.newKey('oversized-messages');
    const worker = async () => {
      for (let sent = 0; !done && sent < 2_000; sent++) {
        const socket = await openSocket(target.wsUrl, { authorization: `Bearer ${key}` });
        if (!socket.acked) {
          codes.push(await socket.closed);
          continue;
        }
        const began = performance.now();
        socket.ws.send(message);
        codes.push(await Promise.race([socket.closed, sleep(5_000).then(() => -1)]));
        closeMs.push(performance.now() - began);
        socket.ws.terminate();
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    closeMs.sort((a, b) => a - b);
    return (
      `${codes.length} authenticated sockets each sent one ${(bytes / 1024 / 1024).toFixed(1)} MB message (4 at a time): ` +
      `closed ${countCodes(codes.map((code) => (code === -1 ? 0 : code)))}, send → close p50 ${ms(percentile(closeMs, 0.5))} p99 ${ms(percentile(closeMs, 0.99))}`
    );
  };
}
