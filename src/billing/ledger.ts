/**
 * The ledger: append-only rows (hold, settle, release, adjust) that explain every balance.
 *
 * Sign convention: every amount is what the row says it is — a hold row holds `amount`, a settle
 * row charges `amount` (≤ the hold), a release row frees the whole hold. Adjustments are signed:
 * **positive = charge** (adds to the user's spending, must fit the budget like a hold), **negative
 * = credit** (takes spending back and widens the headroom of the windows it names). An adjustment
 * moves the user's current UTC day and month windows, never the deployment's cap, which tracks
 * what the Replicate account really spent.
 *
 * `verifyLedger` recomputes every budget window from the ledger alone and compares it with the
 * stored balances, and checks each hold against its rows.
 */
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Db, Executor } from '../db/index.ts';
import { keysetPage, type KeysetPage } from '../db/keyset.ts';
import { formatMicrosAsUsd, type Micros } from '../money.ts';
import { lockUser } from './admission.ts';
import { addToWindowIfItFits, applicableWindows, budgetLimitsFor, windowRef } from './holds.ts';
import type { LedgerEntriesTable } from '../db/types.ts';
import type { Selectable } from 'kysely';

export type LedgerEntry = Selectable<LedgerEntriesTable>;

export const MAX_ADJUSTMENT_REASON_LENGTH = 500;

export interface AdjustmentRequest {
  readonly userId: string;
  /** Positive = charge, negative = credit; never zero. */
  readonly amountMicros: Micros;
  readonly reason: string;
  readonly now: Date;
}

/**
 * Writes an `adjust` row and moves the user's current day and month windows by the same signed
 * amount, in one transaction. A charge that does not fit throws BudgetExceededError (raise the
 * budget first to record an overage); a credit always applies.
 */
export async function adjustBalance(db: Db, config: Config, request: AdjustmentRequest): Promise<LedgerEntry> {
  const { userId, amountMicros, reason, now } = request;
  if (!Number.isSafeInteger(amountMicros) || amountMicros === 0)
    throw new RangeError('an adjustment must be a non-zero whole number of micros');
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    const bdb = trx;
    const windows = applicableWindows(user.id, budgetLimitsFor(user, config), now).filter(
      (window) => window.subject === user.id,
    );
    for (const window of windows) {
      if (amountMicros > 0) {
        // An admin adjusts someone else's balance: a refusal speaks of "the user's" budget.
        await addToWindowIfItFits(bdb, window, 'adjusted_micros', amountMicros, { owner: 'user' });
        continue;
      }
      // A credit lowers usage, so it fits whatever the limit; the stored limit stays as it is.
      await bdb
        .insertInto('budget_windows')
        .values({
          subject: window.subject,
          period: window.period,
          window_start: window.windowStart,
          limit_micros: window.limitMicros,
        })
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      await bdb
        .updateTable('budget_windows')
        .set((eb) => ({ adjusted_micros: eb('adjusted_micros', '+', amountMicros) }))
        .where('subject', '=', window.subject)
        .where('period', '=', window.period)
        .where('window_start', '=', window.windowStart)
        .execute();
    }
    return bdb
      .insertInto('ledger_entries')
      .values({
        user_id: user.id,
        kind: 'adjust',
        amount_micros: amountMicros,
        reason,
        windows: JSON.stringify(windows.map(windowRef)),
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export interface LedgerTotals {
  readonly entries: number;
  readonly holds: number;
  readonly openHolds: number;
  readonly windows: number;
  readonly heldMicros: Micros;
  readonly settledMicros: Micros;
  readonly releasedMicros: Micros;
  readonly adjustedMicros: Micros;
  /** Held and neither settled nor released. */
  readonly openMicros: Micros;
}

export interface LedgerReport {
  readonly ok: boolean;
  readonly totals: LedgerTotals;
  /** Each mismatch in words; at most `MAX_REPORTED_PROBLEMS`. */
  readonly problems: readonly string[];
  /** How many mismatches there were in all. */
  readonly problemCount: number;
}

export const MAX_REPORTED_PROBLEMS = 100;

interface HoldMismatch {
  hold_id: string;
  state: string | null;
  amount_micros: number | null;
  settled_micros: number | null;
  hold_user: string | null;
  ledger_user_ok: boolean;
  hold_rows: number;
  held: number;
  settle_rows: number;
  settled: number;
  release_rows: number;
  released: number;
}

interface WindowMismatch {
  subject: string;
  period: string;
  window_start: string;
  expected_spent: number | null;
  expected_reserved: number | null;
  expected_adjusted: number | null;
  spent_micros: number | null;
  reserved_micros: number | null;
  adjusted_micros: number | null;
}

const usd = (micros: number | null) => (micros === null ? 'missing' : `$${formatMicrosAsUsd(micros)}`);

function describeHold(row: HoldMismatch): string[] {
  const problems: string[] = [];
  const id = `hold ${row.hold_id}`;
  if (row.state === null) return [`${id}: ledger rows name a hold that does not exist`];
  if (row.hold_rows !== 1) problems.push(`${id}: ${row.hold_rows} hold rows in the ledger (expected 1)`);
  else if (row.held !== row.amount_micros)
    problems.push(`${id}: ledger holds ${usd(row.held)}, the hold says ${usd(row.amount_micros)}`);
  if (!row.ledger_user_ok) problems.push(`${id}: ledger rows name another user than the hold (${row.hold_user})`);
  const resolutions = row.settle_rows + row.release_rows;
  if (row.state === 'held' && resolutions !== 0) problems.push(`${id}: still held but the ledger resolved it`);
  if (row.state === 'settled') {
    if (row.settle_rows !== 1 || row.release_rows !== 0)
      problems.push(`${id}: settled but the ledger has ${row.settle_rows} settle and ${row.release_rows} release rows`);
    else if (row.settled !== row.settled_micros)
      problems.push(`${id}: ledger settled ${usd(row.settled)}, the hold says ${usd(row.settled_micros)}`);
  }
  if (row.state === 'released') {
    if (row.release_rows !== 1 || row.settle_rows !== 0)
      problems.push(
        `${id}: released but the ledger has ${row.settle_rows} settle and ${row.release_rows} release rows`,
      );
    else if (row.released !== row.amount_micros)
      problems.push(`${id}: ledger released ${usd(row.released)} of a ${usd(row.amount_micros)} hold`);
  }
  return problems;
}

function describeWindow(row: WindowMismatch): string {
  const name = `window ${row.subject}/${row.period}/${row.window_start}`;
  const column = (label: string, expected: number | null, stored: number | null) =>
    (expected ?? 0) === (stored ?? 0) ? [] : [`${label} ${usd(stored ?? 0)} but the ledger says ${usd(expected ?? 0)}`];
  const differences = [
    ...column('spent', row.expected_spent, row.spent_micros),
    ...column('reserved', row.expected_reserved, row.reserved_micros),
    ...column('adjusted', row.expected_adjusted, row.adjusted_micros),
  ];
  return `${name}: ${differences.join('; ') || 'missing'}`;
}

/**
 * Proves that balances equal ledger sums, on one consistent snapshot (REPEATABLE READ, read
 * only), so it can run while holds are being taken.
 */
export async function verifyLedger(db: Db): Promise<LedgerReport> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const problems = [
        ...(await holdMismatches(trx)).flatMap(describeHold),
        ...(await windowMismatches(trx)).map(describeWindow),
      ];
      return {
        ok: problems.length === 0,
        totals: await ledgerTotals(trx),
        problems: problems.slice(0, MAX_REPORTED_PROBLEMS),
        problemCount: problems.length,
      };
    });
}

