/** The request path never waits on Replicate: with every upstream create hung, 100 users are all answered QUEUED. */
import { graphql } from '../gql/index.ts';
import { describe, expect, test } from '../support/fixtures.ts';

// Every create hangs (and is given up after 15 s, then reconciled, and hangs again).
test.override('setup', { gateway: { replicate: { transport: { requestTimeoutMs: 15_000 } } } });

const QueuedPlace = graphql(`
  query QueuedPlace($id: ID!) {
    generation(id: $id) {
      id
      status
      queuePosition
      estimatedStartAt
    }
  }
`);

describe('while every upstream create hangs', () => {
  test('100 concurrent generateImage from 100 users all answer QUEUED, with a place in the queue', async ({
    simulator,
    gateway,
    newUser,
    onTestFinished,
  }) => {
    simulator.injectFaults([{ method: 'POST', path: '/v1/models/**', fault: 'timeout', times: 10_000 }]);
    onTestFinished(() => simulator.clearFaults());
    const users = await Promise.all(Array.from({ length: 100 }, () => newUser()));
    const answers = await Promise.all(
      users.map(({ key }, index) => gateway.generate(key, { modelId: 'flux-schnell', prompt: `queued fox ${index}` })),
    );
    expect(answers.flatMap((answer) => answer.errors ?? [])).toEqual([]);
    expect(answers.map((answer) => answer.generation!.status)).toEqual(Array(100).fill('QUEUED'));

    // Still queued behind the hung creates: each one has a position and an estimated start.
    const last = answers[99]!.generation!;
    const queued = await gateway.app.graphql(QueuedPlace, { id: last.id }, users[99]!.key);
    const view = queued.data!.generation!;
    if (view.status === 'QUEUED') {
      expect(view.queuePosition).toBeGreaterThanOrEqual(1);
      expect(view.estimatedStartAt).not.toBeNull();
    }
  });
});
