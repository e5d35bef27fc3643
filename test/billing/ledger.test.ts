/** The ledger: append-only, adjustments with their sign convention, and verification that catches drift. */
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { settleHold, windowStart } from '../../src/billing/holds.ts';
import { adjustBalance, formatLedgerReport, verifyLedger } from '../../src/billing/ledger.ts';
import { createMigratedDatabase } from '../support/database.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import {
  asClientSees,
  billingConfig,
  expectLedgerVerified,
  insertUser,
  OUT_OF_THE_WAY,
  tally,
  tryAdmit,
  windowOf,
} from './helpers.ts';

const config = billingConfig();

describe('the ledger', () => {
  test('refuses UPDATE, DELETE and TRUNCATE', async ({ db }) => {
    const user = await insertUser(db, OUT_OF_THE_WAY);
    expect((await tryAdmit(db, config, user)).ok).toBe(true);
    await expect(db.updateTable('ledger_entries').set({ amount_micros: 1 }).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('ledger_entries').execute()).rejects.toThrow(/append-only/);
    await expect(sql`truncate ledger_entries`.execute(db)).rejects.toThrow(/append-only/);
  });

  test('allows one settle-or-release per hold', async ({ db }) => {
    const user = await insertUser(db, OUT_OF_THE_WAY);
    const admitted = await tryAdmit(db, config, user);
    if (!admitted.ok) throw new Error('not admitted');
    const hold = await db
      .selectFrom('holds')
      .selectAll()
      .where('generation_id', '=', admitted.generationId)
      .executeTakeFirstOrThrow();
    await db.transaction().execute((trx) => settleHold(trx, admitted.generationId, 10_000, new Date()));
    await expect(
      db
        .insertInto('ledger_entries')
        .values({
          user_id: user.id,
          hold_id: hold.id,
          generation_id: admitted.generationId,
          kind: 'release',
          amount_micros: 30_000,
        })
        .execute(),
    ).rejects.toThrow(/ledger_one_resolution_per_hold/);
    await expectLedgerVerified(db);
  });

  test('verification reports balances that drift from the ledger', async () => {
    const isolated = await createMigratedDatabase();
    try {
      const idb = isolated.handle.db;
      const user = await insertUser(idb, OUT_OF_THE_WAY);
      expect((await tryAdmit(idb, config, user)).ok).toBe(true);
      expect((await verifyLedger(idb)).ok).toBe(true);
      // A write that bypasses holds: the window no longer equals its ledger sum.
      await idb
        .updateTable('budget_windows')
        .set({ reserved_micros: 0 })
        .where('subject', '=', user.id)
        .where('period', '=', 'day')
        .execute();
      await idb.updateTable('holds').set({ state: 'released' }).where('user_id', '=', user.id).execute();
      const report = await verifyLedger(idb);
      expect(report.ok).toBe(false);
      expect(report.problems.join('\n')).toMatch(/released but the ledger has 0 settle and 0 release rows/);
      expect(report.problems.join('\n')).toMatch(
        new RegExp(`window ${user.id}/day/.*: reserved \\$0 but the ledger says \\$0.03`),
      );
      expect(formatLedgerReport(report)).toMatch(/^ledger MISMATCH: 2 problem\(s\)/);
    } finally {
      await isolated.drop();
    }
  });
});

