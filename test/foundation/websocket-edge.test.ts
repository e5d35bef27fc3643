/**
 * The WebSocket edge: how sockets authenticate, what bounds them, and that a revoked key ends
 * what it allowed at once, on every instance.
 */
import WebSocket from 'ws';
import { startTestApp, TEST_ADMIN_TOKEN } from '../support/app.ts';
import { untilAnswered, withDatabaseClosed } from '../support/database.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { connect, openRaw, type RawSocket } from '../support/sockets.ts';

const VIEWER = 'query { viewer { id } }';
const GALLERY = 'subscription { myGenerations { id status } }';

/** A second instance on the same database, API-only and with the default bounds: revocations must reach its sockets too. */
const test = base.extend('other', { scope: 'file' }, async ({ env }, { onCleanup }) => {
  const other = await startTestApp({}, { database: env.database, runWorker: false });
  onCleanup(() => other.stop());
  return other;
});

test.override('setup', {
  simulator: false,
  env: {
    WS_MAX_SOCKETS: '6',
    WS_MAX_SOCKETS_PER_USER: '2',
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2',
    WS_MAX_BUFFERED_BYTES: '65536',
    LOG_LEVEL: 'error',
  },
});

describe('WebSocket edge', () => {
  test('reads the key from connectionParams in any case, Apollo-style headers, or the upgrade request', async ({
    other,
    newUser,
  }) => {
    const { key, userId } = await newUser({ name: 'Auth forms', openLimits: false });
    const forms: Array<[unknown, Record<string, string> | undefined]> = [
      [{ authorization: `Bearer ${key}` }, undefined],
      [{ Authorization: `Bearer ${key}` }, undefined],
      [{ headers: { Authorization: `Bearer ${key}` } }, undefined],
      [undefined, { authorization: `Bearer ${key}` }],
    ];
    for (const [payload, headers] of forms) {
      const { raw, acknowledged } = await connect(other, payload, headers);
      expect(acknowledged).toBe(true);
      raw.send({ id: '1', type: 'subscribe', payload: { query: VIEWER } });
      const next = (await raw.next((message) => message.id === '1' && message.type === 'next')) as {
        payload: { data: { viewer: { id: string } } };
      };
      expect(next.payload.data.viewer.id).toBeTruthy();
      expect(JSON.stringify(next.payload)).not.toContain('errors');
      raw.socket.close();
    }
    expect(userId).toBeTruthy();
  });

  test('closes 4403 with a reason that says the key is wrong', async ({ other }) => {
    const { raw, acknowledged } = await connect(other, { authorization: `Bearer pg_${'A'.repeat(43)}` });
    expect(acknowledged).toBe(false);
    const closed = await raw.closed;
    expect(closed.code).toBe(4403);
    expect(closed.reason).toMatch(/API key is invalid or has been revoked/);
  });

  test('answers a syntax error with an error for that id; the socket and its other operations live on', async ({
    other,
    newUser,
  }) => {
    const { key } = await newUser({ name: 'Syntax', openLimits: false });
    const { raw } = await connect(other, { authorization: `Bearer ${key}` });
    raw.send({ id: 'gallery', type: 'subscribe', payload: { query: GALLERY } });
    raw.send({ id: 'broken', type: 'subscribe', payload: { query: 'subscription { myGenerations { id ' } });
    const error = (await raw.next((message) => message.id === 'broken' && message.type === 'error')) as {
      payload: Array<{ message: string; extensions?: { code?: string } }>;
    };
    expect(error.payload[0]!.message).toMatch(/Syntax Error/);
    expect(error.payload[0]!.extensions?.code).toBe('BAD_USER_INPUT');
    raw.send({ id: 'invalid', type: 'subscribe', payload: { query: '{ nope }' } });
    const invalid = (await raw.next((message) => message.id === 'invalid' && message.type === 'error')) as {
      payload: Array<{ extensions?: { code?: string; retryable?: boolean } }>;
    };
    // The same contract code as over HTTP, not Yoga's GRAPHQL_VALIDATION_FAILED.
    expect(invalid.payload[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
    raw.send({ id: 'after', type: 'subscribe', payload: { query: VIEWER } });
    await raw.next((message) => message.id === 'after' && message.type === 'next');
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);
    raw.socket.close();
  });

  test('caps operations per socket, sockets per user and sockets per instance', async ({ app, newUser }) => {
    const { key } = await newUser({ name: 'Caps', openLimits: false });
    const first = await connect(app, { authorization: `Bearer ${key}` });
    first.raw.send({ id: 'a', type: 'subscribe', payload: { query: GALLERY } });
    first.raw.send({ id: 'b', type: 'subscribe', payload: { query: GALLERY } });
    first.raw.send({ id: 'c', type: 'subscribe', payload: { query: GALLERY } });
    const refused = (await first.raw.next((message) => message.id === 'c' && message.type === 'error')) as {
      payload: Array<{ message: string; extensions?: { code?: string } }>;
    };
    expect(refused.payload[0]!.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.payload[0]!.message).toMatch(/limit/);
    expect(first.raw.socket.readyState).toBe(WebSocket.OPEN);

    const second = await connect(app, { authorization: `Bearer ${key}` });
    expect(second.acknowledged).toBe(true);
    const third = await connect(app, { authorization: `Bearer ${key}` });
    expect(third.acknowledged).toBe(false);
    expect((await third.raw.closed).code).toBe(4429);

    // The instance cap (6) refuses the upgrade itself.
    const anonymous = await Promise.all(
      Array.from({ length: 4 }, () => openRaw(app.url).catch((error: { status?: number }) => error)),
    );
    const refusedUpgrade = await openRaw(app.url).catch((error: { status?: number }) => error);
    expect((refusedUpgrade as { status?: number }).status).toBe(503);
    for (const socket of [first.raw, second.raw, ...anonymous]) (socket as RawSocket).socket?.close();
  });

  test('closes a slow consumer instead of buffering for it', async ({ app, newUser, log }) => {
    const { key } = await newUser({ name: 'Slow', openLimits: false });
    const { raw } = await connect(app, { authorization: `Bearer ${key}` });
    const underlying = (raw.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    underlying.pause(); // stop reading: whatever the server sends now waits in its buffers
    // Each refused operation echoes its (long) id: kernel buffers fill, then the server's queue grows.
    const query = '{ models { id name replicateModel costPerImageUsd averageSeconds defaultInput } }';
    for (let i = 0; i < 1_500; i += 1) {
      raw.send({ id: `${i}-${'x'.repeat(8_000)}`, type: 'subscribe', payload: { query } });
      if (i % 250 === 249) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    underlying.resume();
    const closed = await raw.closed;
    expect(closed.code).toBe(1008);
    // The operations that arrive while it closes are refused with a contract code, not logged as
    // errors one by one (bench/abuse.ts's slow consumer logged ~3,500 error lines).
    const logLines = log.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logLines.filter((line) => line.level >= 50 && line.msg.includes('WebSocket operation'))).toEqual([]);
  });

  test('a revoked key ends its sockets on every instance and is refused at once over HTTP', async ({
    app,
    other,
    newUser,
  }) => {
    const { key, keyId } = await newUser({ name: 'Revoked', openLimits: false });
    const here = await connect(app, { authorization: `Bearer ${key}` });
    const there = await connect(other, { authorization: `Bearer ${key}` });
    for (const { raw } of [here, there]) raw.send({ id: 'g', type: 'subscribe', payload: { query: GALLERY } });
    // Warm the other instance's key cache over HTTP too.
    expect((await other.graphql(VIEWER, {}, key)).errors).toBeUndefined();

    const revoked = await app.graphql(
      'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: keyId },
      TEST_ADMIN_TOKEN,
    );
    expect(revoked.errors).toBeUndefined();

    // Closed by the push, not by the key cache's TTL (30 s) or the periodic re-check (10 s).
    const pushed = new Promise<'too late'>((resolve) => setTimeout(() => resolve('too late'), 5_000).unref());
    const closedHere = await Promise.race([here.raw.closed, pushed]);
    const closedThere = await Promise.race([there.raw.closed, pushed]);
    if (closedHere === 'too late' || closedThere === 'too late') throw new Error('a socket outlived its key');
    expect(closedHere.code).toBe(4403);
    expect(closedThere.code).toBe(4403);
    expect(closedThere.reason).toMatch(/revoked/);
    for (const instance of [app, other]) {
      const refused = await instance.graphql(VIEWER, {}, key);
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const reconnect = await connect(other, { authorization: `Bearer ${key}` });
    expect(reconnect.acknowledged).toBe(false);
  });

  test('a database outage at connect gets a retryable close (1013), not Forbidden', async ({ other, newUser }) => {
    const { key } = await newUser({ name: 'Outage', openLimits: false }); // not yet cached by `other`
    await withDatabaseClosed(other.database, async () => {
      const { raw, acknowledged } = await connect(other, { authorization: `Bearer ${key}` });
      expect(acknowledged).toBe(false);
      const closed = await raw.closed;
      expect(closed.code).toBe(1013);
      expect(closed.reason).toMatch(/database is unavailable/);
    });
    // Recovery is eventual (a terminated backend's pooled connection can be handed out once more).
    const acknowledged = await untilAnswered(async () => {
      const { raw, acknowledged } = await connect(other, { authorization: `Bearer ${key}` });
      if (!acknowledged) expect((await raw.closed).code).toBe(1013);
      raw.socket.close();
      return acknowledged || undefined;
    });
    expect(acknowledged).toBe(true);
  });
});
