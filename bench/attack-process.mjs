// The HTTP attacker of bench/abuse-round3.ts in a process of its own (plain JavaScript, so it needs
// no TypeScript loader), given the request and options over the IPC channel (the body in a file),
// answering with its result and the CPU time the attack took in this process (user and system:
// building and writing the requests, and the kernel's copies of what it wrote, which on loopback
// include delivering them to the gateway's socket). Being a process of its own, it can be pinned
// to a core apart from the gateway's (BENCH_PIN in bench/abuse.ts).
//
// Two clients:
// - `autocannon` (as every earlier figure): keep-alive, the next request written as soon as an
//   answer arrives. When the server closes the connection (a 413 says `Connection: close`) it
//   opens a new one without destroying the old, and opens yet another when the old one fails:
//   beside refused 16 MB bodies its "4 connections" are hundreds open at once;
// - `closing`: `connections` loops, each sending one request on a new connection, reading the
//   answer, destroying the connection and starting again: never more than `connections` open.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

async function viaAutocannon(request, body, options) {
  const result = await autocannon({
    url: `${request.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body,
    connections: options.connections,
    duration: options.durationSeconds,
  });
  return {
    requestsPerSecond: result.requests.total / Math.max(1e-3, result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    answered: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
    errors: result.errors,
  };
}

/** One request on a new connection: resolves with its latency once the answer's head has arrived, or NaN. */
function oneRequest(target, head, body) {
  return new Promise((resolve) => {
    const began = performance.now();
    const socket = net.connect(Number(target.port), target.hostname);
    let received = '';
    const done = (latency) => {
      socket.destroy();
      resolve(latency);
    };
    socket.on('error', () => done(received.includes('\r\n\r\n') ? performance.now() - began : Number.NaN));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      // The answers here are small and say their length: the whole answer is the head and that many bytes.
      const end = received.indexOf('\r\n\r\n');
      const length = Number(/content-length: *(\d+)/i.exec(received)?.[1] ?? Number.NaN);
      if (end !== -1 && received.length >= end + 4 + length) done(performance.now() - began);
    });
    socket.on('end', () => done(received.includes('\r\n\r\n') ? performance.now() - began : Number.NaN));
    socket.write(head);
    socket.write(body);
  });
}

async function viaClosingConnections(request, body, options) {
  const target = new URL(request.url);
  const payload = Buffer.from(body);
  const headers = {
    host: target.host,
    'content-type': 'application/json',
    'content-length': payload.length,
    ...request.headers,
  };
  const head = `POST /graphql HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  const latencies = [];
  let errors = 0;
  const until = performance.now() + options.durationSeconds * 1000;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < until) {
        const latency = await oneRequest(target, head, payload);
        if (Number.isNaN(latency)) errors++;
        else latencies.push(latency);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    requestsPerSecond: (latencies.length + errors) / ((performance.now() - began) / 1000),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    requests: latencies.length + errors,
    failures: errors,
    answered: latencies.length,
    errors,
  };
}

process.once('message', async ({ request, bodyFile, options }) => {
  const body = readFileSync(bodyFile, 'utf8');
  const cpuBefore = process.cpuUsage();
  const run = options.client === 'closing' ? viaClosingConnections : viaAutocannon;
  const result = await run(request, body, options);
  const cpu = process.cpuUsage(cpuBefore);
  process.send({ ...result, cpuUserS: cpu.user / 1e6, cpuSystemS: cpu.system / 1e6 }, () => process.exit(0));
});
