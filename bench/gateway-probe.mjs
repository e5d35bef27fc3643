// Loaded into the gateway child of bench/abuse.ts (`node --import`), plain JavaScript like
// steady-rate-worker.mjs: what the gateway itself sees of a phase, asked for over the child's IPC
// channel. `{ probe: 'reset' }` starts a phase; `{ probe: 'read' }` answers with, since then:
// - the gateway's event-loop delay (p99, max);
// - the server-side time of the bystander's requests (marked `x-bench-role: bystander`), from
//   Node's `http.server.request.start` (headers parsed, on the event loop) to
//   `http.server.response.finish` (the answer handed to the kernel): what the client's latency
//   adds on top of it is the wait before the gateway's loop took the request, in the kernel and
//   in the client's own process;
// - the connections it accepted, and the most open at once;
// - the gateway's CPU time (user and system, all threads).
// With BENCH_PHASE_PROF=<dir> it also writes a V8 CPU profile of each phase there, named after it.
// Bench only: nothing of it is in the gateway's code.
import dc from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const started = new WeakMap();
let durations = [];
let cpuAtReset = process.cpuUsage();
let accepted = 0;
let open = 0;
let mostOpen = 0;

dc.subscribe('net.server.socket', ({ socket }) => {
  accepted++;
  mostOpen = Math.max(mostOpen, ++open);
  socket.once('close', () => open--);
});

dc.subscribe('http.server.request.start', ({ request }) => {
  if (request.headers['x-bench-role'] === 'bystander') started.set(request, performance.now());
});
dc.subscribe('http.server.response.finish', ({ request }) => {
  const at = started.get(request);
  if (at !== undefined) durations.push(performance.now() - at);
});

const percentile = (sorted, q) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const profileDir = process.env.BENCH_PHASE_PROF;
const profiler = profileDir ? new Session() : undefined;
profiler?.connect();
let profiledPhase = 0;
let phaseName = '';

function startProfile(name) {
  if (!profiler) return;
  phaseName = name ?? '';
  profiler.post('Profiler.enable', () => profiler.post('Profiler.start'));
}

function stopProfile() {
  if (!profiler) return;
  profiler.post('Profiler.stop', (error, result) => {
    if (error) return;
    const slug = phaseName.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    const file = `phase-${String(++profiledPhase).padStart(2, '0')}-${slug}.cpuprofile`;
    writeFileSync(path.join(profileDir, file), JSON.stringify(result.profile));
  });
}

process.on('message', (message) => {
  if (message?.probe === 'reset') {
    startProfile(message.phase);
    loop.reset();
    durations = [];
    cpuAtReset = process.cpuUsage();
    accepted = 0;
    mostOpen = open;
  } else if (message?.probe === 'read') {
    stopProfile();
    const sorted = [...durations].sort((a, b) => a - b);
    const cpu = process.cpuUsage(cpuAtReset);
    process.send({
      probe: 'stats',
      loopP99Ms: loop.percentile(99) / 1e6,
      loopMaxMs: loop.max / 1e6,
      bystanderServerP50Ms: percentile(sorted, 0.5),
      bystanderServerP99Ms: percentile(sorted, 0.99),
      bystanderServerMaxMs: sorted.at(-1) ?? Number.NaN,
      bystanderServerCount: sorted.length,
      connectionsAccepted: accepted,
      connectionsMostOpen: mostOpen,
      cpuUserS: cpu.user / 1e6,
      cpuSystemS: cpu.system / 1e6,
    });
  }
});
// The channel must not keep the gateway alive when it shuts down.
process.channel?.unref();
