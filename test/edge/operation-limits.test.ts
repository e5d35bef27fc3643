/**
 * Operation limits (issue 11, rows "depth", "aliases of models", "aliases of viewer { usage }" and
 * the answer-size cap): each attack is refused before anything executes — no resolver runs, so
 * an operation that would have failed in its resolver (NOT_FOUND for an unknown id) fails with
 * QUERY_TOO_COMPLEX instead — and a cheap query sent alongside is answered. The same limits hold
 * for operations over WebSocket.
 *
 * The attack documents stay strings, built at run time: they are not typed codegen documents on purpose.
 */
import { randomUUID } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { createUser } from '../../src/auth/users.ts';
import { DEFAULT_OPERATION_LIMITS } from '../../src/config.ts';
import { postGraphQL, type GraphQLResponse } from '../foundation/graphql-client.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { useTestApp } from '../support/fixtures.ts';

const CHEAP = '{ models { id } }';

/** `generation(id) { finals { preview { finals { … } } } }`, `levels` lists deep. */
function finalsChain(id: string, levels: number): string {
  let selection = 'id prompt images { url }';
  for (let level = 0; level < levels; level += 1) {
    selection = level % 2 === 0 ? `finals { ${selection} }` : `preview { ${selection} }`;
  }
  return `{ generation(id: "${id}") { ${selection} } }`;
}

const aliased = (count: number, field: string) =>
  `{ ${Array.from({ length: count }, (_, index) => `a${index}: ${field}`).join(' ')} }`;

