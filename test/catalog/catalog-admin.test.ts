/**
 * The catalog an operator runs over GraphQL: an official model billed per output added on one
 * instance and run from another (by name, at its per-image price, ledger clean); overrides checked
 * before anything is read or written; the hardware rate table with its seeded source and date, a
 * rate changed with its source and as-of date, bad changes refused naming the field; the change
 * log; usage counted per pricing kind.
 */
import { vi } from 'vitest';
import { verifyLedger } from '../../src/billing/ledger.ts';
import { findModel } from '../../src/catalog/models.ts';
import type { Db } from '../../src/db/index.ts';
import { graphql } from '../gql/index.ts';
import type { SetHardwareRateInput } from '../gql/graphql.ts';
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { user: { name: 'poster shop', dailyBudgetMicros: 5_000_000 } });

const catalogRows = async (db: Db) => {
  return {
    models: await db.selectFrom('catalog_models').selectAll().orderBy('slug').execute(),
    rates: await db.selectFrom('hardware_rates').selectAll().orderBy('sku').execute(),
    changes: (await db.selectFrom('catalog_changes').select('id').execute()).length,
  };
};

const AddOfficialModelMutation = graphql(`
  mutation AddOfficialModel($input: AddModelInput!) {
    addModel(input: $input) {
      id
      replicateModel
      replicateVersion
      tier
      aspectRatios
      pricing {
        kind
        perImageUsd
        typicalCostPerImageUsd
        typicalCostBasis
        source
        asOf
      }
    }
  }
`);

const GeneratePosterMutation = graphql(`
  mutation GeneratePoster($modelId: ID!) {
    generateImage(input: { modelId: $modelId, prompt: "a poster" }) {
      id
    }
  }
`);

const PosterCostQuery = graphql(`
  query PosterCost($id: ID!) {
    generation(id: $id) {
      status
      costUsd
      estimatedCostUsd
    }
  }
`);

const UsageByPricingQuery = graphql(`
  query UsageByPricing($from: DateTime!, $to: DateTime!) {
    usage(from: $from, to: $to, groupBy: PRICING) {
      key
      pricing
      generations
      succeeded
      costUsd
    }
  }
`);

