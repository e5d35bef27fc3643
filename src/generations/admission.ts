/**
 * The rows of one new generation, written in the admission transaction in as few statements as
 * billing's rules allow (each statement costs a round trip and its CPU on both ends):
 *
 * 1. one statement: the generation and, unless it is a cache hit, its hold and ledger row, the
 *    user's row lock (billing's `admissionCtes`), its predictions and their tracker jobs. When the
 *    user already has a generation under the idempotency key, the insert yields no row and
 *    nothing else is written (every other part runs only `when` the generation was inserted);
 * 2. the caller then finishes admission with billing's `admitUnderLock` (rate slot, budget
 *    windows), which must be a statement of its own after the one that took the lock.
 *
 * Any refusal in step 2 rolls the whole transaction back, predictions and jobs included.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { admissionCtes, LOCKED_USER, lockedUserOf, type LockedUser, type NewHoldRef } from '../billing/admission.ts';
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import { firstTrackJobs } from './jobs.ts';
import { predictionsInsert, type NewPredictionRow } from './predictions-store.ts';
import { generationInsert, type Generation, type NewGenerationRow } from './store.ts';
import type { Micros } from '../money.ts';

export interface PaidGeneration {
  readonly amountMicros: Micros;
  readonly predictions: ReadonlyArray<Omit<NewPredictionRow, 'generationId'>>;
}

export interface WrittenGeneration {
  readonly generation: Generation;
  /**
   * The user's row as locked by the statement and the hold written, for `admitUnderLock`; null
   * for a cache hit (nothing held, no lock).
   */
  readonly admission: { readonly user: LockedUser; readonly hold: NewHoldRef } | null;
}

/**
 * Step 1 above. `paid` is null for a cache hit (the generation row only). Null when the
 * idempotency key was already taken (a concurrent request got there first).
 */
export async function writeNewGeneration(
  trx: Executor,
  config: Config,
  row: NewGenerationRow,
  paid: PaidGeneration | null,
): Promise<WrittenGeneration | null> {
  const inserted = sql<boolean>`exists (select from generation)`;
  const ctes = [sql`generation as (${generationInsert(trx, row)})`];
  let selected = sql`null::jsonb as locked_user`;
  let hold: NewHoldRef | null = null;
  if (paid) {
    const predictions = paid.predictions.map((prediction) => ({
      ...prediction,
      id: randomUUID(),
      generationId: row.id,
    }));
    const admission = admissionCtes(
      config,
      { userId: row.userId, generationId: row.id, amountMicros: paid.amountMicros, now: row.now },
      inserted,
    );
    hold = admission.hold;
    ctes.push(
      admission.ctes,
      sql`new_predictions as (${predictionsInsert(predictions, inserted)})`,
      sql`jobs as (${firstTrackJobs(
        predictions.map((prediction) => prediction.id),
        inserted,
      )})`,
    );
    // Read here, so the lock is taken and every job added (a select in a CTE runs only when read).
    selected = sql`${LOCKED_USER} as locked_user, (select count(*) from jobs) as jobs`;
  }
  const result = await sql<Generation & { locked_user: LockedUser | null; jobs?: unknown }>`
    with ${sql.join(ctes)}
    select generation.*, ${selected} from generation`.execute(trx);
  const first = result.rows[0];
  if (!first) return null;
  const { locked_user: locked, jobs: _jobs, ...generation } = first;
  return { generation, admission: hold && { user: lockedUserOf(locked, row.userId), hold } };
}
