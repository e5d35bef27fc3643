/**
 * Every error says whether sending the same request again can help (`extensions.retryable`), over
 * HTTP and WebSocket, whatever raised it: the contract mapper, GraphQL's own refusals, the limits.
 */
import { describe, expect, test } from '../support/fixtures.ts';
import { createTestUser } from '../support/users.ts';
import { connect } from '../support/sockets.ts';

const GENERATE = `mutation ($input: GenerateImageInput!) { generateImage(input: $input) { id } }`;

// A gateway alone (the built-in simulator), API only: nothing here runs jobs.
test.override('setup', { simulator: false, gateway: { runWorker: false } });

describe('extensions.retryable', () => {
  test('is false where the request must change: a document that does not parse, a bad key, an over-limit query', async ({
    app,
  }) => {
    const unparsable = await app.graphql('{ models { id ');
    expect(unparsable.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
    const badKey = await app.graphql('{ viewer { id } }', {}, 'pg_not-a-key');
    expect(badKey.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
    const deep = await app.graphql(
      `{ ${'viewer { generations(first: 1) { edges { node { '.repeat(3)} id ${'} } } }'.repeat(3)} }`,
    );
    expect(deep.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', retryable: false });
  });

  test('is false for BUDGET_EXCEEDED and true for RATE_LIMITED', async ({ app }) => {
    const { key } = await createTestUser(app, { name: 'Retry', dailyBudgetMicros: 10_000 });
    const tooDear = await app.graphql(GENERATE, { input: { modelId: 'flux-1.1-pro-ultra', prompt: 'a fox' } }, key);
    expect(tooDear.errors?.[0]?.extensions).toMatchObject({ code: 'BUDGET_EXCEEDED', retryable: false });

    const limited = await createTestUser(app, {
      name: 'Limited',
      dailyBudgetMicros: 1_000_000,
      openLimits: false,
    });
    await app.services.db.updateTable('users').set({ rate_limit_per_minute: 1 }).execute();
    const answers = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      answers.push(await app.graphql(GENERATE, { input: { modelId: 'flux-schnell', prompt: 'a fox' } }, limited.key));
    }
    expect(answers[1]!.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
  });

  test('is on WebSocket errors too', async ({ app }) => {
    const { raw, acknowledged } = await connect(app);
    expect(acknowledged).toBe(true);
    try {
      raw.send({ id: '1', type: 'subscribe', payload: { query: '{ nope }' } });
      const error = (await raw.next((message) => message.id === '1' && message.type === 'error')) as {
        payload: Array<{ extensions: Record<string, unknown> }>;
      };
      expect(error.payload[0]!.extensions).toMatchObject({ retryable: false });
    } finally {
      raw.socket.close();
    }
  });
});
