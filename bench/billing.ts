/**
 * Benchmark: budget holds per second through admission (`generations/admission.ts`, then billing's
 * `completeAdmission`), the gate every generation passes.
 *
 * Each scenario runs the transaction the generation service runs — insert the generation, then
 * admission — a fixed number of times with a fixed number in flight:
 *
 * - baseline: the same transaction without admission (the plain path with no budgets);
 * - one user: every hold on the same user (worst contention: one user row, one day and one month
 *   window row serialise everything);
 * - 1,000 users: holds spread round-robin (little contention);
 * - 1,000 users + global cap: as above, with GLOBAL_DAILY_BUDGET_USD set, so every hold also
 *   takes the one deployment-wide window row.
 *
 * Budgets, rate and concurrency limits are raised so nothing is refused: this measures the cost
 * of admission, not the policy. Uses a fresh database created through DATABASE_URL (its server
 * must allow CREATE DATABASE), or embedded Postgres in a temporary directory when it is unset;
 * the database is dropped afterwards. Loopback only, bounded by count and a time cap.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/billing.ts
 */
import { randomUUID } from 'node:crypto';
import { completeAdmission } from '../src/billing/admission.ts';
import { verifyLedger } from '../src/billing/ledger.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { connectDatabase, type Db } from '../src/db/index.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { writeNewGeneration } from '../src/generations/admission.ts';
import type { UserRow } from '../src/db/types.ts';
import { silentLogger } from '../src/logger.ts';
import { drive, openBenchDatabase, percentile } from './support.ts';

const TRANSACTIONS = 3_000;
const WARM_UP = 200;
const CONCURRENCY = 32;
const SPREAD_USERS = 1_000;
const TIME_CAP_MS = 180_000;
const LOAD = { concurrency: CONCURRENCY, timeCapMs: TIME_CAP_MS };
const HOLD_MICROS = 3_000;

interface RunResult {
  readonly name: string;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function measure(name: string, call: (index: number) => Promise<void>): Promise<RunResult> {
  await drive(WARM_UP, (index) => call(TRANSACTIONS + index), LOAD);
  const { latencies, elapsedMs } = await drive(TRANSACTIONS, call, LOAD);
  return {
    name,
    perSecond: (TRANSACTIONS / elapsedMs) * 1000,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

async function insertUsers(db: Db, count: number): Promise<UserRow[]> {
  const rows = Array.from({ length: count }, (_, index) => ({
    name: `bench-${index}`,
    daily_budget_micros: 1_000_000_000_000,
    rate_limit_per_minute: 100_000,
    max_concurrent_generations: 10_000,
  }));
  return db.insertInto('users').values(rows).returningAll().execute();
}

/**
 * The generation service's transaction: the admission statement (the generation alone without
 * admission, as for a cache hit; with its hold and the user's lock with it), then billing's gate.
 */
function generationTransaction(db: Db, config: Config, admit: boolean) {
  return async (user: UserRow) => {
    const now = new Date();
    const id = randomUUID();
    await db.transaction().execute(async (trx) => {
      const written = await writeNewGeneration(
        trx,
        config,
        {
          id,
          userId: user.id,
          request: {
            modelId: 'flux-schnell',
            prompt: 'bench',
            negativePrompt: null,
            mode: 'PREVIEW',
            count: 1,
            aspectRatio: null,
            seed: null,
            transparentBackground: false,
            settings: {},
          },
          fingerprint: randomUUID(),
          idempotencyKey: null,
          estimatedCostMicros: HOLD_MICROS,
          deadlineAt: new Date(now.getTime() + 600_000),
          now,
        },
        admit ? { amountMicros: HOLD_MICROS, predictions: [] } : null,
      );
      if (written?.admission) await completeAdmission(trx, config, { ...written.admission, generationId: id, now });
      // Terminal at once: the concurrency cap counts active generations, and this measures holds.
      await trx.updateTable('generations').set({ status: 'SUCCEEDED' }).where('id', '=', id).execute();
    });
  };
}

async function main(): Promise<void> {
  const database = await openBenchDatabase();
  const handle = connectDatabase(database.url, silentLogger, { max: CONCURRENCY });
  try {
    await migrateToLatest(handle.db);
    const db = handle.db;
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    const capped = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GLOBAL_DAILY_BUDGET_USD: '1000000' });
    const [single] = await insertUsers(db, 1);
    const spread = await insertUsers(db, SPREAD_USERS);
    const baselineUsers = await insertUsers(db, SPREAD_USERS);

    const results: RunResult[] = [];
    const plain = generationTransaction(db, config, false);
    const held = generationTransaction(db, config, true);
    const heldCapped = generationTransaction(db, capped, true);
    results.push(await measure('baseline: no admission (1,000 users)', (i) => plain(baselineUsers[i % SPREAD_USERS]!)));
    results.push(await measure('holds, all on one user', () => held(single!)));
    results.push(await measure('holds, spread over 1,000 users', (i) => held(spread[i % SPREAD_USERS]!)));
    results.push(await measure('holds, 1,000 users + global cap', (i) => heldCapped(spread[i % SPREAD_USERS]!)));

    const report = await verifyLedger(db);
    const baseline = results[0]!.perSecond;
    process.stdout.write(
      `\nbilling admission: ${TRANSACTIONS} transactions per scenario, ${CONCURRENCY} in flight, pool of ${CONCURRENCY}\n\n`,
    );
    process.stdout.write(
      `${'scenario'.padEnd(40)} ${'tx/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  vs baseline\n`,
    );
    for (const result of results) {
      process.stdout.write(
        `${result.name.padEnd(40)} ${result.perSecond.toFixed(0).padStart(8)} ${result.p50Ms.toFixed(1).padStart(8)} ${result.p99Ms
          .toFixed(1)
          .padStart(8)}  ${((result.perSecond / baseline) * 100).toFixed(0)}%\n`,
      );
    }
    process.stdout.write(
      `\nledger after the run: ${report.ok ? 'verified' : `MISMATCH (${report.problemCount})`}, ` +
        `${report.totals.holds} holds, ${report.totals.entries} ledger rows\n`,
    );
    if (!report.ok) process.exitCode = 1;
  } finally {
    await handle.close();
    await database.close();
  }
}

await main();
