/**
 * Graceful shutdown of `pixelgate serve` with embedded Postgres (no DATABASE_URL): Ctrl-C stops the
 * server and its cluster in order, and a running server owns its data directory.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test as base } from '../support/embedded-postgres.ts';
import { runCli, serveCli, type ServedCli } from './process.ts';

const test = base
  /** The data directory (its cluster in `postgres/`); a Postgres a failed test left running is stopped after the file. */
  .extend('dataDir', { scope: 'file' }, ({ embeddedPostgres }) => embeddedPostgres.dataDir)
  /**
   * Starts `pixelgate serve` on the data directory, logging at info; what a test started and left
   * running is SIGKILLed after it (a test that failed half-way must not leave its server running).
   */
  .extend('serve', ({ dataDir }, { onCleanup }) => {
    const children: ChildProcess[] = [];
    onCleanup(() => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return async (options: { detached?: boolean } = {}): Promise<ServedCli> => {
      const served = await serveCli({ PIXELGATE_DATA_DIR: dataDir }, { ...options, logLevel: 'info' });
      children.push(served.child);
      return served;
    };
  })
  /** A serve that lives across the tests that ask for it and must stop cleanly after them: exit 0, its cluster stopped. */
  .extend('first', { scope: 'file' }, async ({ dataDir }, { onCleanup }) => {
    const first = await serveCli({ PIXELGATE_DATA_DIR: dataDir }, { logLevel: 'info' });
    onCleanup(async () => {
      first.child.kill('SIGTERM');
      expect(await first.exited, first.output()).toEqual({ code: 0, signal: null });
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    });
    return first;
  });

describe('graceful shutdown of `pixelgate serve` with embedded Postgres', () => {
  test('Ctrl-C (SIGINT to the whole process group) stops in order: exit 0, a few lines, no object dumps', async ({
    dataDir,
    serve,
  }) => {
    // Detached: the server leads a process group of its own, as a shell's foreground job does.
    const served = await serve({ detached: true });
    const postmasterPid = path.join(dataDir, 'postgres', 'postmaster.pid');
    expect(existsSync(postmasterPid)).toBe(true);
    const response = await fetch(`${served.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ models { id } }' }),
    });
    expect(response.status).toBe(200);
    const before = served.output().length;

    process.kill(-served.child.pid!, 'SIGINT');
    // Exit 0 means the stop finished inside its deadline (past it, the process exits 1).
    expect(await served.exited, served.output()).toEqual({ code: 0, signal: null });
    expect(existsSync(postmasterPid)).toBe(false);
    const stopLines = served.output().slice(before).trim().split('\n');
    expect(stopLines.join('\n')).toMatch(/shutting down/);
    expect(stopLines.join('\n')).toMatch(/"msg":"stopped"/);
    expect(stopLines.length, stopLines.join('\n')).toBeLessThanOrEqual(4);
    expect(served.output()).not.toMatch(
      /terminating connection|database connection (failed|lost)|error while stopping|secretKey|connectionParameters|took longer/,
    );
  });

  describe('while a pixelgate serves it', () => {
    test('a second serve refuses at once, naming the first, and the first stays ready', async ({ dataDir, first }) => {
      const second = await runCli(['serve'], { PIXELGATE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `another pixelgate (pid ${first.child.pid}) serves this data directory at ${first.url}`,
      );
      expect(await fetch(`${first.url}/readyz`).then((r) => r.status)).toBe(200);
    });

    test('CLI commands share its cluster and leave it running', async ({ dataDir, first }) => {
      const created = await runCli(['users', 'create', '--name', 'shared cluster'], { PIXELGATE_DATA_DIR: dataDir });
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout.trim()).toMatch(/^\S+$/);
      expect(await fetch(`${first.url}/readyz`).then((r) => r.status)).toBe(200);
    });
  });
});
