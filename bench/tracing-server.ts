/**
 * One gateway for bench/tracing.ts, in a process of its own so that tracing is on or off for the
 * whole process (the instrumentations patch modules as they load): tracing starts from the OTEL_*
 * variables the parent sets, before the app is imported, as in src/main.ts. Tells the parent its
 * URL and an API key, answers `rss` with its resident memory, and ends on `stop`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadTracingConfig } from '../src/config.ts';
import { startTracing } from '../src/tracing.ts';

const tracing = await startTracing({ config: loadTracingConfig() });
const { startApp } = await import('../src/app.ts');
const { createApiKey } = await import('../src/auth/api-keys.ts');
const { createUser } = await import('../src/auth/users.ts');
const { silentLogger } = await import('../src/logger.ts');
const { benchConfig } = await import('./support.ts');

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-tracing-'));
// The simulator's address is never called: reads only.
const config = benchConfig({
  databaseUrl: process.env.BENCH_DATABASE_URL!,
  dataDir,
  simulatorUrl: 'http://127.0.0.1:9',
});
const app = await startApp({ config, logger: silentLogger });
const user = await createUser(app.services.db, { name: `bench-${process.pid}`, dailyBudgetMicros: 1_000_000_000 });
const { key } = await createApiKey(app.services.db, user.id);
process.send!({ url: app.url, key, tracing: tracing !== undefined });
process.on('message', (message) => {
  if (message === 'rss') process.send!({ rss: process.memoryUsage().rss });
  if (message === 'stop') {
    void (async () => {
      await app.close();
      // A hung collector would hold the shutdown's export for its timeout: give it a second.
      await Promise.race([tracing?.shutdown(), new Promise((resolve) => setTimeout(resolve, 1_000))]);
      await rm(dataDir, { recursive: true, force: true });
      process.exit(0);
    })();
  }
});
