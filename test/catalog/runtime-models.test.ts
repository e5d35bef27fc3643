/**
 * Models added at runtime, end to end over HTTP: an operator adds a FLUX fine-tune billed per
 * second on H100 for one user on one instance, the user runs it through another; its settled cost
 * is exactly ceil(predict_time × rate) and the ledger verifies; nobody else can see it; bad
 * models and bad prices are refused with nothing written.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { vi } from 'vitest';
import { verifyLedger } from '../../src/billing/ledger.ts';
import { findModel } from '../../src/catalog/models.ts';
import { formatMicrosAsUsd } from '../../src/money.ts';
import type { Db } from '../../src/db/index.ts';
import { graphql } from '../gql/index.ts';
import type { AddModelInput } from '../gql/graphql.ts';
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { addFineTune } from '../support/fine-tune.ts';

test.override('setup', { user: { name: 'acme shop', dailyBudgetMicros: 5_000_000 } });

const catalogRows = async (db: Db) => ({
  models: (await db.selectFrom('catalog_models').select('slug').execute()).length,
  changes: (await db.selectFrom('catalog_changes').select('id').execute()).length,
});

const AddRuntimeModelMutation = graphql(`
  mutation AddRuntimeModel($input: AddModelInput!) {
    addModel(input: $input) {
      id
      pricing {
        kind
        perSecondUsd
        hardware
        maxSeconds
        maxCostPerPredictionUsd
      }
    }
  }
`);

const OfferedModelIdsQuery = graphql(`
  query OfferedModelIds {
    models {
      id
    }
  }
`);

const GenerateMascotMutation = graphql(`
  mutation GenerateMascot($modelId: ID!) {
    generateImage(input: { modelId: $modelId, prompt: "a brand mascot" }) {
      id
    }
  }
`);

const MascotCostQuery = graphql(`
  query MascotCost($id: ID!) {
    generation(id: $id) {
      id
      status
      costUsd
      estimatedCostUsd
    }
  }
`);

describe('adding models at runtime', () => {
  test('refuses private, promptless, non-image models and bad prices, writing nothing', async ({ app: adding }) => {
    const before = await catalogRows(adding.services.db);
    const cases: Array<[Omit<AddModelInput, 'slug'>, string]> = [
      [{ replicateModel: 'acme/private-style', perImageUsd: '0.01' }, 'PRIVATE_MODEL'],
      [
        { replicateModel: 'nightmareai/real-esrgan', perSecondUsd: '0.000225', hardware: 'gpu-t4', maxSeconds: 30 },
        'NO_PROMPT',
      ],
      [{ replicateModel: 'acme/captioner', perImageUsd: '0.01' }, 'NOT_IMAGE_OUTPUT'],
      [{ replicateModel: 'acme/brand-style' }, 'PRICE_MISSING'],
      [{ replicateModel: 'acme/brand-style', perImageUsd: '50' }, 'PRICE_OUT_OF_RANGE'],
      [
        { replicateModel: 'acme/brand-style', perSecondUsd: '0.001', hardware: 'gpu-h100', maxSeconds: 60 },
        'PRICE_OUT_OF_RANGE',
      ],
      [
        { replicateModel: 'acme/brand-style', perSecondUsd: '0.001525', hardware: 'gpu-h100', maxSeconds: 2 },
        'PRICE_OUT_OF_RANGE',
      ],
      [
        { replicateModel: 'acme/brand-style', perSecondUsd: '0.001', hardware: 'gpu-z9', maxSeconds: 60 },
        'UNKNOWN_HARDWARE',
      ],
      [{ replicateModel: 'deployments/acme/brand-style', perImageUsd: '0.01' }, 'DEPLOYMENT'],
    ];
    for (const [input, reason] of cases) {
      const answer = await adding.graphql(
        AddRuntimeModelMutation,
        { input: { slug: 'refused-model', ...input } },
        TEST_ADMIN_TOKEN,
      );
      expect(answer.errors?.[0]?.extensions, JSON.stringify(input)).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    expect(await catalogRows(adding.services.db)).toEqual(before);
  });

  test('a fine-tune billed per second on H100: its owner runs it from another instance and pays predict_time × rate', async ({
    app: adding,
    peer: running,
    user: owner,
    newUser,
  }) => {
    const added = await addFineTune(adding, owner, { estimatedImageUsd: '0.012' });
    expect(added.errors).toBeUndefined();
    expect(added.data).toMatchObject({
      addModel: {
        id: 'acme-brand-style',
        pricing: {
          kind: 'PER_SECOND',
          perSecondUsd: '0.001525',
          hardware: 'gpu-h100',
          maxSeconds: 60,
          maxCostPerPredictionUsd: '0.0915',
        },
      },
    });
    await vi.waitFor(() => expect(findModel('acme-brand-style')?.replicateVersion).toBeTruthy(), { timeout: 10_000 });
    const stranger = await newUser({ name: 'someone else', dailyBudgetMicros: 5_000_000 });

    // Nobody else sees it, or may run it.
    const seen = await running.graphql(OfferedModelIdsQuery, {}, stranger.key);
    expect(seen.data!.models.map((model) => model.id)).not.toContain('acme-brand-style');
    const refused = await running.graphql(GenerateMascotMutation, { modelId: 'acme-brand-style' }, stranger.key);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const anonymous = await running.graphql(OfferedModelIdsQuery);
    expect(anonymous.data!.models.map((model) => model.id)).not.toContain('acme-brand-style');

    const started = await running.graphql(GenerateMascotMutation, { modelId: 'acme-brand-style' }, owner.key);
    expect(started.errors).toBeUndefined();
    const id = started.data!.generateImage.id;
    let generation: ResultOf<typeof MascotCostQuery>['generation'] | undefined;
    await vi.waitFor(
      async () => {
        const answer = await running.graphql(MascotCostQuery, { id }, owner.key);
        generation = answer.data!.generation;
        expect(generation?.costUsd).not.toBeNull();
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(generation).toMatchObject({ status: 'SUCCEEDED', estimatedCostUsd: '0.0915' });
    const prediction = await running.services.db
      .selectFrom('predictions')
      .innerJoin('generations', 'generations.id', 'predictions.generation_id')
      .select(['predictions.metrics', 'predictions.replicate_model', 'generations.cost_micros'])
      .where('generations.user_id', '=', owner.userId)
      .executeTakeFirstOrThrow();
    expect(prediction.replicate_model).toMatch(/^acme\/brand-style:[0-9a-f]{64}$/);
    const predictTime = prediction.metrics!.predict_time as number;
    expect(predictTime).toBeGreaterThan(0);
    // The simulator reports whole milliseconds: ceil(ms × 1525 / 1000) in integers.
    const ms = Math.round(predictTime * 1000);
    expect(prediction.cost_micros).toBe(Math.floor((ms * 1525 + 999) / 1000));
    expect(generation!.costUsd).toBe(formatMicrosAsUsd(prediction.cost_micros!));
    expect((await verifyLedger(running.services.db)).ok).toBe(true);
  });
});
