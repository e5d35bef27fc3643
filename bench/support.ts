/** What the benchmarks share: a database of their own, a bounded load driver and percentiles. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { silentLogger } from '../src/logger.ts';

/**
 * A benchmark gateway's configuration: loopback on a free port, silent, its database, data
 * directory and simulator, plus the settings a benchmark changes (`extra`).
 */
export function benchConfig(settings: {
  databaseUrl: string;
  dataDir: string;
  simulatorUrl: string;
  extra?: Record<string, string>;
}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: settings.databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    REPLICATE_API_TOKEN: 'r8_bench_token_for_the_simulator',
    REPLICATE_API_BASE_URL: settings.simulatorUrl,
    PIXELGATE_DATA_DIR: settings.dataDir,
    ...settings.extra,
  });
}

export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/**
 * A fresh database: created on the server DATABASE_URL names (which must allow CREATE DATABASE)
 * and dropped by `close`, or embedded Postgres in a temporary directory when it is unset.
 */
export async function openBenchDatabase(): Promise<{ url: string; close: () => Promise<void> }> {
  const configured = process.env.DATABASE_URL;
  if (configured) {
    const name = `pixelgate_bench_${randomBytes(4).toString('hex')}`;
    const admin = async (statement: string) => {
      const client = new pg.Client({ connectionString: configured });
      await client.connect();
      try {
        await client.query(statement);
      } finally {
        await client.end();
      }
    };
    await admin(`create database ${name}`);
    const url = new URL(configured);
    url.pathname = `/${name}`;
    return { url: url.toString(), close: () => admin(`drop database if exists ${name} with (force)`) };
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-pg-'));
  const embedded = await startEmbeddedPostgres(dataDir, silentLogger);
  return {
    url: embedded.url,
    close: async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `count` calls with `concurrency` in flight, returning sorted per-call latencies (ms) and
 * the wall time. Stops with an error past `timeCapMs`, so a benchmark always ends by itself.
 */
export async function drive(
  count: number,
  call: (index: number) => Promise<void>,
  options: { concurrency: number; timeCapMs: number },
): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const deadline = performance.now() + options.timeCapMs;
  let next = 0;
  const startedAt = performance.now();
  async function worker() {
    while (next < count) {
      if (performance.now() > deadline) throw new Error(`Benchmark exceeded ${options.timeCapMs} ms; stopping.`);
      const index = next++;
      const began = performance.now();
      await call(index);
      latencies.push(performance.now() - began);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { latencies: latencies.sort((a, b) => a - b), elapsedMs: performance.now() - startedAt };
}
