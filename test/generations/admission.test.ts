/**
 * The statement that holds the money, read whole: `admissionStatement` (src/generations/admission.ts)
 * compiled for Postgres, pinned as text. A change to how a generation is admitted shows here as a
 * diff of the one statement, not of five helpers.
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, test } from 'vitest';
import { admissionStatement, type AdmissionStatementInput } from '../../src/generations/admission.ts';
import type { NewGenerationRow } from '../../src/generations/store.ts';
import { normalizedRequest } from './normalized-request.ts';

/** Compiles without a database. */
const compiler = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const now = new Date('2026-01-02T03:04:05.000Z');
const generation: NewGenerationRow = {
  id: '00000000-0000-4000-8000-000000000001',
  userId: '00000000-0000-4000-8000-0000000000aa',
  request: normalizedRequest(),
  fingerprint: 'fingerprint',
  idempotencyKey: 'key-1',
  estimatedCostMicros: 3_000,
  priceRule: { kind: 'per_image', microsPerImage: 3_000 },
  deadlineAt: new Date('2026-01-02T03:06:05.000Z'),
  now,
};
const paid: NonNullable<AdmissionStatementInput['paid']> = {
  amountMicros: 3_000,
  windows: [{ subject: generation.userId, period: 'day', windowStart: '2026-01-02' }],
  predictions: [
    {
      id: '00000000-0000-4000-8000-000000000002',
      generationId: generation.id,
      position: 0,
      replicateModel: 'black-forest-labs/flux-schnell',
      input: { prompt: 'a lighthouse' },
      imageCount: 1,
      now,
    },
  ],
};

describe('the admission statement', () => {
  test('a paid generation: its row, hold, ledger row, the user lock, predictions and jobs in one statement', () => {
    const compiled = admissionStatement({ generation, paid }).compile(compiler);
    expect(compiled.sql).toMatchInlineSnapshot(`
      "
          with generation as (
            insert into generations (
              id, user_id, model_id, mode, prompt, request, request_fingerprint, idempotency_key, image_count,
              estimated_cost_micros, price_rule, deadline_at, created_at, updated_at, selection_reason, preview_id,
              preview_image_index, cache_key, batch_id, transparent_background, webhook_url, traceparent
            ) values (
              $1, $2, $3, $4, $5, $6,
              $7, $8, $9, $10,
              $11, $12,
              $13, $14, $15, $16,
              $17, $18, $19,
              $20, $21, $22
            )
            on conflict (user_id, idempotency_key) do nothing
            returning *
          ),
          hold as (
            insert into holds (user_id, generation_id, amount_micros, windows, created_at)
            select $23::uuid, $24::uuid, $25::bigint,
              $26::jsonb, $27::timestamptz
            where exists (select from generation)
            returning *
          ),
          hold_entry as (
            insert into ledger_entries (user_id, hold_id, generation_id, kind, amount_micros)
            select user_id, id, generation_id, 'hold', amount_micros from hold
          ),
          locked_user as (
            select id, daily_budget_micros, monthly_budget_micros, rate_limit_per_minute, max_concurrent_generations
            from users where id = $28 for no key update
          ),
          new_predictions as (
            insert into predictions
              (id, generation_id, position, purpose, replicate_model, input, image_count, created_at, updated_at)
            select r.id, r.generation_id, r.position, 'generate', r.replicate_model, r.input, r.image_count, r.now, r.now
            from jsonb_to_recordset($29::jsonb) as r (
              id uuid, generation_id uuid, position integer, replicate_model text, input jsonb, image_count integer,
              now timestamptz
            )
            where exists (select from generation)
          ),
          jobs as (
            select graphile_worker.add_job(
              $30,
              jobs.payload,
              run_at => now(),
              max_attempts => $31,
              job_key => jobs.key
            )
            from jsonb_to_recordset($32::jsonb) as jobs (payload json, key text)
            where exists (select from generation)
          )
          select generation.*,
            (select to_jsonb(locked_user) from locked_user) as locked_user,
            (select count(*) from jobs) as jobs
          from generation"
    `);
    expect(compiled.parameters).toMatchInlineSnapshot(`
      [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-0000000000aa",
        "flux-schnell",
        "STANDARD",
        "a lighthouse",
        "{"modelId":"flux-schnell","prompt":"a lighthouse","negativePrompt":null,"mode":"STANDARD","count":1,"aspectRatio":null,"seed":null,"transparentBackground":false,"settings":{}}",
        "fingerprint",
        "key-1",
        1,
        3000,
        "{"kind":"per_image","microsPerImage":3000}",
        2026-01-02T03:06:05.000Z,
        2026-01-02T03:04:05.000Z,
        2026-01-02T03:04:05.000Z,
        null,
        null,
        null,
        null,
        null,
        false,
        null,
        null,
        "00000000-0000-4000-8000-0000000000aa",
        "00000000-0000-4000-8000-000000000001",
        3000,
        "[{"subject":"00000000-0000-4000-8000-0000000000aa","period":"day","windowStart":"2026-01-02"}]",
        2026-01-02T03:04:05.000Z,
        "00000000-0000-4000-8000-0000000000aa",
        "[{"id":"00000000-0000-4000-8000-000000000002","generation_id":"00000000-0000-4000-8000-000000000001","position":0,"replicate_model":"black-forest-labs/flux-schnell","input":{"prompt":"a lighthouse"},"image_count":1,"now":"2026-01-02T03:04:05.000Z"}]",
        "generations:track-prediction",
        10,
        "[{"payload":{"predictionId":"00000000-0000-4000-8000-000000000002","poll":0},"key":"prediction:00000000-0000-4000-8000-000000000002"}]",
      ]
    `);
  });

  test('a cache hit: the generation row only, nothing held, no lock', () => {
    const compiled = admissionStatement({ generation, paid: null }).compile(compiler);
    expect(compiled.sql).toMatchInlineSnapshot(`
      "with generation as (
            insert into generations (
              id, user_id, model_id, mode, prompt, request, request_fingerprint, idempotency_key, image_count,
              estimated_cost_micros, price_rule, deadline_at, created_at, updated_at, selection_reason, preview_id,
              preview_image_index, cache_key, batch_id, transparent_background, webhook_url, traceparent
            ) values (
              $1, $2, $3, $4, $5, $6,
              $7, $8, $9, $10,
              $11, $12,
              $13, $14, $15, $16,
              $17, $18, $19,
              $20, $21, $22
            )
            on conflict (user_id, idempotency_key) do nothing
            returning *
          ) select generation.*, null::jsonb as locked_user from generation"
    `);
  });

  test('a hold must be positive', () => {
    expect(() => admissionStatement({ generation, paid: { ...paid, amountMicros: 0 } })).toThrow(RangeError);
  });
});
