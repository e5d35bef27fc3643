/**
 * One composition (`startProcess`) builds every role: all-in-one (`serve`), API-only
 * (`serve --no-worker`) and jobs-only (`worker`). A start that fails after the database opened
 * closes it.
 */
import net from 'node:net';
import pg from 'pg';
import { startProcess, type RunningProcess } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import type { TestDatabase } from '../support/database.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

/** Connections other than this one to `database` (the app's pool and its listeners). */
async function connectionsTo(database: TestDatabase): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

async function readyz(running: RunningProcess): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${running.url}/readyz`);
  return { status: response.status, body: await response.json() };
}

/** A process's configuration on the file's empty database, `env` on top. */
const test = base.extend(
  'config',
  { scope: 'file' },
  ({ emptyDatabase }) =>
    (env: Record<string, string> = {}) =>
      loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: emptyDatabase.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        ...env,
      }),
);

describe('one composition for every role', () => {
  test('a worker that cannot reach Replicate stops at start and leaves no database connection behind', async ({
    config,
    emptyDatabase,
  }) => {
    // No token and no simulator URL: a worker cannot use an in-process simulator (a later step
    // than opening and migrating the database).
    await expect(startProcess({ config: config(), logger: silentLogger, role: 'worker' })).rejects.toThrow(
      'REPLICATE_API_TOKEN is not set',
    );
    await expect.poll(() => connectionsTo(emptyDatabase)).toBe(0);
  });

  test('a server whose port is taken (the last step) stops everything it had started', async ({
    config,
    emptyDatabase,
  }) => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(
        startProcess({
          config: config({ PORT: String(port), REPLICATE_API_BASE_URL: 'http://127.0.0.1:9/v1' }),
          logger: silentLogger,
          role: 'worker',
        }),
      ).rejects.toThrow(/EADDRINUSE/);
      await expect.poll(() => connectionsTo(emptyDatabase)).toBe(0);
    } finally {
      blocker.close();
    }
  });

  test('/readyz reports what each role needs: the job worker only where jobs run', async ({
    config,
    emptyDatabase,
  }) => {
    const all = await startProcess({ config: config(), logger: silentLogger, role: 'all' });
    const simulator = { REPLICATE_API_BASE_URL: all.simulatorUrl! };
    const api = await startProcess({ config: config(simulator), logger: silentLogger, role: 'api' });
    const worker = await startProcess({ config: config(simulator), logger: silentLogger, role: 'worker' });
    try {
      const ready = { status: 'ready', database: 'ok', migrations: 'current' };
      expect(await readyz(all)).toEqual({ status: 200, body: { ...ready, role: 'all', worker: 'running' } });
      expect(await readyz(api)).toEqual({ status: 200, body: { ...ready, role: 'api' } });
      expect(await readyz(worker)).toEqual({ status: 200, body: { ...ready, role: 'worker', worker: 'running' } });
      // A worker serves its health routes only.
      expect(worker.services).toBeUndefined();
      expect((await fetch(`${worker.url}/graphql`)).status).toBe(404);
      expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
    } finally {
      await worker.close();
      await api.close();
      await all.close();
    }
    await expect.poll(() => connectionsTo(emptyDatabase)).toBe(0);
  });
});
