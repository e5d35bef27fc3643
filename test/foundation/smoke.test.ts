import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';

// A gateway alone (the built-in simulator).
test.override('setup', { simulator: false });

describe('a freshly started gateway', () => {
  test('lists the catalog with real Replicate ids', async ({ app }) => {
    const result = await app.graphql<{ models: Array<{ id: string; replicateModel: string }> }>(
      '{ models { id replicateModel costPerImageUsd } }',
    );
    expect(result.data?.models.map((model) => model.replicateModel)).toContain('black-forest-labs/flux-schnell');
  });

  test('creates a user and a key as admin, and the key sees its viewer', async ({ app }) => {
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
