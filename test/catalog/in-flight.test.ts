/**
 * Time-billed and repriced generations end to end, over HTTP against the simulator: a canceled run
 * of a fine-tune billed per second is charged for the time it ran (ceil(predict_time × rate), less
 * than its hold) and the ledger verifies; a price change while a generation is in flight — a model
 * repriced, a hardware rate changed — leaves its hold and its settlement under the rule it was
 * admitted with, and the next generation is held and settled under the new one.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { vi } from 'vitest';
import { verifyLedger } from '../../src/billing/ledger.ts';
import { findModel } from '../../src/catalog/models.ts';
import type { Db } from '../../src/db/index.ts';
import { formatMicrosAsUsd } from '../../src/money.ts';
import { graphql } from '../gql/index.ts';
import { TEST_ADMIN_TOKEN, type TestApp } from '../support/app.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { addFineTune } from '../support/fine-tune.ts';
import { dbId } from '../support/ids.ts';
import type { TestUser } from '../support/users.ts';

const ShopGenerateMutation = graphql(`
  mutation ShopGenerate($modelId: ID!, $prompt: String!) {
    generateImage(input: { modelId: $modelId, prompt: $prompt }) {
      id
      estimatedCostUsd
    }
  }
`);

const ShopCancelMutation = graphql(`
  mutation ShopCancel($id: ID!) {
    cancelGeneration(id: $id) {
      id
      status
    }
  }
`);

const ShopGenerationQuery = graphql(`
  query ShopGeneration($id: ID!) {
    generation(id: $id) {
      status
      costUsd
      estimatedCostUsd
    }
  }
`);

type Seen = ResultOf<typeof ShopGenerationQuery>['generation'];

/** What the tests do as the shop: generate and cancel through `other` (another instance), read the ledger's side. */
function shopClient(other: TestApp, owner: TestUser, db: Db) {
  async function until(id: string, done: (seen: Seen) => boolean): Promise<Seen> {
    let seen: Seen | undefined;
    await vi.waitFor(
      async () => {
        seen = (await other.graphql(ShopGenerationQuery, { id }, owner.key)).data!.generation;
        expect(done(seen)).toBe(true);
      },
      { timeout: 60_000, interval: 100 },
    );
    return seen!;
  }
  return {
    until,
    async start(modelId: string, prompt: string) {
      const answer = await other.graphql(ShopGenerateMutation, { modelId, prompt }, owner.key);
      expect(answer.errors).toBeUndefined();
      return answer.data!.generateImage;
    },
    cancel: (id: string) => other.graphql(ShopCancelMutation, { id }, owner.key),
    /** The held amount and the settled charge of a generation, from the ledger's side. */
    money: (id: string) =>
      db
        .selectFrom('holds')
        .select(['amount_micros', 'settled_micros', 'state'])
        .where('generation_id', '=', dbId('Generation', id))
        .executeTakeFirstOrThrow(),
    async predictSeconds(id: string): Promise<number> {
      const prediction = await db
        .selectFrom('predictions')
        .select(['metrics'])
        .where('generation_id', '=', dbId('Generation', id))
        .executeTakeFirstOrThrow();
      return prediction.metrics!.predict_time as number;
    },
  };
}

/** The acme shop, the only one who may run its fine-tune billed per second on H100 (added here). */
const test = base.extend('shop', { scope: 'file' }, async ({ app, peer, newUser }) => {
  const owner = await newUser({ name: 'acme shop', dailyBudgetMicros: 5_000_000 });
  const added = await addFineTune(app, owner);
  expect(added.errors).toBeUndefined();
  return shopClient(peer, owner, app.services.db);
});
// [sim:slow] runs 30 simulated seconds: 3 s here, time to act while a generation is in flight.
test.override('setup', { speed: 0.1 });

const timeCharge = (seconds: number, microsPerSecond: number) =>
  Math.floor((Math.round(seconds * 1000) * microsPerSecond + 999) / 1000);

