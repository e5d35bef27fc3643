/**
 * The answer-size cap (issue 11): an answer over GRAPHQL_MAX_RESPONSE_BYTES is replaced by a
 * refusal naming its size; smaller answers pass.
 */
import { postGraphQL, type GraphQLResponse } from '../foundation/graphql-client.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { simulator: false, env: { GRAPHQL_MAX_RESPONSE_BYTES: '1000' } });

const CHEAP = '{ models { id } }';

function refusal(result: GraphQLResponse<unknown>) {
  expect(result.data ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!;
}

describe('the answer-size cap', () => {
  test('replaces an answer over the cap by a refusal naming its size; smaller answers pass', async ({ app }) => {
    const error = refusal(await postGraphQL(app.url, '{ models { id name defaultInput aspectRatios } }'));
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'responseBytes', maximum: 1000 });
    expect(error.extensions!.found as number).toBeGreaterThan(1000);
    expect(error.message).toContain('GRAPHQL_MAX_RESPONSE_BYTES');
    const small = await postGraphQL<{ models: unknown[] }>(app.url, CHEAP);
    expect(small.errors).toBeUndefined();
  });
});
