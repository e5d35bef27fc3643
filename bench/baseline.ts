/**
 * The yardstick every GraphQL benchmark reports against, and the HTTP load driver they share.
 *
 * - `startBareYoga()`: graphql-yoga + Pothos answering `{ hello }` on a loopback port — nothing of
 *   pixelgate, so a ratio against it isolates what pixelgate adds on top of the stack.
 * - `loadAtConnections()` / `loadAtRate()`: one GraphQL operation, the load generator in its own
 *   worker thread (so it does not share the server's event loop): closed-loop at N connections
 *   for T seconds (autocannon), or open-loop at a fixed R req/s offered, evenly spaced
 *   (`steady-rate-worker.mjs`).
 *   Each run is bounded by its duration; every request goes to loopback.
 *
 * The machine is shared and noisy: report ratios against the baseline measured in the same run,
 * preferably in alternating rounds (`alternate`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import SchemaBuilder from '@pothos/core';
import autocannon from 'autocannon';
import { createYoga } from 'graphql-yoga';

export interface BareServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 on a free port. */
export async function listenOnLoopback(server: http.Server): Promise<BareServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** graphql-yoga + Pothos with one field, `{ hello }`, and Yoga's defaults otherwise. */
export async function startBareYoga(): Promise<BareServer> {
  // No plugins: the app's plugin option types are declared globally, so the empty options need a cast.
  const builder = new SchemaBuilder({} as never);
  builder.queryType({ fields: (t) => ({ hello: t.string({ resolve: () => 'world' }) }) });
  const yoga = createYoga({ schema: builder.toSchema(), logging: false, landingPage: false, graphiql: false });
  const server = http.createServer(yoga);
  const bare = await listenOnLoopback(server);
  return {
    url: bare.url,
    async close() {
      await bare.close();
      await yoga.dispose();
    },
  };
}

export const HELLO = '{ hello }';

export interface GraphQLOperation {
  /** Base URL of the server; the operation goes to `${url}/graphql`. */
  readonly url: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Non-2xx answers, socket errors and timeouts together; any makes the figures suspect. */
  readonly failures: number;
}

/** Sends the operation once and throws unless it answers data without errors: a benchmark of error answers measures nothing. */
export async function checkOperation(operation: GraphQLOperation): Promise<void> {
  const response = await fetch(`${operation.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...operation.headers },
    body: JSON.stringify({ query: operation.query, variables: operation.variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown };
  if (response.status !== 200 || body.errors || !body.data) {
    throw new Error(`benchmark operation failed (${response.status}): ${JSON.stringify(body).slice(0, 500)}`);
  }
}

async function runAutocannon(
  operation: GraphQLOperation,
  options: { connections: number; durationSeconds: number; overallRate?: number },
): Promise<LoadResult> {
  const body = JSON.stringify({ query: operation.query, variables: operation.variables });
  return runLoad({ url: operation.url, body, headers: operation.headers }, options);
}

/**
 * Any body POSTed to `${url}/graphql`, unchecked: for requests that are meant to be refused
 * (bench/abuse.ts), whose latency is the refusal's.
 */
export async function runLoad(
  request: { url: string; body: string; headers?: Record<string, string> },
  options: { connections: number; durationSeconds: number; overallRate?: number },
): Promise<LoadResult> {
  const result = await autocannon({
    url: `${request.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    workers: 1,
  });
  return {
    requestsPerSecond: result.requests.total / Math.max(1e-3, result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** Closed loop: `connections` keep one request in flight each for `durationSeconds`. */
export async function loadAtConnections(
  operation: GraphQLOperation,
  connections: number,
  durationSeconds: number,
): Promise<LoadResult> {
  await checkOperation(operation);
  return runAutocannon(operation, { connections, durationSeconds });
}

/**
 * Open loop: `rate` requests per second offered, evenly spaced, whatever the answers' speed, over
 * at most `connections` sockets (latency counts from when each request was due, so it includes
 * queueing). Its own generator in a worker thread (`steady-rate-worker.mjs`): autocannon's
 * `overallRate` sends each second's requests in a burst at its start.
 */
export async function loadAtRate(
  operation: GraphQLOperation,
  rate: number,
  durationSeconds: number,
  connections = 50,
): Promise<LoadResult> {
  await checkOperation(operation);
  const body = JSON.stringify({ query: operation.query, variables: operation.variables });
  return requestsAtRate(
    operation.url,
    [{ body, headers: operation.headers ?? {} }],
    rate,
    durationSeconds,
    connections,
  );
}

/**
 * `loadAtRate` for any bodies POSTed to `${url}/graphql`, unchecked, sent in turn (request i is
 * `requests[i % n]`): e.g. each request on behalf of another user.
 */
export async function requestsAtRate(
  url: string,
  requests: ReadonlyArray<{ body: string; headers: Record<string, string> }>,
  rate: number,
  durationSeconds: number,
  connections = 50,
): Promise<LoadResult> {
  const worker = new Worker(new URL('./steady-rate-worker.mjs', import.meta.url), {
    workerData: { url: `${url}/graphql`, requests, rate, durationSeconds, connections },
  });
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * Runs each measurement `rounds` times, alternating between them (a, b, c, a, b, c, …), so that
 * noise from other work on the machine spreads over all of them; returns every run per label.
 */
export async function alternate<T>(
  rounds: number,
  measurements: ReadonlyArray<readonly [label: string, measure: () => Promise<T>]>,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(measurements.map(([label]) => [label, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [label, measure] of measurements) results.get(label)!.push(await measure());
  }
  return results;
}

export function formatLoad(result: LoadResult, baseline?: LoadResult): string {
  const share = baseline
    ? `  ${((100 * result.requestsPerSecond) / baseline.requestsPerSecond).toFixed(0)} % of baseline`
    : '';
  const failures = result.failures > 0 ? `  (${result.failures} failed!)` : '';
  return (
    `${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(1)} ms  ` +
    `p99 ${result.p99Ms.toFixed(1)} ms${share}${failures}`
  );
}

// Run directly, it measures the baseline alone: `npx tsx bench/baseline.ts`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bare = await startBareYoga();
  try {
    const operation = { url: bare.url, query: HELLO };
    console.log(`bare Yoga { hello }, 50 connections × 5 s:  ${formatLoad(await loadAtConnections(operation, 50, 5))}`);
    console.log(`bare Yoga { hello }, 1,000 req/s × 5 s:     ${formatLoad(await loadAtRate(operation, 1_000, 5))}`);
  } finally {
    await bare.close();
  }
}
