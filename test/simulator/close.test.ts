/**
 * `close()` with everything in flight — running predictions, a held `Prefer: wait`, a `timeout`
 * fault, a trickling body, a webhook delivery the receiver never answers, pending retries — must
 * leave no handle behind (no timer, no socket, no server).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { sleep, TOKEN, waitUntil } from './helpers.ts';

const WATCHED = new Set(['Timeout', 'TCPSocketWrap', 'TCPServerWrap', 'TCPWRAP', 'TCPSERVERWRAP']);

function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of process.getActiveResourcesInfo()) {
    if (WATCHED.has(resource)) counts[resource] = (counts[resource] ?? 0) + 1;
  }
  return counts;
}

describe('close()', () => {
  it('leaves no open handles while work of every kind is in flight', async () => {
    const before = handleCounts();

    // A webhook receiver that accepts deliveries and never answers them.
    const held: IncomingMessage[] = [];
    const receiver = createServer((req) => held.push(req));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const sim = await startSimulator({ port: 0, speed: 0.02 });
    const client = new Agent();
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      request(`${sim.origin}${path}`, {
        dispatcher: client,
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const create = '/v1/models/black-forest-labs/flux-schnell/predictions';

    sim.injectFaults([
      { method: 'POST', path: create, fault: 'timeout', times: 1 },
      { method: 'GET', path: '/v1/account', fault: 'slow_body', chunkDelayMs: 1_000 },
    ]);
    const pending = [
      post(create, { input: { prompt: 'held [sim:slow]' } }),
      request(`${sim.baseUrl}/account`, { dispatcher: client, headers: { authorization: `Bearer ${TOKEN}` } }).then(
        (response) => response.body.text(),
      ),
      post(create, { input: { prompt: 'waiting [sim:slow]' }, webhook }, { prefer: 'wait=60' }),
      post(create, { input: { prompt: 'cold [sim:cold]' } }, { 'cancel-after': '1h' }),
    ].map((promise) => promise.catch(() => undefined));
    await waitUntil(() => held.length > 0);

    await sim.close();
    await sim.close(); // idempotent
    // close() ends work in flight rather than waiting for it: the create held by the timeout fault
    // and the account body trickling for 10 s were both cut (a rejection, caught as undefined).
    const [timedOut, trickled] = await Promise.all(pending);
    expect(timedOut).toBeUndefined();
    expect(trickled).toBeUndefined();
    await client.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await sleep(20);

    // The test runner's own timers may come and go; nothing may be left beyond what was there before.
    const after = handleCounts();
    for (const kind of WATCHED) expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
  });
});
