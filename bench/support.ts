/** What every benchmark needs: a database of its own and percentiles. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { silentLogger } from '../src/logger.ts';

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
