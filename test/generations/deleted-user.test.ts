/**
 * A user deleted (by an operator, in SQL) while an instance still trusts their key from its cache
 * (up to the key cache's TTL) is refused as unauthenticated, never "Unexpected error.", and
 * nothing is written or sent upstream for them.
 */
import { graphql } from '../gql/index.ts';
import { eventually } from '../support/env.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { createRequests } from './helpers.ts';

const DeletedUserViewer = graphql(`
  query DeletedUserViewer {
    viewer {
      id
      usage {
        spentUsd
      }
    }
  }
`);

describe('a user deleted while their key is cached', () => {
  test('generateImage is refused with UNAUTHENTICATED and writes nothing', async ({ env, newUser }) => {
    const { userId, key } = await newUser();
    // The key is now in the gateway's cache.
    expect((await env.gateway.app.graphql(DeletedUserViewer, {}, key)).data?.viewer?.id).toBeTruthy();
    await env.gateway.db.deleteFrom('users').where('id', '=', userId).execute();
    const createsBefore = createRequests(env.sim);

    const refused = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a fox of a deleted user' });
    expect(refused.generation).toBeUndefined();
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
    expect(refused.errors?.[0]?.message).not.toBe('Unexpected error.');

    for (const table of ['generations', 'holds', 'ledger_entries'] as const) {
      const rows = await env.gateway.db.selectFrom(table).select('id').where('user_id', '=', userId).execute();
      expect(rows, table).toEqual([]);
    }
    expect(createRequests(env.sim)).toBe(createsBefore);
  });

  test('viewer is refused with UNAUTHENTICATED once the deletion is heard', async ({ env, newUser }) => {
    const { userId, key } = await newUser();
    expect((await env.gateway.app.graphql(DeletedUserViewer, {}, key)).data?.viewer?.id).toBeTruthy();
    await env.gateway.db.deleteFrom('users').where('id', '=', userId).execute();

    // Usage is served from a cache until the deletion's notification drops it (billing/usage-cache.ts).
    const refused = await eventually(
      () => env.gateway.app.graphql(DeletedUserViewer, {}, key),
      (answer) => answer.errors !== undefined,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
    expect(refused.data?.viewer ?? null).toBeNull();
  });

  test('generateImage leaving the model to pixelgate is refused with UNAUTHENTICATED and writes nothing', async ({
    env,
    newUser,
  }) => {
    const { userId, key } = await newUser();
    expect((await env.gateway.app.graphql(DeletedUserViewer, {}, key)).data?.viewer?.id).toBeTruthy();
    await env.gateway.db.deleteFrom('users').where('id', '=', userId).execute();
    // Once the deletion is heard the usage cache finds no user: the automatic choice reads the
    // budget left there before admission's foreign keys could refuse.
    await eventually(
      () => env.gateway.app.graphql(DeletedUserViewer, {}, key),
      (answer) => answer.errors !== undefined,
    );
    const createsBefore = createRequests(env.sim);

    const refused = await env.gateway.generate(key, { prompt: 'a fox of a deleted user, model left to pixelgate' });
    expect(refused.generation).toBeUndefined();
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
    expect(refused.errors?.[0]?.message).not.toBe('Unexpected error.');
    expect(JSON.stringify(refused)).not.toContain(userId);
    for (const table of ['generations', 'holds', 'ledger_entries'] as const) {
      const rows = await env.gateway.db.selectFrom(table).select('id').where('user_id', '=', userId).execute();
      expect(rows, table).toEqual([]);
    }
    expect(createRequests(env.sim)).toBe(createsBefore);
  });
});
