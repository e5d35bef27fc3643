/**
 * The fixtures of fixtures.ts and `embeddedPostgres`, for tests of the zero-setup path that start
 * embedded Postgres themselves (src/db/embedded.ts):
 *
 *     import { describe, expect, test } from '../support/embedded-postgres.ts';
 *     test('restarts warm', async ({ embeddedPostgres }) => { const db = await embeddedPostgres.start(); … });
 *
 * `dataDir` is a data directory under the file's `tmpDir` (its cluster in `clusterDir`); `start`
 * starts or adopts the cluster of a data directory and remembers it. After the file's last test,
 * what was started is stopped, and a postmaster still running in a remembered cluster (a child
 * process started it, or a test failed half-way) is stopped by the pid in its `postmaster.pid`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { clusterDirectory } from '../../src/db/embedded-install.ts';
import { processIsAlive } from '../../src/db/embedded-owner.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { silentLogger } from '../../src/logger.ts';
import { test as base } from './fixtures.ts';

export { describe, expect } from './fixtures.ts';

export interface EmbeddedPostgres {
  readonly dataDir: string;
  /** Where `dataDir`'s cluster lives (`postgres/` inside it). */
  readonly clusterDir: string;
  /** Starts (or adopts) the cluster of `dataDir` (default: the fixture's), stopped after the file. */
  start(dataDir?: string): Promise<EmbeddedDatabase>;
}

/** The pid a cluster's `postmaster.pid` names (undefined without one). */
export async function postmasterPid(clusterDir: string): Promise<number | undefined> {
  const file = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number((await readFile(file, 'utf8')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Stops the postmaster still running in `clusterDir`, if any: SIGINT (fast shutdown), SIGKILL after 15 s. */
async function stopLeftover(clusterDir: string): Promise<void> {
  const pid = await postmasterPid(clusterDir);
  if (!pid || !processIsAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15_000 && processIsAlive(pid); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (processIsAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** The cluster directory of `dataDir` (created), as startEmbeddedPostgres will find it. */
async function clusterOf(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  return clusterDirectory(path.resolve(dataDir), silentLogger);
}

export const test = base.extend(
  'embeddedPostgres',
  { scope: 'file' },
  async ({ tmpDir }, { onCleanup }): Promise<EmbeddedPostgres> => {
    const dataDir = path.join(tmpDir, 'data');
    const clusterDir = await clusterOf(dataDir);
    const clusterDirs = new Set([clusterDir]);
    const started: EmbeddedDatabase[] = [];
    onCleanup(async () => {
      for (const embedded of started.reverse()) await embedded.stop().catch(() => undefined);
      for (const dir of clusterDirs) {
        await stopLeftover(dir);
        // A cluster kept outside its data directory (under the system temp dir) goes too.
        await rm(path.dirname(dir), { recursive: true, force: true });
      }
    });
    return {
      dataDir,
      clusterDir,
      async start(dir = dataDir) {
        clusterDirs.add(await clusterOf(dir));
        const embedded = await startEmbeddedPostgres(dir, silentLogger);
        started.push(embedded);
        return embedded;
      },
    };
  },
);
