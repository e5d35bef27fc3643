/**
 * The usage cache behind `viewer { usage }` on one gateway (src/billing/usage-cache.ts): a repeated
 * read costs no statement, a change committed by anyone is seen once its NOTIFY has arrived, the
 * sliding minute moves with the app's clock, a lost listener loses no change, and the triggers
 * notify the owner. Across gateways: usage-cache-gateways; the cache alone: usage-cache.
 */
import pg from 'pg';
import { windowStart } from '../../src/billing/holds.ts';
import { USAGE_CHANNEL } from '../../src/billing/usage-cache.ts';
import { eventually, insertRunningGeneration } from '../generations/helpers.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { gid } from '../support/ids.ts';
import { insertUser } from './helpers.ts';
import { onQuery, readFromCache, readUntil, readViewer } from './usage-reads.ts';

let offsetMs = 0;
/** The gateway's clock, moved by the tests. */
const clock = () => new Date(Date.now() + offsetMs);

/** A connection of the test's own to the gateway's database: "another connection", the way another instance writes. */
const test = base.extend('other', { scope: 'file' }, async ({ app }, { onCleanup }) => {
  const other = new pg.Client({ connectionString: app.database.url });
  await other.connect();
  onCleanup(() => other.end());
  return other;
});

// A gateway alone (the built-in simulator), API only, on the clock above.
test.override('setup', { simulator: false, gateway: { runWorker: false, now: clock, onQuery } });

