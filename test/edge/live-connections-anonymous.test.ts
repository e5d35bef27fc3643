/**
 * Anonymous sockets (issue 21, items 2 and 3): bounded per instance and per source address, they leave
 * room for users, and close when they idle. Users' streams and sockets: live-connections.test.ts.
 */
import { describe, expect, test } from '../support/fixtures.ts';
import { connect, openRaw } from '../support/sockets.ts';

test.override('setup', {
  simulator: false,
  gateway: { runWorker: false },
  env: {
    WS_MAX_SOCKETS: '10',
    WS_MAX_ANONYMOUS_SOCKETS: '3',
    WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: '5',
    WS_ANONYMOUS_IDLE_SECONDS: '2',
  },
});

describe('anonymous sockets', () => {
  test('bounds anonymous sockets per instance and per address, keeping room for users', async ({ app, newUser }) => {
    const anonymous = await Promise.all([connect(app, {}), connect(app, {})]);
    anonymous.push(await connect(app, {}));
    expect(anonymous.every((socket) => socket.acknowledged)).toBe(true);
    const fourth = await connect(app, {});
    expect(fourth.acknowledged).toBe(false);
    expect((await fourth.raw.closed).code).toBe(4429);

    // A user still gets in, with credentials in connection_init (the usual client) or the upgrade.
    const { key } = await newUser({ name: 'Room', openLimits: false });
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

  test("closes an anonymous socket that runs nothing (4408); a user's socket has no idle limit", async ({
    app,
    newUser,
  }) => {
    const idle = await connect(app, {});
    expect(idle.acknowledged).toBe(true);
    expect((await idle.raw.closed).code).toBe(4408);

    const { key } = await newUser({ name: 'Not idle', openLimits: false });
    const user = await connect(app, { authorization: `Bearer ${key}` });
    // An authenticated socket has no idle limit: it still answers after the anonymous one closed.
    user.raw.send({ id: 'v', type: 'subscribe', payload: { query: '{ viewer { id } }' } });
    await user.raw.next((message) => message.id === 'v' && message.type === 'next');
    user.raw.socket.close();
  });
});