/** Holds whose ledger rows do not tell their state and amounts (and ledger rows without a hold). */
async function holdMismatches(trx: Executor): Promise<HoldMismatch[]> {
  const result = await sql<HoldMismatch>`
    with per_hold as (
      select l.hold_id,
        bool_and(l.user_id = h.user_id and l.generation_id is not distinct from h.generation_id) as ledger_user_ok,
        (count(*) filter (where l.kind = 'hold'))::int as hold_rows,
        coalesce(sum(l.amount_micros) filter (where l.kind = 'hold'), 0)::bigint as held,
        (count(*) filter (where l.kind = 'settle'))::int as settle_rows,
        coalesce(sum(l.amount_micros) filter (where l.kind = 'settle'), 0)::bigint as settled,
        (count(*) filter (where l.kind = 'release'))::int as release_rows,
        coalesce(sum(l.amount_micros) filter (where l.kind = 'release'), 0)::bigint as released
      from ledger_entries l left join holds h on h.id = l.hold_id
      where l.hold_id is not null
      group by l.hold_id
    )
    select coalesce(h.id, p.hold_id) as hold_id, h.state, h.amount_micros, h.settled_micros, h.user_id as hold_user,
      coalesce(p.ledger_user_ok, true) as ledger_user_ok,
      coalesce(p.hold_rows, 0) as hold_rows, coalesce(p.held, 0) as held,
      coalesce(p.settle_rows, 0) as settle_rows, coalesce(p.settled, 0) as settled,
      coalesce(p.release_rows, 0) as release_rows, coalesce(p.released, 0) as released
    from holds h full outer join per_hold p on p.hold_id = h.id
    where h.id is null
      or coalesce(p.hold_rows, 0) <> 1
      or p.held <> h.amount_micros
      or not p.ledger_user_ok
      or (h.state = 'held' and p.settle_rows + p.release_rows <> 0)
      or (h.state = 'settled' and (p.settle_rows <> 1 or p.release_rows <> 0 or p.settled <> h.settled_micros))
      or (h.state = 'released' and (p.release_rows <> 1 or p.settle_rows <> 0 or p.released <> h.amount_micros))
    order by 1
    limit ${MAX_REPORTED_PROBLEMS + 1}
  `.execute(trx);
  return result.rows;
}

