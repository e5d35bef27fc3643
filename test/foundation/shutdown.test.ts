import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEmptyDatabase, type TestDatabase } from '../support/database.ts';
import { runCli, serveCli, type ServedCli } from './process.ts';

type Served = ServedCli;

/** `pixelgate serve` on a free port, logging at info; resolves once it prints its GraphiQL URL. */
function serve(
  database: { DATABASE_URL: string } | { PIXELGATE_DATA_DIR: string },
  options: { detached?: boolean } = {},
): Promise<Served> {
  return serveCli(database, { ...options, logLevel: 'info' });
}

/** A graphql-transport-ws connection that has been acknowledged by the server. */
async function openSocket(
  url: string,
): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve();
    });
  });
  return { socket, closed };
}

describe('graceful shutdown of `pixelgate serve`', () => {
  let database: TestDatabase;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterEach(() => {
    // A test that failed half-way must not leave its server running.
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it.for(['SIGTERM', 'SIGINT'] as const)(
    'on %s closes WebSockets with 1001, stops listening and exits 0 within 10 s',
    async (signal, { expect }) => {
      const served = await serve({ DATABASE_URL: database.url });
      children.push(served.child);
      expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
      const { socket, closed } = await openSocket(served.url);
      expect(socket.protocol).toBe('graphql-transport-ws');

      const signalledAt = Date.now();
      served.child.kill(signal);
      const [close, exit] = await Promise.all([closed, served.exited]);
      const tookMs = Date.now() - signalledAt;

      expect(close.code).toBe(1001);
      expect(exit, served.output()).toEqual({ code: 0, signal: null });
      expect(tookMs).toBeLessThan(10_000);
      await expect(fetch(`${served.url}/healthz`)).rejects.toThrow();
    },
  );

  it('finishes a request that is in flight when SIGTERM arrives', async () => {
    const served = await serve({ DATABASE_URL: database.url });
    children.push(served.child);
    const body = JSON.stringify({ query: '{ models { id } }' });
    // Headers and half the body now, the rest after the signal: the request is mid-flight.
    const request = http.request(`${served.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.once('error', reject);
      request.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const signalledAt = Date.now();
    served.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    request.end(body.slice(10));

    const answered = await response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text)).toMatchObject({ data: { models: expect.any(Array) } });
    expect(await served.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
  });

  describe('with embedded Postgres', () => {
    let dataDir: string;
    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-shutdown-test-'));
      await chmod(dataDir, 0o755);
    });
    afterAll(async () => {
      // A test that failed half-way must not leave its Postgres running either.
      const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGKILL');
      }
      await rm(dataDir, { recursive: true, force: true });
    });

    it('Ctrl-C (SIGINT to the whole process group) stops in order: exit 0, a few lines, no object dumps', async () => {
      // Detached: the server leads a process group of its own, as a shell's foreground job does.
      const served = await serve({ PIXELGATE_DATA_DIR: dataDir }, { detached: true });
      children.push(served.child);
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
      let first: Served;
      beforeAll(async () => {
        // Not in `children`: it lives across this block's tests and is stopped after them.
        first = await serve({ PIXELGATE_DATA_DIR: dataDir });
      });
      afterAll(async () => {
        first.child.kill('SIGTERM');
        expect(await first.exited, first.output()).toEqual({ code: 0, signal: null });
        expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      });

      it('a second serve refuses at once, naming the first, and the first stays ready', async () => {
        const second = await runCli(['serve'], { PIXELGATE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' });
        expect(second.code).toBe(1);
        expect(second.stderr).toContain(
          `another pixelgate (pid ${first.child.pid}) serves this data directory at ${first.url}`,
        );
        expect(await fetch(`${first.url}/readyz`).then((r) => r.status)).toBe(200);
      });

      it('CLI commands share its cluster and leave it running', async () => {
        const created = await runCli(['users', 'create', '--name', 'shared cluster'], { PIXELGATE_DATA_DIR: dataDir });
        expect(created.code, created.stderr).toBe(0);
        expect(created.stdout.trim()).toMatch(/^\S+$/);
        expect(await fetch(`${first.url}/readyz`).then((r) => r.status)).toBe(200);
      });
    });
  });
});
