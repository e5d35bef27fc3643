/**
 * The public catalog answers from the response cache; nothing viewer-specific ever does. A cached
 * answer carries an ETag (set when the cache stores or serves it); anything else has none.
 */
import { isPublicCatalogOperation } from '../../src/graphql/catalog-cache.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

interface Answer {
  status: number;
  etag: string | null;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> };
}

const test = base
  /** Two users, each with a key, to tell one viewer's answer from another's. */
  .extend('users', { scope: 'file' }, async ({ newUser }) => {
    const a = await newUser({ name: 'cache-a', dailyBudgetMicros: 1_000_000 });
    const b = await newUser({ name: 'cache-b', dailyBudgetMicros: 1_000_000 });
    return [a, b] as const;
  })
  /** POSTs `query` as written: the cache is keyed by the raw query text, so the exact text sent is what is tested. */
  .extend(
    'post',
    { scope: 'file' },
    ({ app }) =>
      async (query: string, options: { key?: string; variables?: Record<string, unknown> } = {}): Promise<Answer> => {
        const response = await fetch(`${app.url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          },
          body: JSON.stringify({ query, variables: options.variables }),
        });
        return {
          status: response.status,
          etag: response.headers.get('etag'),
          body: (await response.json()) as Answer['body'],
        };
      },
  );

test.override('setup', { simulator: false });

describe('catalog response cache', () => {
  const MODELS = '{ models { id name costPerImageUsd averageSeconds } }';

  test('serves anonymous catalog queries from the cache, with the same answer as executing them', async ({
    post,
    users,
  }) => {
    const first = await post(MODELS);
    const second = await post(MODELS);
    expect(first.body.errors).toBeUndefined();
    expect(second.etag).not.toBeNull();
    expect(second.body).toEqual(first.body);
    // With a key the query executes (the key is checked): same data.
    const executed = await post(MODELS, { key: users[0].key });
    expect(executed.etag).toBeNull();
    expect(executed.body).toEqual(first.body);

    const estimate = 'query($input: EstimateCostInput!) { estimateCost(input: $input) { totalUsd perImageUsd } }';
    const two = await post(estimate, { variables: { input: { modelId: 'flux-schnell', count: 2 } } });
    const four = await post(estimate, { variables: { input: { modelId: 'flux-schnell', count: 4 } } });
    const twoAgain = await post(estimate, { variables: { input: { modelId: 'flux-schnell', count: 2 } } });
    expect(twoAgain.etag).not.toBeNull();
    expect(twoAgain.body).toEqual(two.body);
    expect(four.body.data).not.toEqual(two.body.data);
  });

  test('never answers a credential from the cache: a bad key is refused even for a cached query', async ({ post }) => {
    await post(MODELS);
    const refused = await post(MODELS, { key: 'pg_not_a_real_key_0000000000000000' });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.body.data ?? null).toBeNull();
  });

  test('never caches anything viewer-specific', async ({ post, users }) => {
    const viewer = '{ viewer { id name } }';
    const a = await post(viewer, { key: users[0].key });
    const b = await post(viewer, { key: users[1].key });
    const aAgain = await post(viewer, { key: users[0].key });
    expect((a.body.data?.viewer as { id: string }).id).toBe(users[0].id);
    expect((b.body.data?.viewer as { id: string }).id).toBe(users[1].id);
    expect((aAgain.body.data?.viewer as { id: string }).id).toBe(users[0].id);
    for (const answer of [a, b, aAgain]) expect(answer.etag).toBeNull();

    // Catalog fields next to viewer fields, or behind a fragment: executed, not cached.
    const mixed = `{ models { id } viewer { id } }`;
    for (const user of users) {
      const answer = await post(mixed, { key: user.key });
      expect(answer.etag).toBeNull();
      expect((answer.body.data?.viewer as { id: string }).id).toBe(user.id);
    }
    const anonymousMixed = await post(mixed);
    const anonymousMixedAgain = await post(mixed);
    expect(anonymousMixedAgain.etag).toBeNull();
    expect(anonymousMixed.body.errors?.length).toBeGreaterThan(0);
  });

  test('classifies documents by their root fields', () => {
    expect(isPublicCatalogOperation(MODELS, undefined)).toBe(true);
    expect(isPublicCatalogOperation('query Q { model(id: "flux-schnell") { id } __typename }', 'Q')).toBe(true);
    expect(isPublicCatalogOperation('{ models { id } viewer { id } }', undefined)).toBe(false);
    expect(isPublicCatalogOperation('query { ...F } fragment F on Query { models { id } }', undefined)).toBe(false);
    expect(isPublicCatalogOperation('query { ... on Query { viewer { id } } }', undefined)).toBe(false);
    expect(isPublicCatalogOperation('mutation { generateImage(input: {}) { id } }', undefined)).toBe(false);
    expect(isPublicCatalogOperation('query A { models { id } } query B { viewer { id } }', 'B')).toBe(false);
    expect(isPublicCatalogOperation('query A { models { id } } query B { viewer { id } }', undefined)).toBe(false);
    expect(isPublicCatalogOperation('{ models { ', undefined)).toBe(false);
  });
});
