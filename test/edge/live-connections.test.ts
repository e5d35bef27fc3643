/**
 * Connections that stay open, under one set of limits for both transports (issue 21, items 2 and
 * 3): SSE streams count with WebSocket sockets against the instance's and each user's maximum and
 * end at once when their key is revoked. Anonymous sockets: live-connections-anonymous.test.ts.
 */
import { graphql } from '../gql/index.ts';
import type { TestApp } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { connect } from '../support/sockets.ts';

const GALLERY = 'subscription { myGenerations { id status } }';

/** An SSE subscription held open; `text()` is what arrived so far. */
async function openStream(app: TestApp, key: string) {
  const abort = new AbortController();
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: GALLERY }),
    signal: abort.signal,
  });
  let text = '';
  const decoder = new TextDecoder();
  const ended = (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
      }
    } catch {
      // aborted by the test
    }
  })();
  return { status: response.status, text: () => text, ended, close: () => abort.abort() };
}

test.override('setup', {
  simulator: false,
  gateway: { runWorker: false },
  env: { WS_MAX_SOCKETS: '4', WS_MAX_SOCKETS_PER_USER: '2' },
});

describe('SSE streams under the WebSocket limits', () => {
  test("counts a user's streams and sockets together, and streams against the instance", async ({ app, newUser }) => {
    const { key } = await newUser({ name: 'Streams', openLimits: false });
    const first = await openStream(app, key);
    const socket = await connect(app, { authorization: `Bearer ${key}` });
    expect(first.status).toBe(200);
    expect(socket.acknowledged).toBe(true);

    const third = await openStream(app, key);
    await third.ended;
    expect(third.text()).toContain('"code":"RATE_LIMITED"');
    const extraSocket = await connect(app, { authorization: `Bearer ${key}` });
    expect((await extraSocket.raw.closed).code).toBe(4429);

    // The instance holds 4: two of this user, two of another; a third user's stream is refused.
    const other = await newUser({ name: 'Other', openLimits: false });
    const others = [await openStream(app, other.key), await openStream(app, other.key)];
    const thirdUser = await newUser({ name: 'Third', openLimits: false });
    const refused = await openStream(app, thirdUser.key);
    await refused.ended;
    expect(refused.text()).toContain('"code":"RATE_LIMITED"');

    // Closing a stream frees its place.
    first.close();
    await expect
      .poll(async () => {
        const retry = await openStream(app, thirdUser.key);
        const accepted = !retry.text().includes('RATE_LIMITED');
        retry.close();
        return accepted;
      })
      .toBe(true);
    for (const stream of others) stream.close();
    socket.raw.socket.close();
  });

  const RevokeStreamingKey = graphql(`
    mutation RevokeStreamingKey($id: ID!) {
      revokeApiKey(id: $id) {
        id
      }
    }
  `);

  test('a revoked key ends its streams at once, with a last UNAUTHENTICATED event', async ({ app, admin, newUser }) => {
    const { key, keyId } = await newUser({ name: 'Revoked', openLimits: false });
    const stream = await openStream(app, key);
    const revoked = await admin(RevokeStreamingKey, { id: keyId });
    expect(revoked.errors).toBeUndefined();
    await stream.ended;
    expect(stream.text()).toContain('"code":"UNAUTHENTICATED"');
  });
});
