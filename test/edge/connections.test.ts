/**
 * Connections and file descriptors (issue 21, item 4): a server accepts at most HTTP_MAX_CONNECTIONS
 * client connections, never more than its descriptor limit less the headroom kept for the
 * database, Redis and Replicate; one over the cap is dropped at once, and the instance answers
 * again (`/readyz` included) as soon as connections go.
 */
import net from 'node:net';
import { connectionCap, DESCRIPTOR_HEADROOM } from '../../src/http/connection-cap.ts';
import { describe, expect, test } from '../support/fixtures.ts';

// An API-only gateway that accepts four connections.
test.override('setup', { simulator: false, env: { HTTP_MAX_CONNECTIONS: '4' }, gateway: { runWorker: false } });

describe('connection cap', () => {
  test('stays below the descriptor limit with headroom, whatever is configured', () => {
    expect(connectionCap(undefined, 20_000)).toBe(20_000 - DESCRIPTOR_HEADROOM);
    expect(connectionCap(100_000, 20_000)).toBe(20_000 - DESCRIPTOR_HEADROOM);
    expect(connectionCap(300, 20_000)).toBe(300);
    expect(connectionCap(300, undefined)).toBe(300);
  });

  test('drops a connection over the cap; answers again once idle ones go', async ({ app }) => {
    const idle = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect(app.port, '127.0.0.1', () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    );
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
    for (const socket of idle) socket.destroy();
    await expect.poll(async () => (await fetch(`${app.url}/readyz`).catch(() => undefined))?.status).toBe(200);
  });
});
