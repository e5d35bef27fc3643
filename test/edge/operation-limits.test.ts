/**
 * Operation limits (issue 11, rows "depth", "aliases of models", "aliases of viewer { usage }" and
 * the answer-size cap): each attack is refused before anything executes — no resolver runs, so
 * an operation that would have failed in its resolver (NOT_FOUND for an unknown id) fails with
 * QUERY_TOO_COMPLEX instead — and a cheap query sent alongside is answered. The same limits hold
 * for operations over WebSocket.
 *
 * The answer-size cap: operation-limits-response-size.
 *
 * The attack documents stay strings, built at run time: they are not typed codegen documents on purpose.
 */
import { randomUUID } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { DEFAULT_OPERATION_LIMITS } from '../../src/config.ts';
import { postGraphQL, type GraphQLResponse } from '../foundation/graphql-client.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

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

/** The file's user on one WebSocket, for the operations sent over it. */
const test = base.extend('client', { scope: 'file' }, ({ app, key }, { onCleanup }): Client => {
  const client = createClient({
    url: app.url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  onCleanup(() => client.dispose());
  return client;
});

// A gateway alone (the built-in simulator): nothing here reaches a resolver that would go upstream.
test.override('setup', { simulator: false });

/** Sends the attack and a cheap query at once; the cheap one must be answered. */
async function withCheapQuery(url: string, attack: Promise<GraphQLResponse<unknown>>) {
  const [result, cheap] = await Promise.all([attack, postGraphQL<{ models: unknown[] }>(url, CHEAP)]);
  expect(cheap.errors).toBeUndefined();
  expect(cheap.data?.models.length).toBeGreaterThan(0);
  return result;
}

/** Runs one operation over `client` to its end. */
async function run(client: Client, query: string): Promise<{ errors: unknown[]; results: unknown[] }> {
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

describe('operation limits', () => {
  test('depth: finals { preview { finals … } } ten levels deep is refused before its resolver runs', async ({
    app,
    key,
  }) => {
    const result = await withCheapQuery(app.url, postGraphQL(app.url, finalsChain(randomUUID(), 10), {}, key));
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

  test('cost: a finals chain within the depth limit is refused by its cost (lists multiply)', async ({ app, key }) => {
    const result = await withCheapQuery(app.url, postGraphQL(app.url, finalsChain(randomUUID(), 7), {}, key));
    const error = refusal(result);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    expect(error.extensions!.found as number).toBeGreaterThan(DEFAULT_OPERATION_LIMITS.maxCost);
    // The same shape three levels shallower runs: its resolver answers NOT_FOUND for the unknown id.
    const shallow = await postGraphQL(app.url, finalsChain(randomUUID(), 4), {}, key);
    expect(shallow.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  test('cost follows the page size asked for in variables, each time', async ({ app, key }) => {
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

  test('aliases: 20,000 aliases of models (a 1.6 MB body) are refused by the body limit; 800 (56 KB) stop at the token limit while parsing', async ({
    app,
  }) => {
    const flood = await withCheapQuery(
      app.url,
      postGraphQL(app.url, aliased(20_000, 'models { id name replicateModel costPerImageUsd averageSeconds }')),
    );
    expect(flood.status).toBe(413);
    expect(refusal(flood).message).toContain('GRAPHQL_MAX_BODY_BYTES');
    const document = aliased(800, 'models { id name replicateModel costPerImageUsd averageSeconds }');
    expect(document.length).toBeGreaterThan(50_000);
    const error = refusal(await withCheapQuery(app.url, postGraphQL(app.url, document)));
    expect(error.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'tokens',
      maximum: DEFAULT_OPERATION_LIMITS.maxTokens,
    });
    expect(error.message).toContain('GRAPHQL_MAX_TOKENS');
  });

  test('aliases: a short document with too many aliases of models is refused by the alias limit', async ({ app }) => {
    const count = DEFAULT_OPERATION_LIMITS.maxAliases + 1;
    const error = refusal(await withCheapQuery(app.url, postGraphQL(app.url, aliased(count, 'models { id }'))));
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', found: count });
  });

  test('aliases: 1,500 aliases of viewer { usage } are refused; so are a few over the alias limit', async ({
    app,
    key,
  }) => {
    const flood = refusal(
      await withCheapQuery(app.url, postGraphQL(app.url, aliased(1_500, 'viewer { usage { spentUsd } }'), {}, key)),
    );
    expect(flood.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens' });
    const count = DEFAULT_OPERATION_LIMITS.maxAliases + 1;
    const few = refusal(await postGraphQL(app.url, aliased(count, 'viewer { usage { spentUsd } }'), {}, key));
    expect(few.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', found: count });
  });

  test('directives: too many are refused', async ({ app }) => {
    const count = DEFAULT_OPERATION_LIMITS.maxDirectives + 1;
    const fields = Array.from({ length: count }, () => 'id @include(if: true)').join(' ');
    const error = refusal(await postGraphQL(app.url, `{ models { ${fields} } }`));
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'directives', found: count });
  });

  test("GraphiQL's introspection query passes every limit (outside production)", async ({ app }) => {
    const result = await postGraphQL<{ __schema: { types: unknown[] } }>(app.url, getIntrospectionQuery());
    expect(result.errors).toBeUndefined();
    expect(result.data?.__schema.types.length).toBeGreaterThan(10);
  });

  describe('over WebSocket', () => {
    test('a query too deep, with too many aliases or too costly is refused; the socket keeps serving', async ({
      client,
    }) => {
      const deep = await run(client, finalsChain(randomUUID(), 10));
      expect(deep.errors).toMatchObject([{ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth' } }]);
      const aliases = await run(client, aliased(DEFAULT_OPERATION_LIMITS.maxAliases + 1, 'models { id }'));
      expect(aliases.errors).toMatchObject([{ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'aliases' } }]);
      const costly = await run(client, finalsChain(randomUUID(), 7));
      expect(costly.results).toMatchObject([{ data: null, errors: [{ extensions: { limit: 'cost' } }] }]);
      const cheap = await run(client, CHEAP);
      expect(cheap.errors).toEqual([]);
      expect(cheap.results).toMatchObject([{ data: { models: expect.any(Array) } }]);
    });

    test('a costly subscription is refused before it starts', async ({ client }) => {
      const leaf = 'id images { url }';
      const chain = `finals { ${leaf} finals { ${leaf} finals { ${leaf} finals { ${leaf} } } } }`;
      const result = await run(client, `subscription { myGenerations { ${chain} } }`);
      expect([...result.errors, ...result.results]).toMatchObject([
        expect.objectContaining({
          errors: [expect.objectContaining({ extensions: expect.objectContaining({ limit: 'cost' }) })],
        }),
      ]);
    });
  });
});
