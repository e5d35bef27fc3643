/**
 * Benchmark: 10,000 prediction GETs through the Replicate client against the local simulator.
 *
 * Prints requests/s, p50/p99 latency and the TCP connections opened, for the client with its
 * keep-alive pool and, in the same run, for two baselines: the same client with a pool of one
 * connection, and plain node:http with a new connection per request (no keep-alive).
 *
 * Loopback only, a fixed number of requests, and a time cap. Rate limits (ours and the
 * simulator's) are raised for the run: this measures the transport, not the limit policy.
 *
 *     npx tsx bench/replicate-client.ts
 */
import { request as httpRequest } from 'node:http';
import { createReplicateClient, type ReplicateClient } from '../src/replicate/index.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { drive, percentile } from './support.ts';

const TOTAL_REQUESTS = 10_000;
const CONCURRENCY = 32;
const POOL_SIZE = 8;
const PREDICTIONS = 5;
const WARM_UP_REQUESTS = 200;
const TIME_CAP_MS = 120_000;
const LOAD = { concurrency: CONCURRENCY, timeCapMs: TIME_CAP_MS };
const TOKEN = 'r8_bench_token';
const UNLIMITED_PER_MINUTE = 1_000_000_000;

interface RunResult {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly connectionsOpened: number;
}

async function measure(
  name: string,
  call: (index: number) => Promise<void>,
  connectionsOpened: () => number,
): Promise<RunResult> {
  await drive(WARM_UP_REQUESTS, call, LOAD);
  const { latencies, elapsedMs } = await drive(TOTAL_REQUESTS, call, LOAD);
  return {
    name,
    requestsPerSecond: TOTAL_REQUESTS / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    connectionsOpened: connectionsOpened(),
  };
}

function clientFor(baseUrl: string, connections: number): ReplicateClient {
  return createReplicateClient({
    token: TOKEN,
    baseUrl,
    transport: { connections },
    limiter: { createsPerMinute: UNLIMITED_PER_MINUTE, otherRequestsPerMinute: UNLIMITED_PER_MINUTE },
  });
}

/** A GET on a fresh TCP connection every time (`agent: false`), parsing the JSON like the client. */
function plainGet(origin: string, path: string, onSocket: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { agent: false, headers: { authorization: `Bearer ${TOKEN}` } });
    req.on('socket', onSocket);
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve();
      });
    });
    req.end();
  });
}

async function main(): Promise<void> {
  const simulator = await startSimulator({
    port: 0,
    speed: 0.01,
    rateLimits: { createsPerMinute: 600, otherPerMinute: UNLIMITED_PER_MINUTE },
  });
  const results: RunResult[] = [];
  try {
    const pooled = clientFor(simulator.baseUrl, POOL_SIZE);
    const ids: string[] = [];
    for (let i = 0; i < PREDICTIONS; i++) {
      const prediction = await pooled.createPrediction(
        { model: 'black-forest-labs/flux-schnell' },
        { input: { prompt: `benchmark ${i}` } },
      );
      ids.push(prediction.id);
    }
    const idFor = (index: number) => ids[index % ids.length]!;

    results.push(
      await measure(
        `client, pool of ${POOL_SIZE}`,
        async (index) => void (await pooled.getPrediction(idFor(index))),
        () => pooled.transportStats().connectionsOpened,
      ),
    );
    await pooled.close();

    const single = clientFor(simulator.baseUrl, 1);
    results.push(
      await measure(
        'client, pool of 1',
        async (index) => void (await single.getPrediction(idFor(index))),
        () => single.transportStats().connectionsOpened,
      ),
    );
    await single.close();

    let plainConnections = 0;
    results.push(
      await measure(
        'node:http, no keep-alive',
        (index) => plainGet(simulator.origin, `/v1/predictions/${idFor(index)}`, () => plainConnections++),
        () => plainConnections,
      ),
    );
  } finally {
    await simulator.close();
  }

  const [client] = results;
  console.log(
    `${TOTAL_REQUESTS} GET /v1/predictions/{id} against the simulator on loopback, ${CONCURRENCY} in flight ` +
      `(after ${WARM_UP_REQUESTS} warm-up requests; connections include the warm-up)\n`,
  );
  console.table(
    results.map((result) => ({
      variant: result.name,
      'req/s': Math.round(result.requestsPerSecond),
      'p50 ms': result.p50Ms.toFixed(2),
      'p99 ms': result.p99Ms.toFixed(2),
      'TCP connections': result.connectionsOpened,
      'throughput vs pool': client ? `${(result.requestsPerSecond / client.requestsPerSecond).toFixed(2)}×` : '',
    })),
  );
  const noKeepAlive = results.at(-1);
  if (client && noKeepAlive) {
    console.log(
      `\nKeep-alive pool: ${(client.requestsPerSecond / noKeepAlive.requestsPerSecond).toFixed(1)}× the throughput ` +
        `of a connection per request, over ${client.connectionsOpened} TCP connections instead of ` +
        `${noKeepAlive.connectionsOpened}.`,
    );
  }
}

await main();
