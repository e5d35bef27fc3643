/**
 * A user deleted while a call about them is under way gets the contract's typed refusal, never
 * "Unexpected error." nor their raw database id: their own key's calls are UNAUTHENTICATED, an
 * admin's call naming them is NOT_FOUND by the id the admin sent.
 */
import { sql } from 'kysely';
import { graphql } from '../gql/index.ts';
import { eventually } from '../support/env.ts';
import { describe, expect, test } from '../support/fixtures.ts';

// A gateway alone (the built-in simulator), API only: nothing here runs jobs.
test.override('setup', { simulator: false, gateway: { runWorker: false } });

const DeletedUserName = graphql(`
  query DeletedUserName {
    viewer {
      id
      name
    }
  }
`);

const AdjustDeletedUser = graphql(`
  mutation AdjustDeletedUser($userId: ID!) {
    adjustBalance(userId: $userId, amountUsd: "-1", reason: "goodwill") {
      id
    }
  }
`);

describe('a user deleted while their key is cached', () => {
  test('viewer without usage is refused with UNAUTHENTICATED, never naming their id', async ({ app, newUser }) => {
    const { userId, key } = await newUser();
    // The key is now in the gateway's cache.
    expect((await app.graphql(DeletedUserName, {}, key)).data?.viewer?.name).toBeTruthy();
    await app.services.db.deleteFrom('users').where('id', '=', userId).execute();

    const refused = await app.graphql(DeletedUserName, {}, key);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
    expect(refused.data?.viewer ?? null).toBeNull();
    expect(JSON.stringify(refused)).not.toContain(userId);
  });
});

describe('a user deleted during an admin call about them', () => {
  test('adjustBalance is refused with NOT_FOUND naming the id sent, and writes nothing', async ({
    app,
    admin,
    newUser,
  }) => {
    const { id, userId } = await newUser();
    // The deletion takes the user's row lock first and commits once the adjustment waits on it:
    // the adjustment found the user, then locks a row that is gone.
    const deletion = await app.services.db.startTransaction().execute();
    await deletion.deleteFrom('users').where('id', '=', userId).execute();
    const answer = admin(AdjustDeletedUser, { userId: id });
    await eventually(
      () =>
        sql<{ waiting: number }>`select count(*)::int as waiting from pg_stat_activity
        where wait_event_type = 'Lock' and query like '%for no key update%'`.execute(app.services.db),
      (result) => result.rows[0]!.waiting > 0,
    );
    await deletion.commit().execute();

    const refused = await answer;
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(refused.errors?.[0]?.message).toBe(`User ${id} was not found.`);
    expect(JSON.stringify(refused)).not.toContain(userId);
    const entries = app.services.db.selectFrom('ledger_entries').select('id').where('user_id', '=', userId);
    expect(await entries.execute()).toEqual([]);
  });
});
