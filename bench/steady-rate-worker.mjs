// The open-loop load generator of bench/baseline.ts `loadAtRate`, in its own worker thread (plain
// JavaScript, so it needs no TypeScript loader). Request i is due at start + i / rate and is sent as
// soon as it is due, over at most `connections` keep-alive sockets (a request waits for a free one
// when all are busy); its latency runs from when it was due, so waiting for a socket counts
// (no coordinated omission). autocannon's `overallRate` releases each connection's share of a
// second in a burst at the start of the second, which makes even a trivial server's p99 the
// length of that burst; here the requests are spread evenly.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

/** `requests`: bodies and headers sent in turn (request i is `requests[i % n]`). */
const { url, requests, rate, durationSeconds, connections } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const total = Math.max(1, Math.round(rate * durationSeconds));
const intervalMs = 1000 / rate;
const prepared = requests.map(({ body, headers }) => {
  const payload = Buffer.from(body);
  return {
    payload,
    headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
  };
});
const latencies = new Float64Array(total);
let answered = 0;
let failures = 0;
let sent = 0;
const startedAt = performance.now() + 20;

function finish(index, ok) {
  latencies[index] = performance.now() - (startedAt + index * intervalMs);
  if (!ok) failures++;
  if (++answered === total) report();
}

function send(index) {
  const { payload, headers } = prepared[index % prepared.length];
  const request = http.request(
    {
      agent,
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers,
    },
    (response) => {
      response.resume();
      response.once('end', () => finish(index, response.statusCode === 200));
      response.once('error', () => finish(index, false));
    },
  );
  request.once('error', () => finish(index, false));
  request.end(payload);
}

function tick() {
  const now = performance.now();
  while (sent < total && startedAt + sent * intervalMs <= now) send(sent++);
  if (sent < total) setTimeout(tick, Math.max(0, startedAt + sent * intervalMs - performance.now()));
}

function report() {
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const elapsedS = (performance.now() - startedAt) / 1000;
  agent.destroy();
  parentPort.postMessage({
    requestsPerSecond: total / elapsedS,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    requests: total,
    failures,
  });
}

setTimeout(tick, 20);
