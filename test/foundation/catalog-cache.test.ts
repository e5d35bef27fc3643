/**
 * The public catalog answers from the response cache; nothing viewer-specific ever does. A cached
 * answer carries an ETag (set when the cache stores or serves it); anything else has none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { createUser } from '../../src/auth/users.ts';
import { isPublicCatalogOperation } from '../../src/graphql/catalog-cache.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { gid } from '../support/ids.ts';

interface Answer {
  status: number;
  etag: string | null;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> };
}

describe('catalog response cache', () => {
  let app: TestApp;
  const keys: string[] = [];
  const userIds: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    for (const name of ['cache-a', 'cache-b']) {
      const user = await createUser(app.services.db, { name, dailyBudgetMicros: 1_000_000 });
      userIds.push(gid('User', user.id));
      keys.push((await createApiKey(app.services.db, user.id)).key);
    }
  });
  afterAll(async () => {
    await app?.stop();
  });

  // Strings on purpose: the cache is keyed by the raw query text, so the exact text sent is what is tested.
  async function post(query: string, options: { key?: string; variables?: Record<string, unknown> } = {}) {
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
    } satisfies Answer;
  }

  const MODELS = '{ models { id name costPerImageUsd averageSeconds } }';

  it('serves anonymous catalog queries from the cache, with the same answer as executing them', async () => {
    const first = await post(MODELS);
    const second = await post(MODELS);
    expect(first.body.errors).toBeUndefined();
    expect(second.etag).not.toBeNull();
    expect(second.body).toEqual(first.body);
    // With a key the query executes (the key is checked): same data.
    const executed = await post(MODELS, { key: keys[0] });
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

  it('never answers a credential from the cache: a bad key is refused even for a cached query', async () => {
    await post(MODELS);
    const refused = await post(MODELS, { key: 'pg_not_a_real_key_0000000000000000' });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.body.data ?? null).toBeNull();
  });

  it('never caches anything viewer-specific', async () => {
    const viewer = '{ viewer { id name } }';
    const a = await post(viewer, { key: keys[0] });
    const b = await post(viewer, { key: keys[1] });
    const aAgain = await post(viewer, { key: keys[0] });
    expect((a.body.data?.viewer as { id: string }).id).toBe(userIds[0]);
    expect((b.body.data?.viewer as { id: string }).id).toBe(userIds[1]);
    expect((aAgain.body.data?.viewer as { id: string }).id).toBe(userIds[0]);
    for (const answer of [a, b, aAgain]) expect(answer.etag).toBeNull();

    // Catalog fields next to viewer fields, or behind a fragment: executed, not cached.
    const mixed = `{ models { id } viewer { id } }`;
    for (const [index, key] of keys.entries()) {
      const answer = await post(mixed, { key });
      expect(answer.etag).toBeNull();
      expect((answer.body.data?.viewer as { id: string }).id).toBe(userIds[index]);
    }
    const anonymousMixed = await post(mixed);
    const anonymousMixedAgain = await post(mixed);
    expect(anonymousMixedAgain.etag).toBeNull();
    expect(anonymousMixed.body.errors?.length).toBeGreaterThan(0);
  });

  it('classifies documents by their root fields', () => {
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
