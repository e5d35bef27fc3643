import { describe, expect, it } from 'vitest';
import { type TestApp } from '../support/app.ts';
import { useTestApp } from '../support/fixtures.ts';

describe("GraphQL's own refusals carry a code", () => {
  let app: TestApp;
  useTestApp((ready) => (app = ready), {}, { runWorker: false });

  it.each([
    ['a syntax error', '{ models { id ', undefined],
    ['an unknown field', '{ models { nope } }', undefined],
    [
      'a variable of the wrong type',
      'query($input: EstimateCostInput!) { estimateCost(input: $input) { totalUsd } }',
      { input: { modelId: 'flux-schnell', count: 'two' } },
    ],
  ])('%s → BAD_USER_INPUT', async (_case, query, variables) => {
    const result = await app.graphql(query, variables);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors ?? []) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps the code of errors that have one', async () => {
    const result = await app.graphql('{ viewer { id } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
