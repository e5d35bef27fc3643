/** A cancel between the worker's claim of a create and its send: nothing is sent upstream, the hold is released. */
import { verifyLedger } from '../../src/billing/ledger.ts';
import { graphql } from '../gql/index.ts';
import { createRequests, eventually, holdOf, ledgerKinds, predictionRows, simulatedPredictionsFor } from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

// Six creates a minute: one per 10 s window, so a second create is claimed by the worker and then
// waits for the budget before it is sent.
test.override('setup', { env: { UPSTREAM_CREATES_PER_MINUTE: '6' } });

const CancelClaimed = graphql(`
  mutation CancelClaimed($id: ID!) {
    cancelGeneration(id: $id) {
      id
      status
      queuePosition
      estimatedStartAt
      costUsd
    }
  }
`);

describe('a cancel between the claim and the send', () => {
  test('sends no create: the claimed prediction ends never created and the hold is released', async ({
    simulator,
    gateway,
    key,
  }) => {
    const before = createRequests(simulator);
    const first = (await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'takes the window' })).generation!;
    await eventually(
      async () => createRequests(simulator) - before,
      (sent) => sent === 1,
    );
    const prompt = 'canceled while its create waits to be sent';
    const second = (await gateway.generate(key, { modelId: 'flux-schnell', prompt })).generation!;
    expect(second.status).toBe('QUEUED');
    // Claimed: the worker owns the create now, and it waits for the next window.
    await eventually(
      async () => (await predictionRows(gateway.db, second.id)).map((row) => row.state),
      (states) => states.join() === 'creating',
    );

    const canceled = await gateway.app.graphql(CancelClaimed, { id: second.id }, key);
    expect(canceled.errors).toBeUndefined();
    expect(canceled.data!.cancelGeneration.status).toBe('CANCELED');
    // When the budget grants the create, the worker sees the cancel and sends nothing.
    await eventually(
      async () => (await holdOf(gateway.db, second.id))?.state,
      (state) => state === 'released',
      60_000,
    );
    expect((await predictionRows(gateway.db, second.id)).map((row) => row.state)).toEqual(['canceled']);
    expect(await ledgerKinds(gateway.db, second.id)).toEqual({ hold: 1, release: 1 });
    expect((await gateway.get(key, second.id)).costUsd).toBe('0');
    expect(simulatedPredictionsFor(simulator, prompt)).toHaveLength(0);
    await gateway.waitFor(key, first.id, undefined, 60_000);
    expect(createRequests(simulator) - before).toBe(1);
    expect((await verifyLedger(gateway.db)).ok).toBe(true);
  }, 90_000);
});
