import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { graphql } from '../gql/index.ts';

// A gateway alone (the built-in simulator).
test.override('setup', { simulator: false });

const SmokeModelsQuery = graphql(`
  query SmokeModels {
    models {
      id
      replicateModel
      costPerImageUsd
    }
  }
`);

const SmokeCreateUserMutation = graphql(`
  mutation SmokeCreateUser {
    createUser(input: { name: "Ada" }) {
      id
    }
  }
`);

const SmokeCreateApiKeyMutation = graphql(`
  mutation SmokeCreateApiKey($id: ID!) {
    createApiKey(userId: $id) {
      key
      apiKey {
        id
        prefix
      }
    }
  }
`);

const SmokeViewerQuery = graphql(`
  query SmokeViewer {
    viewer {
      id
      name
    }
  }
`);

describe('a freshly started gateway', () => {
  test('lists the catalog with real Replicate ids', async ({ app }) => {
    const result = await app.graphql(SmokeModelsQuery);
    expect(result.data?.models.map((model) => model.replicateModel)).toContain('black-forest-labs/flux-schnell');
  });

  test('creates a user and a key as admin, and the key sees its viewer', async ({ app }) => {
    const created = await app.graphql(SmokeCreateUserMutation, {}, TEST_ADMIN_TOKEN);
    const userId = created.data!.createUser.id;
    const key = await app.graphql(SmokeCreateApiKeyMutation, { id: userId }, TEST_ADMIN_TOKEN);
    const viewer = await app.graphql(SmokeViewerQuery, {}, key.data!.createApiKey.key);
    expect(viewer.data?.viewer.id).toBe(userId);
  });
});