/**
 * Budget windows whose stored balances differ from the ledger's. Every window is recomputed from
 * ledger rows: an open hold reserves its ledger amount in each of its windows, a settled one spends
 * its settle amount there, a released one nothing; an adjustment moves `adjusted` in the windows
 * its row names.
 */
async function windowMismatches(trx: Executor): Promise<WindowMismatch[]> {
  const result = await sql<WindowMismatch>`
    with per_hold as (
      select hold_id,
        coalesce(sum(amount_micros) filter (where kind = 'hold'), 0) as held,
        coalesce(sum(amount_micros) filter (where kind = 'settle'), 0) as settled,
        count(*) filter (where kind in ('settle', 'release')) as resolutions
      from ledger_entries where hold_id is not null group by hold_id
    ), movements as (
      select w->>'subject' as subject, w->>'period' as period, (w->>'windowStart')::date as window_start,
        p.settled as spent, case when p.resolutions = 0 then p.held else 0 end as reserved, 0 as adjusted
      from per_hold p join holds h on h.id = p.hold_id cross join lateral jsonb_array_elements(h.windows) w
      union all
      select w->>'subject', w->>'period', (w->>'windowStart')::date, 0, 0, l.amount_micros
      from ledger_entries l cross join lateral jsonb_array_elements(l.windows) w
      where l.kind = 'adjust'
    ), expected as (
      select subject, period, window_start,
        sum(spent)::bigint as spent, sum(reserved)::bigint as reserved, sum(adjusted)::bigint as adjusted
      from movements group by subject, period, window_start
    )
    select coalesce(e.subject, b.subject) as subject, coalesce(e.period, b.period) as period,
      coalesce(e.window_start, b.window_start) as window_start,
      e.spent as expected_spent, e.reserved as expected_reserved, e.adjusted as expected_adjusted,
      b.spent_micros, b.reserved_micros, b.adjusted_micros
    from expected e
      full outer join budget_windows b
        on b.subject = e.subject and b.period = e.period and b.window_start = e.window_start
    where coalesce(e.spent, 0) <> coalesce(b.spent_micros, 0)
      or coalesce(e.reserved, 0) <> coalesce(b.reserved_micros, 0)
      or coalesce(e.adjusted, 0) <> coalesce(b.adjusted_micros, 0)
    order by 1, 2, 3
    limit ${MAX_REPORTED_PROBLEMS + 1}
  `.execute(trx);
  return result.rows;
}

async function ledgerTotals(trx: Executor): Promise<LedgerTotals> {
  const result = await sql<LedgerTotals>`
    select
      (select count(*)::int from ledger_entries) as entries,
      (select count(*)::int from holds) as holds,
      (select count(*)::int from holds where state = 'held') as "openHolds",
      (select count(*)::int from budget_windows) as windows,
      (select coalesce(sum(amount_micros), 0)::bigint from ledger_entries where kind = 'hold') as "heldMicros",
      (select coalesce(sum(amount_micros), 0)::bigint from ledger_entries where kind = 'settle') as "settledMicros",
      (select coalesce(sum(amount_micros), 0)::bigint from ledger_entries where kind = 'release') as "releasedMicros",
      (select coalesce(sum(amount_micros), 0)::bigint from ledger_entries where kind = 'adjust') as "adjustedMicros",
      (select coalesce(sum(amount_micros), 0)::bigint from holds where state = 'held') as "openMicros"
  `.execute(trx);
  return result.rows[0]!;
}

/** The report as text for the CLI. */
export function formatLedgerReport(report: LedgerReport): string {
  const t = report.totals;
  const lines = [
    report.ok ? 'ledger OK: every balance equals its ledger sum' : `ledger MISMATCH: ${report.problemCount} problem(s)`,
    `  entries ${t.entries}, holds ${t.holds} (${t.openHolds} open), windows ${t.windows}`,
    `  held ${usd(t.heldMicros)}, settled ${usd(t.settledMicros)}, released ${usd(t.releasedMicros)}, adjusted ${usd(t.adjustedMicros)}, open ${usd(t.openMicros)}`,
    ...report.problems.map((problem) => `  - ${problem}`),
  ];
  if (report.problemCount > report.problems.length) lines.push(`  … and more (first ${report.problems.length} shown)`);
  return `${lines.join('\n')}\n`;
}

/** Ledger rows of a user, newest first (admin reports). */
export async function ledgerEntriesFor(
  db: Executor,
  filter: { userId?: string; from?: Date; to?: Date; page: KeysetPage },
): Promise<LedgerEntry[]> {
  let query = db.selectFrom('ledger_entries').selectAll();
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  if (filter.from) query = query.where('created_at', '>=', filter.from);
  if (filter.to) query = query.where('created_at', '<', filter.to);
  return keysetPage(query, filter.page, 'ledger_entries').execute();
}
