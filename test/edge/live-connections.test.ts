/**
 * Connections that stay open, under one set of limits for both transports (issue 21, items 2 and
 * 3): SSE streams count with WebSocket sockets against the instance's and each user's maximum and
 * end at once when their key is revoked; anonymous sockets are bounded per instance and per
 * source address, leave room for users, and close when they idle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/app.ts';
import { createTestUser } from '../support/users.ts';
import { connect, openRaw } from '../support/sockets.ts';

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

describe('SSE streams under the WebSocket limits', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ WS_MAX_SOCKETS: '4', WS_MAX_SOCKETS_PER_USER: '2' }, { runWorker: false });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("counts a user's streams and sockets together, and streams against the instance", async () => {
    const { key } = await createTestUser(app, { name: 'Streams', openLimits: false });
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
    const other = await createTestUser(app, { name: 'Other', openLimits: false });
    const others = [await openStream(app, other.key), await openStream(app, other.key)];
    const thirdUser = await createTestUser(app, { name: 'Third', openLimits: false });
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

  it('a revoked key ends its streams at once, with a last UNAUTHENTICATED event', async () => {
    const { key, keyId } = await createTestUser(app, { name: 'Revoked', openLimits: false });
    const stream = await openStream(app, key);
    const revoked = await app.graphql(
      'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: keyId },
      TEST_ADMIN_TOKEN,
    );
    expect(revoked.errors).toBeUndefined();
    await stream.ended;
    expect(stream.text()).toContain('"code":"UNAUTHENTICATED"');
  });
});

describe('anonymous sockets', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(
      {
        WS_MAX_SOCKETS: '10',
        WS_MAX_ANONYMOUS_SOCKETS: '3',
        WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: '5',
        WS_ANONYMOUS_IDLE_SECONDS: '2',
      },
      { runWorker: false },
    );
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('bounds anonymous sockets per instance and per address, keeping room for users', async () => {
    const anonymous = await Promise.all([connect(app, {}), connect(app, {})]);
    anonymous.push(await connect(app, {}));
    expect(anonymous.every((socket) => socket.acknowledged)).toBe(true);
    const fourth = await connect(app, {});
    expect(fourth.acknowledged).toBe(false);
    expect((await fourth.raw.closed).code).toBe(4429);

    // A user still gets in, with credentials in connection_init (the usual client) or the upgrade.
    const { key } = await createTestUser(app, { name: 'Room', openLimits: false });
    const user = await connect(app, { authorization: `Bearer ${key}` });
    expect(user.acknowledged).toBe(true);

    // Sockets that never authenticate, from one address: the sixth upgrade is refused (429).
    const pending = [await openRaw(app.url), await openRaw(app.url)];
    await expect(openRaw(app.url)).rejects.toMatchObject({ status: 429 });
    const withHeader = await connect(app, undefined, { authorization: `Bearer ${key}` });
    expect(withHeader.acknowledged).toBe(true);

    const everyRaw = [...[...anonymous, user, withHeader].map((socket) => socket.raw), ...pending];
    for (const raw of everyRaw) raw.socket.close();
    await Promise.all(everyRaw.map((raw) => raw.closed));
  });

  it("closes an anonymous socket that runs nothing (4408); a user's socket has no idle limit", async () => {
    const idle = await connect(app, {});
    expect(idle.acknowledged).toBe(true);
    expect((await idle.raw.closed).code).toBe(4408);

    const { key } = await createTestUser(app, { name: 'Not idle', openLimits: false });
    const user = await connect(app, { authorization: `Bearer ${key}` });
    // An authenticated socket has no idle limit: it still answers after the anonymous one closed.
    user.raw.send({ id: 'v', type: 'subscribe', payload: { query: '{ viewer { id } }' } });
    await user.raw.next((message) => message.id === 'v' && message.type === 'next');
    user.raw.socket.close();
  });
});
