/**
 * Embedded Postgres, for real: this file runs on embedded Postgres even when DATABASE_URL is set
 * (CI), so the zero-setup path of `npm start` is covered on every run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectDatabase } from '../../src/db/index.ts';
import { processIsAlive } from '../../src/db/embedded-owner.ts';
import { migrateToLatest, migrationsAreCurrent } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/logger.ts';
import { describe, expect, postmasterPid, test } from '../support/embedded-postgres.ts';
import { REPO_ROOT } from './process.ts';

const OWNER_SCRIPT = fileURLToPath(new URL('./embedded-owner.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Starts embedded-owner.ts, waits until it holds a running server, returns it for killing. */
async function startOwner(dataDir: string, note: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', OWNER_SCRIPT, dataDir, note], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
    void exited.then((status) => reject(new Error(`owner exited (${String(status)}) early: ${stderr}`)));
  });
  return { child, exited, ...(JSON.parse(line) as { url: string; reused: boolean }) };
}

describe('embedded Postgres', () => {
  test('initialises on first start, migrates and answers queries; a warm restart keeps the data', async ({
    embeddedPostgres: { clusterDir, start },
  }) => {
    const first = await start();
    expect(first.reused).toBe(false);
    expect(existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
    expect(first.url).toMatch(/^postgres:\/\/[^@]+@127\.0\.0\.1:\d+\/pixelgate$/);

    const handle = connectDatabase(first.url, silentLogger, { max: 2 });
    try {
      expect((await migrateToLatest(handle.db)).length).toBeGreaterThan(0);
      expect(await migrationsAreCurrent(handle.db)).toBe(true);
      await handle.db.insertInto('users').values({ name: 'written on first start' }).execute();
    } finally {
      await handle.close();
    }
    await first.stop();
    expect(await postmasterPid(clusterDir)).toBeUndefined();

    const startedAt = Date.now();
    const second = await start();
    expect(second.reused).toBe(false);
    // Warm start: no initdb.
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    const rows = await query<{ name: string }>(second.url, 'select name from users');
    expect(rows.map((row) => row.name)).toContain('written on first start');
    await second.stop();
  });

  test('adopts the server a SIGKILLed owner left running, and stops it on request', async ({
    embeddedPostgres: { dataDir, clusterDir, start },
  }) => {
    const owner = await startOwner(dataDir, 'written before SIGKILL');
    const pid = await postmasterPid(clusterDir);
    expect(pid).toBeDefined();
    owner.child.kill('SIGKILL');
    expect(await owner.exited).toBe('SIGKILL');
    // The gateway died; its postgres did not.
    expect(processIsAlive(pid!)).toBe(true);

    const adopted = await start();
    expect(adopted.reused).toBe(true);
    expect(adopted.url).toBe(owner.url);
    const rows = await query<{ name: string }>(adopted.url, 'select name from users');
    expect(rows.map((row) => row.name)).toContain('written before SIGKILL');

    await adopted.stop();
    await waitUntil(() => !processIsAlive(pid!), 15_000, 'the adopted postmaster to stop');
  });

  test('recovers when both the owner and its postgres were SIGKILLed (stale postmaster.pid)', async ({
    embeddedPostgres: { dataDir, clusterDir, start },
  }) => {
    const owner = await startOwner(dataDir, 'written before both died');
    const pid = (await postmasterPid(clusterDir))!;
    owner.child.kill('SIGKILL');
    await owner.exited;
    // The server this test started through the owner: a crash without any shutdown.
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !processIsAlive(pid), 10_000, 'the killed postmaster to go');
    expect(await postmasterPid(clusterDir)).toBe(pid);

    const recovered = await start();
    expect(recovered.reused).toBe(false);
    const rows = await query<{ name: string }>(recovered.url, 'select name from users');
    expect(rows.map((row) => row.name)).toContain('written before both died');
    await recovered.stop();
  });

  test.runIf(isRoot)(
    'works as root when the data dir sits inside a directory the postgres user cannot enter',
    async ({ tmpDir, embeddedPostgres: { start } }) => {
      // Like a clone inside `mktemp -d` (mode 700).
      const privateDir = path.join(tmpDir, 'private');
      await mkdir(privateDir, { mode: 0o700 });
      await chmod(privateDir, 0o700);
      const privateDataDir = path.join(privateDir, 'clone', '.pixelgate');
      const root = path.resolve(privateDataDir);
      const fallback = path.join(
        await realpath(os.tmpdir()),
        `pixelgate-postgres-${createHash('sha256').update(root).digest('hex').slice(0, 16)}`,
      );

      const embedded = await start(privateDataDir);
      expect((await query<{ answer: number }>(embedded.url, 'select 1 as answer'))[0]!.answer).toBe(1);
      expect(existsSync(path.join(fallback, 'postgres', 'PG_VERSION'))).toBe(true);
      await embedded.stop();

      // The same data dir finds the same cluster again.
      const again = await start(privateDataDir);
      expect((await query<{ answer: number }>(again.url, 'select 1 as answer'))[0]!.answer).toBe(1);
      await again.stop();
    },
  );
});