describe('adjustBalance (positive = charge, negative = credit)', () => {
  test('a credit widens the headroom of today and this month; a charge narrows it', async ({ db }) => {
    const user = await insertUser(db, { dailyMicros: 100_000, ...OUT_OF_THE_WAY });
    const now = new Date('2031-10-10T10:00:00Z');
    for (let i = 0; i < 3; i += 1) expect((await tryAdmit(db, config, user, { now })).ok).toBe(true);
    expect((await tryAdmit(db, config, user, { now })).ok).toBe(false);

    const credit = await adjustBalance(db, config, {
      userId: user.id,
      amountMicros: -60_000,
      reason: 'refund: blurry batch',
      now,
    });
    expect(credit).toMatchObject({
      kind: 'adjust',
      amount_micros: -60_000,
      reason: 'refund: blurry batch',
      hold_id: null,
    });
    expect(await windowOf(db, user.id, 'day', '2031-10-10')).toMatchObject({
      adjusted_micros: -60_000,
      reserved_micros: 90_000,
    });
    expect(await windowOf(db, user.id, 'month', '2031-10-01')).toMatchObject({ adjusted_micros: -60_000 });
    const afterCredit = await Promise.all(Array.from({ length: 5 }, () => tryAdmit(db, config, user, { now })));
    expect(tally(afterCredit)).toEqual({ ACCEPTED: 2, BUDGET_EXCEEDED: 3 });

    // Full again: a charge must fit like a hold; the admin is told of the user's budget, not "your".
    const refused = asClientSees(
      adjustBalance(db, config, { userId: user.id, amountMicros: 20_000, reason: 'manual charge', now }),
    );
    await expect(refused).rejects.toMatchObject({
      message: expect.stringMatching(/^The user's daily budget for 2031-10-10/),
      extensions: { code: 'BUDGET_EXCEEDED', window: 'DAILY', remainingUsd: '0.01' },
    });
    await adjustBalance(db, config, { userId: user.id, amountMicros: 10_000, reason: 'manual charge', now });
    expect(await windowOf(db, user.id, 'day', '2031-10-10')).toMatchObject({
      adjusted_micros: -50_000,
      reserved_micros: 150_000,
    });
    await expectLedgerVerified(db);
  });

  test('a credit applies even when the budget was lowered below what is already used', async ({ db }) => {
    const user = await insertUser(db, { dailyMicros: 100_000, ...OUT_OF_THE_WAY });
    const now = new Date('2031-10-11T10:00:00Z');
    for (let i = 0; i < 3; i += 1) expect((await tryAdmit(db, config, user, { now })).ok).toBe(true);
    await db.updateTable('users').set({ daily_budget_micros: 10_000 }).where('id', '=', user.id).execute();
    await adjustBalance(db, config, { userId: user.id, amountMicros: -30_000, reason: 'goodwill', now });
    expect(await windowOf(db, user.id, 'day', '2031-10-11')).toMatchObject({
      adjusted_micros: -30_000,
      limit_micros: 100_000,
    });
    await expectLedgerVerified(db);
  });

  test('concurrent charges and holds never overshoot', async ({ db }) => {
    const user = await insertUser(db, { dailyMicros: 1_000_000, ...OUT_OF_THE_WAY });
    const now = new Date('2031-10-12T10:00:00Z');
    const work = Array.from({ length: 60 }, (_, index) =>
      index % 3 === 0
        ? asClientSees(
            adjustBalance(db, config, { userId: user.id, amountMicros: 30_000, reason: 'charge', now }),
          ).then(
            () => 'CHARGED',
            (error: { extensions?: { code?: string } }) => error.extensions?.code ?? 'ERROR',
          )
        : tryAdmit(db, config, user, { now }).then((outcome) => (outcome.ok ? 'ACCEPTED' : outcome.code)),
    );
    const results = await Promise.all(work);
    const accepted = results.filter((result) => result === 'ACCEPTED' || result === 'CHARGED').length;
    expect(accepted).toBe(33);
    expect(results.filter((result) => result === 'BUDGET_EXCEEDED')).toHaveLength(27);
    const day = await windowOf(db, user.id, 'day', windowStart('day', now));
    expect(day!.reserved_micros + day!.adjusted_micros).toBe(990_000);
    await expectLedgerVerified(db);
  });

  test('refuses zero', async ({ db }) => {
    const user = await insertUser(db);
    await expect(
      adjustBalance(db, config, { userId: user.id, amountMicros: 0, reason: 'nothing', now: new Date() }),
    ).rejects.toThrow(RangeError);
  });
});

describe('pixelgate ledger verify', () => {
  const runCli = (url: string) =>
    new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['bin/pixelgate.js', 'ledger', 'verify'], {
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout }));
    });

  test('exits 0 with a summary when balances match, 1 with a report when not', async () => {
    const isolated = await createMigratedDatabase();
    try {
      const idb = isolated.handle.db;
      const user = await insertUser(idb, OUT_OF_THE_WAY);
      expect((await tryAdmit(idb, config, user)).ok).toBe(true);
      const good = await runCli(isolated.url);
      expect(good.code).toBe(0);
      expect(good.stdout).toMatch(/^ledger OK/);
      expect(good.stdout).toMatch(/held \$0\.03/);
      await idb.updateTable('budget_windows').set({ spent_micros: 5 }).where('subject', '=', user.id).execute();
      const bad = await runCli(isolated.url);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/^ledger MISMATCH: 2 problem\(s\)/);
      expect(bad.stdout).toMatch(/spent \$0\.000005 but the ledger says \$0/);
    } finally {
      await isolated.drop();
    }
  }, 60_000);
});
