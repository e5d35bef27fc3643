/**
 * Benchmark: what tracing costs a request. The same gateway in three processes, side by side with
 * the bare Yoga + Pothos `{ hello }` baseline, in alternating rounds of one run:
 *
 * - tracing off (no OTEL_* variables);
 * - tracing on, exporting over OTLP/HTTP to a loopback sink that answers every export at once;
 * - tracing on, to a collector that accepts connections and never answers (a hung collector):
 *   requests must not slow down behind it, and the process's memory must not grow with it.
 *
 * The operation is `viewer { id usage { … } }` with an API key (a Postgres statement or two per
 * request, so the pg spans count). Prints figures; not a test. Loopback only, bounded by the
 * durations.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/tracing.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { alternate, formatLoad, HELLO, loadAtConnections, startBareYoga, type LoadResult } from './baseline.ts';
import { openBenchDatabase } from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 50;
const VIEWER = '{ viewer { id usage { spentUsd reservedUsd remainingDailyUsd } } }';

interface Gateway {
  readonly url: string;
  readonly key: string;
  readonly child: ChildProcess;
}

async function startGateway(databaseUrl: string, otel: Record<string, string>): Promise<Gateway> {
  const child = fork(new URL('./tracing-server.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH, BENCH_DATABASE_URL: databaseUrl, ...otel },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string; key: string }];
  return { url: ready.url, key: ready.key, child };
}

async function rssOf(gateway: Gateway): Promise<number> {
  gateway.child.send('rss');
  const [answer] = (await once(gateway.child, 'message')) as [{ rss: number }];
  return answer.rss;
}

async function listen(server: net.Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function median(results: readonly LoadResult[]): LoadResult {
  return [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor((results.length - 1) / 2)]!;
}

async function main(): Promise<void> {
  const database = await openBenchDatabase();
  // The sink answers every export with an empty (successful) OTLP response and counts them.
  const received = { exports: 0, bytes: 0 };
  const sink = http.createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (received.bytes += chunk.length));
    request.on('end', () => {
      received.exports++;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  const hungSockets = new Set<net.Socket>();
  const hung = net.createServer((socket) => {
    hungSockets.add(socket);
    socket.on('close', () => hungSockets.delete(socket));
    socket.resume();
  });
  const bare = await startBareYoga();
  const gateways: Gateway[] = [];
  try {
    // Exports every 200 ms so the figures include them, not only the queueing.
    const on = { OTEL_BSP_SCHEDULE_DELAY: '200' };
    const [off, traced, stuck] = await Promise.all([
      startGateway(database.url, {}),
      startGateway(database.url, { ...on, OTEL_EXPORTER_OTLP_ENDPOINT: await listen(sink) }),
      startGateway(database.url, { ...on, OTEL_EXPORTER_OTLP_ENDPOINT: await listen(hung) }),
    ]);
    gateways.push(off!, traced!, stuck!);
    const viewer = (gateway: Gateway) => ({
      url: gateway.url,
      query: VIEWER,
      headers: { authorization: `Bearer ${gateway.key}` },
    });
    const rssBefore = await rssOf(stuck!);
    console.log(`\n${CONNECTIONS} connections × ${DURATION_S} s, ${ROUNDS} alternating rounds (median round shown)`);
    const runs = await alternate(ROUNDS, [
      ['bare Yoga { hello }', () => loadAtConnections({ url: bare.url, query: HELLO }, CONNECTIONS, DURATION_S)],
      ['viewer, tracing off', () => loadAtConnections(viewer(off!), CONNECTIONS, DURATION_S)],
      ['viewer, tracing → sink', () => loadAtConnections(viewer(traced!), CONNECTIONS, DURATION_S)],
      ['viewer, tracing → hung', () => loadAtConnections(viewer(stuck!), CONNECTIONS, DURATION_S)],
    ]);
    const base = median(runs.get('bare Yoga { hello }')!);
    const offRuns = runs.get('viewer, tracing off')!;
    for (const [label, results] of runs) {
      const vsOff = results.map(
        (run, i) => `${((100 * run.requestsPerSecond) / offRuns[i]!.requestsPerSecond).toFixed(0)} %`,
      );
      console.log(
        `  ${label.padEnd(24)} ${formatLoad(median(results), label.startsWith('bare') ? undefined : base)}` +
          `  (of tracing off, per round: ${vsOff.join(', ')})`,
      );
    }
    const rssAfter = await rssOf(stuck!);
    console.log(
      `\n  sink: ${received.exports} exports, ${(received.bytes / 1e6).toFixed(1)} MB;` +
        ` hung collector: ${hungSockets.size} connections held;` +
        ` its gateway's RSS ${(rssBefore / 1e6).toFixed(0)} MB before, ${(rssAfter / 1e6).toFixed(0)} MB after`,
    );
  } finally {
    for (const gateway of gateways) gateway.child.send('stop');
    await Promise.all(gateways.map((gateway) => once(gateway.child, 'exit')));
    for (const socket of hungSockets) socket.destroy();
    sink.close();
    hung.close();
    await bare.close();
    await database.close();
  }
}

await main();