describe('viewer { usage } on one gateway', () => {
  test('a repeated read is answered without a statement, with the same figures', async ({ app, newUser }) => {
    const { userId, key } = await newUser({ name: 'Repeated', dailyBudgetMicros: 1_000_000 });
    const first = await readViewer(app, key);
    expect(first.statements).toBe(1);
    expect(first.viewer).toEqual({
      id: gid('User', userId),
      dailyBudgetUsd: '1',
      usage: { spentUsd: '0', reservedUsd: '0', remainingDailyUsd: '1', activeGenerations: 0, requestsInLastMinute: 0 },
    });
    expect(await readFromCache(app, key)).toEqual(first.viewer);
  });

  test('a change committed by another connection is read once its notification has arrived', async ({
    app,
    other,
    newUser,
  }) => {
    const { userId, key } = await newUser({ name: 'Elsewhere', dailyBudgetMicros: 1_000_000 });
    await readFromCache(app, key);

    await other.query(
      `insert into budget_windows (subject, period, window_start, limit_micros, reserved_micros)
       values ($1, 'day', $2, 1000000, 40000)`,
      [userId, windowStart('day', clock())],
    );
    await readUntil(app, key, (viewer) => viewer.usage.reservedUsd === '0.04');
    await other.query(`update budget_windows set reserved_micros = 10000, spent_micros = 30000 where subject = $1`, [
      userId,
    ]);
    await readUntil(app, key, (viewer) => viewer.usage.spentUsd === '0.03' && viewer.usage.reservedUsd === '0.01');
    await other.query('update users set daily_budget_micros = 2000000 where id = $1', [userId]);
    await readUntil(app, key, (viewer) => viewer.dailyBudgetUsd === '2' && viewer.usage.remainingDailyUsd === '1.96');

    const generation = await insertRunningGeneration(app.services.db, userId, 'counted while it runs');
    await readUntil(app, key, (viewer) => viewer.usage.activeGenerations === 1);
    await other.query(`update generations set status = 'SUCCEEDED' where id = $1`, [generation.id]);
    await readUntil(app, key, (viewer) => viewer.usage.activeGenerations === 0);

    // Cached again, with every change in it.
    expect((await readFromCache(app, key)).usage).toEqual({
      spentUsd: '0.03',
      reservedUsd: '0.01',
      remainingDailyUsd: '1.96',
      activeGenerations: 0,
      requestsInLastMinute: 0,
    });
  });

  test('the request count follows the sliding minute by the app’s clock, without any write', async ({
    app,
    other,
    newUser,
  }) => {
    const { userId, key } = await newUser({ name: 'Minute', dailyBudgetMicros: 1_000_000 });
    await other.query('insert into rate_limit_events (user_id, at) values ($1, $2)', [userId, clock()]);
    await readUntil(app, key, (viewer) => viewer.usage.requestsInLastMinute === 1);
    expect((await readFromCache(app, key)).usage.requestsInLastMinute).toBe(1);

    offsetMs += 61_000; // the request has left the window
    expect((await readViewer(app, key)).viewer.usage.requestsInLastMinute).toBe(0);

    // A request stamped ahead of this clock (another instance's) counts once the clock reaches it.
    await other.query('insert into rate_limit_events (user_id, at) values ($1, $2)', [
      userId,
      new Date(clock().getTime() + 5_000),
    ]);
    expect((await readFromCache(app, key)).usage.requestsInLastMinute).toBe(0);
    offsetMs += 6_000;
    expect((await readViewer(app, key)).viewer.usage.requestsInLastMinute).toBe(1);
  });

  test('a terminated listener loses no change: the next read is right, and reads are cached again once it is back', async ({
    app,
    other,
    newUser,
  }) => {
    const { userId, key } = await newUser({ name: 'Unheard', dailyBudgetMicros: 1_000_000 });
    await readFromCache(app, key);
    const listenerPid = async () => {
      const { rows } = await other.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and application_name = 'pixelgate-usage'`,
      );
      return rows[0]?.pid;
    };
    const before = await listenerPid();
    expect(before).toBeDefined();

    await other.query('select pg_terminate_backend($1)', [before]);
    // Committed while the listener is away or coming back: its notification may never arrive.
    await other.query('update users set daily_budget_micros = 3000000 where id = $1', [userId]);
    expect((await readViewer(app, key)).viewer.dailyBudgetUsd).toBe('3');

    await eventually(listenerPid, (pid) => pid !== undefined && pid !== before, 10_000);
    expect(await readFromCache(app, key)).toMatchObject({ dailyBudgetUsd: '3', usage: { remainingDailyUsd: '3' } });
  });

  test('the triggers notify the owner on each source, nothing for progress or the global window', async ({
    app,
    other,
  }) => {
    const owner = await insertUser(app.services.db);
    const listener = new pg.Client({ connectionString: app.database.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (notification) => heard.push(notification.payload ?? ''));
    await listener.query(`listen ${USAGE_CHANNEL}`);
    let markers = 0;
    /** Everything committed before has been heard once a marker sent after it is. */
    const catchUp = async () => {
      const marker = `marker-${++markers}`;
      await other.query('select pg_notify($1, $2)', [USAGE_CHANNEL, marker]);
      await eventually(async () => heard.includes(marker), Boolean, 5_000);
    };
    /** What `statement` made the listener hear. */
    const heardFrom = async (statement: string, parameters: unknown[] = []): Promise<string[]> => {
      await catchUp();
      heard.length = 0;
      await other.query(statement, parameters);
      await catchUp();
      return heard.filter((payload) => !payload.startsWith('marker-'));
    };
    try {
      const generation = await insertRunningGeneration(app.services.db, owner.id, 'notified');
      expect(await heardFrom('update generations set percent = 40 where id = $1', [generation.id])).toEqual([]);
      expect(await heardFrom(`update generations set status = 'FAILED' where id = $1`, [generation.id])).toEqual([
        owner.id,
      ]);
      const today = windowStart('day', clock());
      expect(
        await heardFrom(
          `insert into budget_windows (subject, period, window_start, limit_micros) values ('global', 'day', $1, 1)`,
          [today],
        ),
      ).toEqual([]);
      expect(
        await heardFrom('insert into rate_limit_events (user_id, at) values ($1, now()), ($1, now())', [owner.id]),
      ).toEqual([owner.id]); // folded within the transaction
      expect(await heardFrom('delete from rate_limit_events where user_id = $1', [owner.id])).toEqual([owner.id]);
      expect(await heardFrom('update users set name = $2 where id = $1', [owner.id, 'renamed'])).toEqual([owner.id]);
      // Rolled back: nothing.
      await catchUp();
      heard.length = 0;
      await expect(
        other.query(`do $$ begin update users set name = 'x'; raise exception 'undone'; end $$`),
      ).rejects.toThrow(/undone/);
      await catchUp();
      expect(heard.filter((payload) => !payload.startsWith('marker-'))).toEqual([]);
    } finally {
      await listener.end();
    }
  });
});
