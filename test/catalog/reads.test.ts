/**
 * Catalog reads cost no statement: `models`, `model` and `estimateCost` answer from the snapshot
 * in memory that every instance reloads on the catalog's NOTIFY (catalog/sync.ts), anonymous or
 * with a key, before and after a catalog change; the change is in the very next answer.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { graphql } from '../gql/index.ts';
import { TEST_ADMIN_TOKEN, type GraphQLAnswer } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { countStatements } from '../support/statements.ts';

// No job worker: its sweeps are statements of their own, whatever request is in flight.
test.override('setup', { gateway: { runWorker: false } });

const REQUESTS = 20;

/**
 * The fewest statements `REQUESTS` reads sent in up to three tries: the catalog's periodic
 * refresh (once a minute, for typical costs) may fall in one window; a statement per read would
 * show in every one.
 */
async function statementsFor(read: () => Promise<unknown>): Promise<number> {
  let fewest = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && fewest > 0; attempt++) {
    fewest = Math.min(
      fewest,
      await countStatements(async () => {
        for (let index = 0; index < REQUESTS; index++) await read();
      }),
    );
  }
  return fewest;
}

const SnapshotModelsQuery = graphql(`
  query SnapshotModels {
    models {
      id
      name
      costPerImageUsd
      averageSeconds
      pricing {
        kind
        perImageUsd
        source
        asOf
      }
    }
  }
`);

const SnapshotModelQuery = graphql(`
  query SnapshotModel($id: ID!) {
    model(id: $id) {
      id
      costPerImageUsd
    }
  }
`);

const SnapshotEstimateQuery = graphql(`
  query SnapshotEstimate($input: EstimateCostInput!) {
    estimateCost(input: $input) {
      totalUsd
      maxTotalUsd
    }
  }
`);

const SnapshotRepriceMutation = graphql(`
  mutation SnapshotReprice($input: UpdateModelInput!) {
    updateModel(input: $input) {
      id
    }
  }
`);

describe('catalog reads', () => {
  test('send no statement, anonymous or with a key, before and after a change', async ({ app, user }) => {
    const reads = (key?: string) => [
      () => app.graphql(SnapshotModelsQuery, {}, key),
      () => app.graphql(SnapshotModelQuery, { id: 'flux-schnell' }, key),
      () => app.graphql(SnapshotEstimateQuery, { input: { modelId: 'flux-dev', count: 3 } }, key),
    ];
    const readAll = async (key?: string) => {
      for (const read of reads(key)) {
        const answer = await read();
        expect(answer.errors).toBeUndefined();
      }
    };
    await readAll(user.key); // the key cache warm, as it is on a busy instance
    for (const read of [...reads(), ...reads(user.key)]) expect(await statementsFor(read)).toBe(0);

    // The counter sees this gateway's statements: a catalog write sends some.
    let repriced: GraphQLAnswer<ResultOf<typeof SnapshotRepriceMutation>> = {};
    const written = await countStatements(async () => {
      repriced = await app.graphql(
        SnapshotRepriceMutation,
        { input: { slug: 'flux-schnell', perImageUsd: '0.004' } },
        TEST_ADMIN_TOKEN,
      );
    });
    expect(written).toBeGreaterThan(0);
    expect(repriced.errors).toBeUndefined();
    const price = async (key?: string) =>
      (await app.graphql(SnapshotModelQuery, { id: 'flux-schnell' }, key)).data!.model!.costPerImageUsd;
    expect(await price()).toBe('0.004');
    expect(await price(user.key)).toBe('0.004');
    await readAll(user.key);
    for (const read of [...reads(), ...reads(user.key)]) expect(await statementsFor(read)).toBe(0);
  });
});