describe('an official model billed per output', () => {
  test('refuses bad overrides naming the field, writing nothing', async ({ app: adding }) => {
    const before = await catalogRows(adding.services.db);
    const cases: Array<[unknown, string]> = [
      [{ tier: 'ultra' }, 'input.overrides.tier'],
      [{ maxOutputsPerPrediction: 9 }, 'input.overrides.maxOutputsPerPrediction'],
      [{ aspectRatios: ['wide'] }, 'input.overrides.aspectRatios.0'],
      [{ averageSeconds: -1 }, 'input.overrides.averageSeconds'],
      [{ colour: 'red' }, 'input.overrides.colour'],
      ['tier=high', 'input.overrides'],
    ];
    for (const [overrides, path] of cases) {
      const answer = await adding.graphql(
        AddOfficialModelMutation,
        {
          input: {
            replicateModel: 'ideogram-ai/ideogram-v3-turbo',
            slug: 'ideogram-v3-turbo',
            perImageUsd: '0.03',
            overrides,
          },
        },
        TEST_ADMIN_TOKEN,
      );
      const extensions = answer.errors?.[0]?.extensions as { invalidFields?: Array<{ path: string }> } | undefined;
      expect(extensions, JSON.stringify(overrides)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_OVERRIDES' });
      expect(extensions!.invalidFields!.map((field) => field.path)).toContain(path);
    }
    expect(await catalogRows(adding.services.db)).toEqual(before);
  });

  test('is added over GraphQL, offered by another instance, run by name at its per-image price', async ({
    app: adding,
    peer: running,
    user,
  }) => {
    const added = await adding.graphql(
      AddOfficialModelMutation,
      {
        input: {
          replicateModel: 'ideogram-ai/ideogram-v3-turbo',
          slug: 'ideogram-v3-turbo',
          name: 'Ideogram v3 Turbo',
          perImageUsd: '0.03',
          priceSource: 'replicate.com/ideogram-ai/ideogram-v3-turbo, per output',
          overrides: { tier: 'standard', qualityRank: 6 },
        },
      },
      TEST_ADMIN_TOKEN,
    );
    expect(added.errors).toBeUndefined();
    expect(added.data).toMatchObject({
      addModel: {
        id: 'ideogram-v3-turbo',
        replicateModel: 'ideogram-ai/ideogram-v3-turbo',
        replicateVersion: null,
        tier: 'STANDARD',
        aspectRatios: ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'],
        pricing: {
          kind: 'PER_IMAGE',
          perImageUsd: '0.03',
          typicalCostPerImageUsd: '0.03',
          typicalCostBasis: 'PRICE',
          source: 'replicate.com/ideogram-ai/ideogram-v3-turbo, per output',
        },
      },
    });
    // The other instance hears the NOTIFY (this process shares one catalog: the row is the proof).
    await vi.waitFor(() => expect(findModel('ideogram-v3-turbo')?.enabled).toBe(true), { timeout: 5_000 });

    const started = await running.graphql(GeneratePosterMutation, { modelId: 'ideogram-v3-turbo' }, user.key);
    expect(started.errors).toBeUndefined();
    const id = started.data!.generateImage.id;
    await vi.waitFor(
      async () => {
        const answer = await running.graphql(PosterCostQuery, { id }, user.key);
        expect(answer.data!.generation.status).toBe('SUCCEEDED');
      },
      { timeout: 30_000, interval: 100 },
    );
    const answer = await running.graphql(PosterCostQuery, { id }, user.key);
    expect(answer.data).toMatchObject({ generation: { costUsd: '0.03', estimatedCostUsd: '0.03' } });
    const prediction = await running.services.db
      .selectFrom('predictions')
      .select('replicate_model')
      .where(
        'generation_id',
        '=',
        (await running.services.db.selectFrom('generations').select('id').executeTakeFirstOrThrow()).id,
      )
      .executeTakeFirstOrThrow();
    expect(prediction.replicate_model).toBe('ideogram-ai/ideogram-v3-turbo');
    expect((await verifyLedger(running.services.db)).ok).toBe(true);

    const usage = await adding.graphql(
      UsageByPricingQuery,
      { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
      TEST_ADMIN_TOKEN,
    );
    expect(usage.data).toEqual({
      usage: [{ key: 'per_image', pricing: 'PER_IMAGE', generations: 1, succeeded: 1, costUsd: '0.03' }],
    });
  });
});

const HardwareRatesQuery = graphql(`
  query HardwareRates {
    hardwareRates {
      sku
      name
      perSecondUsd
      source
      asOf
    }
  }
`);

const ChangeHardwareRateMutation = graphql(`
  mutation ChangeHardwareRate($input: SetHardwareRateInput!) {
    setHardwareRate(input: $input) {
      sku
      perSecondUsd
      source
      asOf
    }
  }
`);

const CatalogChangeLogQuery = graphql(`
  query CatalogChangeLog($subject: String, $last: Int) {
    catalogChanges(subject: $subject, last: $last) {
      subject
      actor
      changedAt
      before
      after
    }
  }
`);

describe('hardware rates', () => {
  test('are seeded from replicate.com/pricing as quoted in issue #22, as of 2026-12-05', async ({ app: adding }) => {
    const answer = await adding.graphql(HardwareRatesQuery, {}, TEST_ADMIN_TOKEN);
    const rates = answer.data!.hardwareRates;
    expect(rates.length).toBeGreaterThanOrEqual(7);
    for (const rate of rates) {
      expect(rate.source).toMatch(/^replicate\.com\/pricing\b.*as quoted in issue #22$/);
      expect(rate.asOf).toBe('2026-12-05');
    }
    const usd = Object.fromEntries(rates.map((rate) => [rate.sku, rate.perSecondUsd]));
    expect(usd).toMatchObject({
      cpu: '0.0001',
      'gpu-t4': '0.000225',
      'gpu-a40-small': '0.000575',
      'gpu-a40-large': '0.000725',
      'gpu-l40s': '0.000975',
      'gpu-a100-large': '0.0014',
      'gpu-h100': '0.001525',
      'gpu-h100-8x': '0.0122',
    });
    const anonymous = await adding.graphql(HardwareRatesQuery);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('refuses a bad rate change naming the field, changing nothing', async ({ app: adding }) => {
    const before = await catalogRows(adding.services.db);
    const good = { sku: 'gpu-t4', perSecondUsd: '0.00025', source: 'replicate.com/pricing', asOf: '2026-12-01' };
    const cases: Array<[Partial<SetHardwareRateInput>, string, string]> = [
      [{ sku: 'gpu-z9' }, 'UNKNOWN_HARDWARE', 'input.sku'],
      [{ perSecondUsd: '0' }, 'PRICE_OUT_OF_RANGE', 'input.perSecondUsd'],
      [{ perSecondUsd: '0.5' }, 'PRICE_OUT_OF_RANGE', 'input.perSecondUsd'],
      [{ source: '   ' }, 'BAD_SOURCE', 'input.source'],
      [{ source: 'x'.repeat(201) }, 'BAD_SOURCE', 'input.source'],
      [{ asOf: '2026-02-30' }, 'BAD_DATE', 'input.asOf'],
      [{ asOf: 'yesterday' }, 'BAD_DATE', 'input.asOf'],
      [{ asOf: '2999-01-01' }, 'BAD_DATE', 'input.asOf'],
    ];
    for (const [change, reason, path] of cases) {
      const answer = await adding.graphql(
        ChangeHardwareRateMutation,
        { input: { ...good, ...change } },
        TEST_ADMIN_TOKEN,
      );
      expect(answer.errors?.[0]?.extensions, JSON.stringify(change)).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason,
        invalidFields: [{ path }],
      });
    }
    expect(await catalogRows(adding.services.db)).toEqual(before);
  });

  test('a rate change keeps its source and date and is logged (before and after)', async ({ app: adding }) => {
    const changed = await adding.graphql(
      ChangeHardwareRateMutation,
      {
        input: {
          sku: 'gpu-t4',
          perSecondUsd: '0.00025',
          source: 'replicate.com/pricing, read by ops',
          asOf: '2026-12-01',
        },
      },
      TEST_ADMIN_TOKEN,
    );
    expect(changed.errors).toBeUndefined();
    expect(changed.data).toEqual({
      setHardwareRate: {
        sku: 'gpu-t4',
        perSecondUsd: '0.00025',
        source: 'replicate.com/pricing, read by ops',
        asOf: '2026-12-01',
      },
    });
    const log = await adding.graphql(CatalogChangeLogQuery, { subject: 'hardware:gpu-t4', last: 10 }, TEST_ADMIN_TOKEN);
    const [latest, seeded] = log.data!.catalogChanges;
    expect(latest).toMatchObject({
      subject: 'hardware:gpu-t4',
      actor: 'admin (GraphQL)',
      before: { micros_per_second: 225, as_of: '2026-12-05' },
      after: { micros_per_second: 250, as_of: '2026-12-01', source: 'replicate.com/pricing, read by ops' },
    });
    expect(seeded).toMatchObject({ subject: 'hardware:gpu-t4', actor: 'migration 0008_catalog', before: null });

    const all = await adding.graphql(CatalogChangeLogQuery, {}, TEST_ADMIN_TOKEN);
    expect(all.data!.catalogChanges[0]!.subject).toBe('hardware:gpu-t4');
    expect(all.data!.catalogChanges.map((change) => change.subject)).toContain('model:ideogram-v3-turbo');
    const tooMany = await adding.graphql(CatalogChangeLogQuery, { last: 501 }, TEST_ADMIN_TOKEN);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