function refusal(result: GraphQLResponse<unknown>) {
  expect(result.data ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!;
}

describe('operation limits', () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp();
    const user = await createUser(app.services.db, { name: 'limits' });
    key = (await createApiKey(app.services.db, user.id)).key;
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** Sends the attack and a cheap query at once; the cheap one must be answered. */
  async function withCheapQuery(attack: Promise<GraphQLResponse<unknown>>) {
    const [result, cheap] = await Promise.all([attack, postGraphQL<{ models: unknown[] }>(app.url, CHEAP)]);
    expect(cheap.errors).toBeUndefined();
    expect(cheap.data?.models.length).toBeGreaterThan(0);
    return result;
  }

  it('depth: finals { preview { finals … } } ten levels deep is refused before its resolver runs', async () => {
    const result = await withCheapQuery(postGraphQL(app.url, finalsChain(randomUUID(), 10), {}, key));
    const error = refusal(result);
    expect(error.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'depth',
      maximum: DEFAULT_OPERATION_LIMITS.maxDepth,
    });
    expect(error.extensions!.found as number).toBeGreaterThan(DEFAULT_OPERATION_LIMITS.maxDepth);
    expect(error.message).toContain('GRAPHQL_MAX_DEPTH');
    expect(error.message).toContain(`nest ${String(error.extensions!.found)} deep`);
  });

  it('cost: a finals chain within the depth limit is refused by its cost (lists multiply)', async () => {
    const result = await withCheapQuery(postGraphQL(app.url, finalsChain(randomUUID(), 7), {}, key));
    const error = refusal(result);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    expect(error.extensions!.found as number).toBeGreaterThan(DEFAULT_OPERATION_LIMITS.maxCost);
    // The same shape three levels shallower runs: its resolver answers NOT_FOUND for the unknown id.
    const shallow = await postGraphQL(app.url, finalsChain(randomUUID(), 4), {}, key);
    expect(shallow.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('cost follows the page size asked for in variables, each time', async () => {
    const query = `query ($first: Int) { viewer { generations(first: $first) {
      nodes { id images { url } finals { id images { url } finals { id images { url } } } } } } }`;
    const big = refusal(await postGraphQL(app.url, query, { first: 100 }, key));
    expect(big.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    const small = await postGraphQL<{ viewer: { generations: { nodes: unknown[] } } }>(
      app.url,
      query,
      { first: 2 },
      key,
    );
    expect(small.errors).toBeUndefined();
    expect(small.data?.viewer.generations.nodes).toEqual([]);
    // Costs are remembered per document and variables: the same text asking for more is still refused.
    const again = refusal(await postGraphQL(app.url, query, { first: 100 }, key));
    expect(again.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
  });

  it('aliases: 20,000 aliases of models (a 1.6 MB body) are refused by the body limit; 800 (56 KB) stop at the token limit while parsing', async () => {
    const flood = await withCheapQuery(
      postGraphQL(app.url, aliased(20_000, 'models { id name replicateModel costPerImageUsd averageSeconds }')),
    );
    expect(flood.status).toBe(413);
    expect(refusal(flood).message).toContain('GRAPHQL_MAX_BODY_BYTES');
    const document = aliased(800, 'models { id name replicateModel costPerImageUsd averageSeconds }');
    expect(document.length).toBeGreaterThan(50_000);
    const error = refusal(await withCheapQuery(postGraphQL(app.url, document)));
    expect(error.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'tokens',
      maximum: DEFAULT_OPERATION_LIMITS.maxTokens,
    });
    expect(error.message).toContain('GRAPHQL_MAX_TOKENS');
  });

  it('aliases: a short document with too many aliases of models is refused by the alias limit', async () => {
    const count = DEFAULT_OPERATION_LIMITS.maxAliases + 1;
    const error = refusal(await withCheapQuery(postGraphQL(app.url, aliased(count, 'models { id }'))));
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', found: count });
  });

  it('aliases: 1,500 aliases of viewer { usage } are refused; so are a few over the alias limit', async () => {
    const flood = refusal(
      await withCheapQuery(postGraphQL(app.url, aliased(1_500, 'viewer { usage { spentUsd } }'), {}, key)),
    );
    expect(flood.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens' });
    const count = DEFAULT_OPERATION_LIMITS.maxAliases + 1;
    const few = refusal(await postGraphQL(app.url, aliased(count, 'viewer { usage { spentUsd } }'), {}, key));
    expect(few.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', found: count });
  });

  it('directives: too many are refused', async () => {
    const count = DEFAULT_OPERATION_LIMITS.maxDirectives + 1;
    const fields = Array.from({ length: count }, () => 'id @include(if: true)').join(' ');
    const error = refusal(await postGraphQL(app.url, `{ models { ${fields} } }`));
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'directives', found: count });
  });

  it("GraphiQL's introspection query passes every limit (outside production)", async () => {
    const result = await postGraphQL<{ __schema: { types: unknown[] } }>(app.url, getIntrospectionQuery());
    expect(result.errors).toBeUndefined();
    expect(result.data?.__schema.types.length).toBeGreaterThan(10);
  });

  describe('over WebSocket', () => {
    let client: Client;
    beforeAll(() => {
      client = createClient({
        url: app.url.replace(/^http/, 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
      });
    });
    afterAll(async () => {
      await client?.dispose();
    });

    async function run(query: string): Promise<{ errors: unknown[]; results: unknown[] }> {
      const errors: unknown[] = [];
      const results: unknown[] = [];
      await new Promise<void>((resolve) => {
        client.subscribe(
          { query },
          {
            next: (value) => results.push(value),
            error: (error) => {
              errors.push(...(Array.isArray(error) ? error : [error]));
              resolve();
            },
            complete: resolve,
          },
        );
      });
      return { errors, results };
    }

    it('a query too deep, with too many aliases or too costly is refused; the socket keeps serving', async () => {
      const deep = await run(finalsChain(randomUUID(), 10));
      expect(deep.errors).toMatchObject([{ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth' } }]);
      const aliases = await run(aliased(DEFAULT_OPERATION_LIMITS.maxAliases + 1, 'models { id }'));
      expect(aliases.errors).toMatchObject([{ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'aliases' } }]);
      const costly = await run(finalsChain(randomUUID(), 7));
      expect(costly.results).toMatchObject([{ data: null, errors: [{ extensions: { limit: 'cost' } }] }]);
      const cheap = await run(CHEAP);
      expect(cheap.errors).toEqual([]);
      expect(cheap.results).toMatchObject([{ data: { models: expect.any(Array) } }]);
    });

    it('a costly subscription is refused before it starts', async () => {
      const leaf = 'id images { url }';
      const chain = `finals { ${leaf} finals { ${leaf} finals { ${leaf} finals { ${leaf} } } } }`;
      const result = await run(`subscription { myGenerations { ${chain} } }`);
      expect([...result.errors, ...result.results]).toMatchObject([
        expect.objectContaining({
          errors: [expect.objectContaining({ extensions: expect.objectContaining({ limit: 'cost' }) })],
        }),
      ]);
    });
  });
});

describe('the answer-size cap', () => {
  let app: TestApp;
  useTestApp((ready) => (app = ready), { GRAPHQL_MAX_RESPONSE_BYTES: '1000' });

  it('replaces an answer over the cap by a refusal naming its size; smaller answers pass', async () => {
    const error = refusal(await postGraphQL(app.url, '{ models { id name defaultInput aspectRatios } }'));
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'responseBytes', maximum: 1000 });
    expect(error.extensions!.found as number).toBeGreaterThan(1000);
    expect(error.message).toContain('GRAPHQL_MAX_RESPONSE_BYTES');
    const small = await postGraphQL<{ models: unknown[] }>(app.url, CHEAP);
    expect(small.errors).toBeUndefined();
  });
});
