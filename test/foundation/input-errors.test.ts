import { describe, expect, test } from '../support/fixtures.ts';

// A gateway alone (the built-in simulator), API only: nothing here runs jobs.
test.override('setup', { simulator: false, gateway: { runWorker: false } });

describe("GraphQL's own refusals carry a code", () => {
  test.for([
    ['a syntax error', '{ models { id ', undefined],
    ['an unknown field', '{ models { nope } }', undefined],
    [
      'a variable of the wrong type',
      'query($input: EstimateCostInput!) { estimateCost(input: $input) { totalUsd } }',
      { input: { modelId: 'flux-schnell', count: 'two' } },
    ],
  ] as const)('%s → BAD_USER_INPUT', async ([_case, query, variables], { app }) => {
    const result = await app.graphql(query, variables);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors ?? []) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('keeps the code of errors that have one', async ({ app }) => {
    const result = await app.graphql('{ viewer { id } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
