/**
 * The maintenance sweep re-arms the tracker of every prediction that has not ended and has no
 * runnable job (`predictionsWithoutTracker`): "not ended" is the complement of the one list of
 * terminal prediction states, so a state added later is tracked unless it is declared terminal.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import type { PredictionState } from '../../src/db/types.ts';
import { writeNewGeneration } from '../../src/generations/admission.ts';
import { installJobSchema, predictionsWithoutTracker } from '../../src/generations/jobs.ts';
import { TERMINAL_PREDICTION_STATES } from '../../src/generations/predictions-store.ts';
import { silentLogger } from '../../src/logger.ts';
import { normalizedRequest } from './normalized-request.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const STATES: readonly PredictionState[] = [
  'pending',
  'creating',
  'unknown',
  'starting',
  'processing',
  'succeeded',
  'failed',
  'canceled',
  'aborted',
];

describe('predictions without a tracker', () => {
  test('are those not ended whose job was lost, oldest first; ended ones are left alone', async ({ database, db }) => {
    await installJobSchema(database.handle.pool, silentLogger);
    const user = await db
      .insertInto('users')
      .values({ name: 'lost trackers' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const now = new Date();
    const generationId = randomUUID();
    await writeNewGeneration(
      db,
      loadConfig({}),
      {
        id: generationId,
        userId: user.id,
        request: normalizedRequest({ count: STATES.length }),
        fingerprint: 'lost-trackers',
        idempotencyKey: null,
        estimatedCostMicros: 3_000 * STATES.length,
        priceRule: { kind: 'per_image', microsPerImage: 3_000 },
        deadlineAt: new Date(now.getTime() + 120_000),
        now,
      },
      {
        amountMicros: 3_000 * STATES.length,
        predictions: STATES.map((_, position) => ({
          position,
          replicateModel: 'black-forest-labs/flux-schnell',
          input: { prompt: 'a lighthouse', seed: position },
          imageCount: 1,
          now: new Date(now.getTime() + position),
        })),
      },
    );
    const predictions = await db
      .selectFrom('predictions')
      .select('id')
      .where('generation_id', '=', generationId)
      .orderBy('position')
      .execute();
    for (const [index, { id }] of predictions.entries()) {
      await db.updateTable('predictions').set({ state: STATES[index]! }).where('id', '=', id).execute();
    }
    expect(await predictionsWithoutTracker(db, 100)).toEqual([]);

    await sql`delete from graphile_worker._private_jobs`.execute(db);
    const active = predictions.filter((_, index) => !TERMINAL_PREDICTION_STATES.includes(STATES[index]!));
    expect(active).toHaveLength(5);
    expect(await predictionsWithoutTracker(db, 100)).toEqual(active.map(({ id }) => id));
  });
});
