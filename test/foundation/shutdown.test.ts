import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEmptyDatabase, type TestDatabase } from '../support/database.ts';
import { spawnCli } from './process.ts';

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** `pixelgate serve` on a free port; resolves once it prints its GraphiQL URL. */
async function serve(database: { DATABASE_URL: string } | { PIXELGATE_DATA_DIR: string }): Promise<Served> {
  const child = spawnCli(['serve'], { ...database, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      const match = /GraphiQL at (http:\/\/\S+)\/graphql/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`serve exited early (${code ?? signal}):\n${output}`)));
  });
  return { child, url, exited, output: () => output };
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

  it('with embedded Postgres, stops the database too, without connection errors on the way out', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-shutdown-test-'));
    await chmod(dataDir, 0o755);
    try {
      const served = await serve({ PIXELGATE_DATA_DIR: dataDir });
      children.push(served.child);
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);
      served.child.kill('SIGTERM');
      expect(await served.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(served.output()).not.toMatch(/terminating connection|database connection failed/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
