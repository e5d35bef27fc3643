/**
 * Graceful shutdown of `pixelgate serve` on a database of the file's own: signals, WebSockets and
 * requests in flight. With embedded Postgres: shutdown-embedded.test.ts.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import WebSocket from 'ws';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { serveCli, type ServedCli } from './process.ts';

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

/**
 * Starts `pixelgate serve` on the file's empty database, logging at info; resolves once it prints
 * its GraphiQL URL. What a test started and left running is SIGKILLed after it (a test that failed
 * half-way must not leave its server running).
 */
const test = base.extend('serve', ({ emptyDatabase }, { onCleanup }) => {
  const children: ChildProcess[] = [];
  onCleanup(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return async (): Promise<ServedCli> => {
    const served = await serveCli({ DATABASE_URL: emptyDatabase.url }, { logLevel: 'info' });
    children.push(served.child);
    return served;
  };
});

describe('graceful shutdown of `pixelgate serve`', () => {
  test.for(['SIGTERM', 'SIGINT'] as const)(
    'on %s closes WebSockets with 1001, stops listening and exits 0 (its stop finished, not cut at 10 s)',
    async (signal, { expect, serve }) => {
      const served = await serve();
      expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
      const { socket, closed } = await openSocket(served.url);
      expect(socket.protocol).toBe('graphql-transport-ws');

      served.child.kill(signal);
      const [close, exit] = await Promise.all([closed, served.exited]);

      expect(close.code).toBe(1001);
      // A stop still running after 10 s is cut with exit code 1 (src/cli/process.ts): 0 means it finished.
      expect(exit, served.output()).toEqual({ code: 0, signal: null });
      await expect(fetch(`${served.url}/healthz`)).rejects.toThrow();
    },
  );

  test('finishes a request that is in flight when SIGTERM arrives', async ({ serve }) => {
    const served = await serve();
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
});