describe('a time-billed generation canceled while it runs', () => {
  test('is charged for the time it ran, up to the cancel, and the ledger verifies', async ({ app, shop }) => {
    const { id } = await shop.start('acme-brand-style', 'a mascot [sim:slow]');
    await shop.until(id, (seen) => seen.status === 'PROCESSING');
    // Let it run a little, then cancel: Replicate bills a canceled run up to the cancel.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const canceled = await shop.cancel(id);
    expect(canceled.errors).toBeUndefined();
    const ended = await shop.until(id, (seen) => seen.costUsd !== null);
    expect(ended.status).toBe('CANCELED');

    const seconds = await shop.predictSeconds(id);
    expect(seconds).toBeGreaterThan(0);
    const hold = await shop.money(id);
    expect(hold).toMatchObject({
      amount_micros: 60 * 1525,
      state: 'settled',
      settled_micros: timeCharge(seconds, 1525),
    });
    expect(hold.settled_micros).toBeGreaterThan(0);
    expect(ended.costUsd).toBe(formatMicrosAsUsd(timeCharge(seconds, 1525)));
    expect((await verifyLedger(app.services.db)).ok).toBe(true);
  });
});

const RepriceModelMutation = graphql(`
  mutation RepriceModel($input: UpdateModelInput!) {
    updateModel(input: $input) {
      id
      pricing {
        perImageUsd
      }
    }
  }
`);

const ChangeShopHardwareRateMutation = graphql(`
  mutation ChangeShopHardwareRate($input: SetHardwareRateInput!) {
    setHardwareRate(input: $input) {
      perSecondUsd
    }
  }
`);

describe('a price change while generations are in flight', () => {
  test('a repriced per-image model: the generation in flight keeps its price, the next one pays the new', async ({
    app,
    shop,
  }) => {
    const inFlight = await shop.start('flux-dev', 'a lighthouse [sim:slow]');
    expect(inFlight.estimatedCostUsd).toBe('0.025');
    await shop.until(inFlight.id, (seen) => seen.status === 'PROCESSING');

    const repriced = await app.graphql(
      RepriceModelMutation,
      { input: { slug: 'flux-dev', perImageUsd: '0.05' } },
      TEST_ADMIN_TOKEN,
    );
    expect(repriced.data).toEqual({ updateModel: { id: 'flux-dev', pricing: { perImageUsd: '0.05' } } });
    await vi.waitFor(() => expect(findModel('flux-dev')?.costPerImageMicros).toBe(50_000));

    const next = await shop.start('flux-dev', 'a lighthouse at noon');
    expect(next.estimatedCostUsd).toBe('0.05');
    expect(await shop.until(inFlight.id, (seen) => seen.costUsd !== null)).toMatchObject({
      status: 'SUCCEEDED',
      costUsd: '0.025',
      estimatedCostUsd: '0.025',
    });
    expect(await shop.money(inFlight.id)).toMatchObject({ amount_micros: 25_000, settled_micros: 25_000 });
    expect(await shop.until(next.id, (seen) => seen.costUsd !== null)).toMatchObject({
      status: 'SUCCEEDED',
      costUsd: '0.05',
    });
    expect((await verifyLedger(app.services.db)).ok).toBe(true);
  });

  test('a changed hardware rate: the run in flight is held and settled at the old rate, the next at the new', async ({
    app,
    shop,
  }) => {
    const inFlight = await shop.start('acme-brand-style', 'a mascot, waving [sim:slow]');
    expect(inFlight.estimatedCostUsd).toBe('0.0915');
    await shop.until(inFlight.id, (seen) => seen.status === 'PROCESSING');

    const rate = await app.graphql(
      ChangeShopHardwareRateMutation,
      { input: { sku: 'gpu-h100', perSecondUsd: '0.002', source: 'replicate.com/pricing', asOf: '2026-12-05' } },
      TEST_ADMIN_TOKEN,
    );
    expect(rate.errors).toBeUndefined();
    await vi.waitFor(() => {
      const price = findModel('acme-brand-style')?.price;
      expect(price?.kind === 'per_second' && price.microsPerSecond).toBe(2000);
    });

    const next = await shop.start('acme-brand-style', 'a mascot, running');
    expect(next.estimatedCostUsd).toBe('0.12');
    await shop.until(inFlight.id, (seen) => seen.costUsd !== null);
    const before = await shop.predictSeconds(inFlight.id);
    expect(await shop.money(inFlight.id)).toMatchObject({
      amount_micros: 91_500,
      settled_micros: timeCharge(before, 1525),
    });

    await shop.until(next.id, (seen) => seen.costUsd !== null);
    const after = await shop.predictSeconds(next.id);
    expect(await shop.money(next.id)).toMatchObject({
      amount_micros: 120_000,
      settled_micros: timeCharge(after, 2000),
    });
    expect((await verifyLedger(app.services.db)).ok).toBe(true);
  });
});
