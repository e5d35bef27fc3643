/**
 * Each statement of `generateImage`'s admission costs a round trip and its CPU on both ends, so
 * the request sends as few as billing's rules allow: the create queue's length (shared by
 * concurrent requests), then a transaction of two statements — the generation with its hold,
 * ledger row, user lock, predictions and their jobs; then the rate slot and the budget windows
 * under that lock — and no queue position unless the client asks for it. Nothing is read about the
 * user first (their limits are read under the lock); an automatic model choice reads the budget
 * left from the usage cache. Counted through the app's `onQuery` hook (BEGIN and COMMIT included),
 * so a regression shows here.
 */
import { sql } from 'kysely';
import { verifyLedger } from '../../src/billing/ledger.ts';
import { trackJobKey } from '../../src/generations/jobs.ts';
import { isBackgroundStatement } from '../support/statements.ts';
import { rowId } from '../support/ids.ts';
import { graphql } from '../gql/index.ts';
import type { Db } from '../../src/db/index.ts';
import { eventually, holdOf, ledgerKinds, predictionRows } from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const GenerateWithPositionDocument = graphql(`
  mutation GenerateWithPosition($input: GenerateImageInput!) {
    generateImage(input: $input) {
      id
      status
      queuePosition
      estimatedStartAt
    }
  }
`);

/** Every statement the gateway sends through kysely while `recording`. */
const statements: string[] = [];
let recording = false;

test.override('setup', {
  // No worker, so creates stay queued; the liveness heartbeat still runs every 2 s and a slow
  // request can overlap it, so background statements are left out of the count.
  gateway: {
    runWorker: false,
    onQuery: (text) => void (recording && !isBackgroundStatement(text) && statements.push(text)),
  },
});

