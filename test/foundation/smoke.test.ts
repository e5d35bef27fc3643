import { describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN, type TestApp } from '../support/app.ts';
import { useTestApp } from '../support/fixtures.ts';

describe('a freshly started gateway', () => {
  let app: TestApp;
  useTestApp((ready) => (app = ready));

  it('lists the catalog with real Replicate ids', async () => {
    const result = await app.graphql<{ models: Array<{ id: string; replicateModel: string }> }>(
      '{ models { id replicateModel costPerImageUsd } }',
    );
    expect(result.data?.models.map((model) => model.replicateModel)).toContain('black-forest-labs/flux-schnell');
  });

  it('creates a user and a key as admin, and the key sees its viewer', async () => {
    const created = await app.graphql<{ createUser: { id: string } }>(
      'mutation { createUser(input: { name: "Ada" }) { id } }',
      {},
      TEST_ADMIN_TOKEN,
    );
    const userId = created.data!.createUser.id;
    const key = await app.graphql<{ createApiKey: { key: string } }>(
      'mutation($id: ID!) { createApiKey(userId: $id) { key apiKey { id prefix } } }',
      { id: userId },
      TEST_ADMIN_TOKEN,
    );
    const viewer = await app.graphql<{ viewer: { id: string } }>(
      '{ viewer { id name } }',
      {},
      key.data!.createApiKey.key,
    );
    expect(viewer.data?.viewer.id).toBe(userId);
  });
});
