/**
 * While queued a generation shows its place in the fleet-wide create queue, and cancel while
 * queued makes no upstream call. No worker anywhere: nothing is ever created upstream, so the
 * generations stay QUEUED.
 */
import { graphql } from '../gql/index.ts';
import { createRequests, eventually, holdOf, ledgerKinds, recordProgress, wsClient } from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { gateway: { runWorker: false } });

// A generation's place in the create queue, as the query, the cancel and the subscription read it.
graphql(`
  fragment QueueFields on Generation {
    id
    status
    queuePosition
    estimatedStartAt
  }
`);

const QueuePosition = graphql(`
  query QueuePosition($id: ID!) {
    generation(id: $id) {
      ...QueueFields
    }
  }
`);

const CancelQueued = graphql(`
  mutation CancelQueued($id: ID!) {
    cancelGeneration(id: $id) {
      ...QueueFields
      costUsd
    }
  }
`);

const QueueProgress = graphql(`
  subscription QueueProgress($id: ID!) {
    generationProgress(id: $id) {
      ...QueueFields
    }
  }
`);

describe('queued without a worker', () => {
  test('queuePosition counts the creates ahead, moves up through generationProgress, and cancel makes no upstream call', async ({
    simulator,
    gateway,
    key,
  }) => {
    const before = createRequests(simulator);
    const first = (await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'first in line' })).generation!;
    const second = (await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'second in line' })).generation!;
    expect([first.status, second.status]).toEqual(['QUEUED', 'QUEUED']);

    const read = async (id: string) => (await gateway.app.graphql(QueuePosition, { id }, key)).data!.generation!;
    expect((await read(first.id)).queuePosition).toBe(1);
    const behind = await read(second.id);
    expect(behind.queuePosition).toBe(2);
    expect(Date.parse(behind.estimatedStartAt!)).toBeGreaterThan(0);

    const client = wsClient(gateway.app, key);
    try {
      const progress = recordProgress(client, second.id, QueueProgress);
      await eventually(
        async () => progress.events.length,
        (count) => count >= 1,
      );
      expect(progress.events[0]!.generation.queuePosition).toBe(2);

      const canceled = await gateway.app.graphql(CancelQueued, { id: first.id }, key);
      expect(canceled.errors).toBeUndefined();
      expect(canceled.data!.cancelGeneration).toMatchObject({ status: 'CANCELED', queuePosition: null, costUsd: '0' });
      expect((await holdOf(gateway.db, first.id))?.state).toBe('released');
      expect(await ledgerKinds(gateway.db, first.id)).toEqual({ hold: 1, release: 1 });

      // The one behind it moved up, and its subscriber was told.
      expect((await read(second.id)).queuePosition).toBe(1);
      await eventually(
        async () => progress.events.map((event) => event.generation.queuePosition),
        (positions) => positions.at(-1) === 1,
      );
      progress.stop();
    } finally {
      await client.dispose();
    }
    expect(createRequests(simulator) - before).toBe(0);
  });
});