describe('the statements of one generateImage admission', () => {
  async function recorded<T>(work: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
    statements.length = 0;
    recording = true;
    try {
      return { result: await work(), sent: [...statements] };
    } finally {
      recording = false;
    }
  }

  async function jobsOf(db: Db, generationId: string) {
    const result = await sql<{ key: string; payload: unknown; task_identifier: string }>`
      select jobs.key, jobs.payload, tasks.identifier as task_identifier
      from graphile_worker._private_jobs jobs join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
      where jobs.key in (select 'prediction:' || id::text from predictions where generation_id = ${rowId(generationId)})
    `.execute(db);
    return result.rows;
  }

  test('sends at most five statements and writes the generation, hold, ledger row, prediction and job', async ({
    env,
  }) => {
    const { key } = await env.user();
    const ask = (prompt: string) => env.gateway.generate(key, { modelId: 'flux-schnell', prompt });
    // The first request also reads the API key; the second is admission alone.
    expect((await ask('a first lighthouse')).errors).toBeUndefined();
    const { result, sent } = await recorded(() => ask('a second lighthouse'));
    expect(result.errors).toBeUndefined();
    expect(result.generation!.status).toBe('QUEUED');
    expect(sent.length, sent.join('\n---\n')).toBeLessThanOrEqual(5);

    const id = result.generation!.id;
    const hold = await holdOf(env.gateway.db, id);
    expect(hold).toMatchObject({ state: 'held', amount_micros: 3_000 });
    expect(await ledgerKinds(env.gateway.db, id)).toEqual({ hold: 1 });
    const predictions = await predictionRows(env.gateway.db, id);
    expect(predictions.map((prediction) => prediction.state)).toEqual(['pending']);
    expect(await jobsOf(env.gateway.db, id)).toEqual([
      {
        key: trackJobKey(predictions[0]!.id),
        payload: { predictionId: predictions[0]!.id, poll: 0 },
        task_identifier: 'generations:track-prediction',
      },
    ]);
    await expect(verifyLedger(env.gateway.db)).resolves.toMatchObject({ ok: true });
  });

  test('reads the queue position only for a client that selects it', async ({ env }) => {
    const { key } = await env.user();
    const input = { modelId: 'flux-schnell', prompt: 'a queued harbour' };
    await env.gateway.generate(key, input);
    const without = await recorded(() => env.gateway.generate(key, input));
    const withPosition = await recorded(() => env.gateway.app.graphql(GenerateWithPositionDocument, { input }, key));
    // One more statement (both fields share it), and the place is right: no worker runs, so every
    // create queued so far is ahead of it.
    expect(withPosition.sent.length).toBe(without.sent.length + 1);
    const waiting = await sql<{ count: number }>`
      select count(*)::int as count from predictions where state = 'pending'`.execute(env.gateway.db);
    const answer = withPosition.result.data!.generateImage;
    expect(answer.status).toBe('QUEUED');
    expect(answer.queuePosition).toBe(waiting.rows[0]!.count);
    expect(answer.estimatedStartAt).not.toBeNull();
  });

  test('an automatic model choice reads the budget left from the usage cache, at no statement when cached', async ({
    env,
  }) => {
    const { userId, key } = await env.user();
    const usageReads = (sent: readonly string[]) => sent.filter((text) => text.includes('usage_day_spent')).length;
    const named = { modelId: 'flux-schnell', prompt: 'a named lighthouse' };
    expect((await env.gateway.generate(key, named)).errors).toBeUndefined();
    const withModel = await recorded(() => env.gateway.generate(key, named));
    expect(withModel.result.errors).toBeUndefined();
    expect(usageReads(withModel.sent)).toBe(0);

    // This instance's own commit dropped the user's figures: the choice reads them, once.
    const cold = await recorded(() => env.gateway.generate(key, { prompt: 'an automatic lighthouse' }));
    expect(cold.result.errors).toBeUndefined();
    expect(usageReads(cold.sent)).toBe(1);

    // Once the cache holds the figures (notifications of earlier writes may still arrive), none.
    const usage = env.gateway.app.services.usage;
    await eventually(
      async () => (await recorded(() => usage.read(userId))).sent.length,
      (sent) => sent === 0,
      5_000,
    );
    const warm = await recorded(() => env.gateway.generate(key, { prompt: 'another automatic lighthouse' }));
    expect(warm.result.errors).toBeUndefined();
    expect(usageReads(warm.sent)).toBe(0);
    // The user's learned preferences come from their cache too: no statement reads them when warm.
    const preferenceReads = (sent: readonly string[]) => sent.filter((text) => text.includes('model_feedback')).length;
    expect(preferenceReads(warm.sent)).toBe(0);
    expect(warm.sent.length).toBe(cold.sent.length - usageReads(cold.sent) - preferenceReads(cold.sent));
  });

  test('a request that loses an idempotency-key race writes nothing of its own', async ({ env }) => {
    const { userId, key } = await env.user();
    const input = { modelId: 'flux-schnell', prompt: 'one harbour, asked five times', idempotencyKey: 'race-1' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => env.gateway.generate(key, input)));
    expect(answers.map((answer) => answer.errors)).toEqual(Array.from({ length: 5 }, () => undefined));
    const ids = new Set(answers.map((answer) => answer.generation!.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const counts = await sql<{ generations: number; holds: number; predictions: number; slots: number }>`
      select
        (select count(*)::int from generations where user_id = ${userId}) as generations,
        (select count(*)::int from holds where user_id = ${userId}) as holds,
        (select count(*)::int from predictions p join generations g on g.id = p.generation_id
          where g.user_id = ${userId}) as predictions,
        (select count(*)::int from rate_limit_events where user_id = ${userId}) as slots
    `.execute(env.gateway.db);
    expect(counts.rows[0]).toEqual({ generations: 1, holds: 1, predictions: 1, slots: 1 });
    expect(await jobsOf(env.gateway.db, id!)).toHaveLength(1);
    await expect(verifyLedger(env.gateway.db)).resolves.toMatchObject({ ok: true });
  });
});
