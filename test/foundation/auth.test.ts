import { createHash } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { sql } from 'kysely';
import WebSocket from 'ws';
import { createApiKey, lookUpApiKey, revokeApiKey } from '../../src/auth/api-keys.ts';
import { createUser } from '../../src/auth/users.ts';
import type { CreateUserInput } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';
import { startTestApp, TEST_ADMIN_TOKEN } from '../support/app.ts';
import type { GraphQLErrorShape } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { dbId } from '../support/ids.ts';
import { errorCode, execute, postGraphQL } from './graphql-client.ts';

const API_KEY_SHAPE = /^pg_[A-Za-z0-9_-]{43}$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The owner of the store tests' keys, written by auth's own store (this is auth's test). */
const test = base.extend(
  'keyOwner',
  { scope: 'file' },
  async ({ db }) => (await createUser(db, { name: 'Key owner' })).id,
);

// The GraphQL tests' gateway: API-only, on the built-in simulator (nothing here looks upstream).
test.override('setup', { simulator: false, gateway: { runWorker: false } });

describe('API keys (store)', () => {
  test('creates pg_ keys of 32 random bytes, storing only a SHA-256 hash and a short prefix', async ({
    db,
    keyOwner,
  }) => {
    const created = await createApiKey(db, keyOwner);
    expect(created.key).toMatch(API_KEY_SHAPE);
    expect(Buffer.from(created.key.slice(3), 'base64url')).toHaveLength(32);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.prefix.length).toBeLessThan(created.key.length / 2);

    const row = await db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.prefix).toBe(created.prefix);
    expect(Buffer.compare(row.key_hash, sha256(created.key))).toBe(0);
    // The secret part of the key appears nowhere in the database row.
    const stored = await sql<{
      row: string;
    }>`select row_to_json(k)::text as row from api_keys k where id = ${created.id}`.execute(db);
    expect(stored.rows[0]!.row).not.toContain(created.key.slice(created.prefix.length));
    expect(stored.rows[0]!.row).not.toContain(created.key);
  });

  test('gives every key its own value and prefix', async ({ db, keyOwner }) => {
    const keys = await Promise.all(Array.from({ length: 20 }, () => createApiKey(db, keyOwner)));
    expect(new Set(keys.map((key) => key.key)).size).toBe(20);
    expect(new Set(keys.map((key) => key.prefix)).size).toBe(20);
  });

  test('refuses malformed, unknown and tampered keys', async ({ db, keyOwner }) => {
    const created = await createApiKey(db, keyOwner);
    const lastChar = created.key.at(-1)!;
    const tampered = created.key.slice(0, -1) + (lastChar === 'A' ? 'B' : 'A');
    for (const candidate of [
      '',
      'pg_',
      'pg_short',
      `${created.key}x`,
      created.key.toUpperCase(),
      tampered,
      `pg_${'A'.repeat(43)}`,
      created.key.replace(/^pg_/, 'sk_'),
    ]) {
      expect((await lookUpApiKey(db, candidate))?.verified ?? null, candidate).toBeNull();
    }
  });

  test('revokes a key for good; revoking again keeps the first time', async ({ db, keyOwner }) => {
    const created = await createApiKey(db, keyOwner);
    const t0 = new Date('2026-03-02T00:00:00Z');
    const revoked = await revokeApiKey(db, created.id, t0);
    expect(revoked?.revoked_at?.toISOString()).toBe(t0.toISOString());
    expect((await lookUpApiKey(db, created.key))?.verified).toBeNull();
    const again = await revokeApiKey(db, created.id, new Date('2026-03-03T00:00:00Z'));
    expect(again?.revoked_at?.toISOString()).toBe(t0.toISOString());
    expect(await revokeApiKey(db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});

const CreateUserMutation = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
      name
    }
  }
`);

const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($userId: ID!) {
    createApiKey(userId: $userId) {
      key
      apiKey {
        id
        prefix
      }
    }
  }
`);

const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      id
      name
    }
  }
`);

const AuthModelIdsQuery = graphql(`
  query AuthModelIds {
    models {
      id
    }
  }
`);

/** A user made by the admin mutations this file tests (not the user factory), with a key. */
const identity = test.extend('newUserWithKey', { scope: 'file' }, ({ app }) => async (name: string) => {
  const user = await execute(app.url, CreateUserMutation, { input: { name } }, TEST_ADMIN_TOKEN);
  expect(user.errors).toBeUndefined();
  const userId = user.data!.createUser.id;
  const key = await execute(app.url, CreateApiKeyMutation, { userId }, TEST_ADMIN_TOKEN);
  expect(key.errors).toBeUndefined();
  return { userId, ...key.data!.createApiKey };
});

/** Runs `document` on `client` to its end; its last answer, typed by codegen. */
function run<T>(
  client: Client,
  document: TypedDocumentNode<T, Record<string, never>>,
  extensions?: Record<string, unknown>,
): Promise<{ data?: T; errors?: Array<{ extensions?: { code?: string } }> }> {
  return new Promise((resolve, reject) => {
    let result = {};
    client.subscribe(
      { query: print(document), extensions },
      { next: (value) => void (result = value), error: reject, complete: () => resolve(result) },
    );
  });
}

const AuthViewerIdQuery = graphql(`
  query AuthViewerId {
    viewer {
      id
    }
  }
`);

/** graphql-ws clients of the test's own (lazy, no retries), disposed after it, each with the close code it got. */
const overWebSocket = identity.extend('connect', async ({ app }, { onCleanup }) => {
  const clients: Client[] = [];
  onCleanup(async () => {
    for (const client of clients) await client.dispose();
  });
  return (authorization?: string) => {
    const closed: { code?: number } = {};
    const client = createClient({
      url: `${app.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: authorization ? { authorization } : {},
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event) => void (closed.code = (event as { code: number }).code) },
    });
    clients.push(client);
    return { client, closed };
  };
});

describe('identity over GraphQL', () => {
  identity(
    'lets the admin create a user and a key that is shown once; the key sees its viewer',
    async ({ app, gateway: { db }, newUserWithKey }) => {
      const { userId, key, apiKey } = await newUserWithKey('Grace');
      expect(key).toMatch(API_KEY_SHAPE);
      expect(key.startsWith(apiKey.prefix)).toBe(true);

      const viewer = await execute(app.url, ViewerQuery, {}, key);
      expect(viewer.data?.viewer).toEqual({ id: userId, name: 'Grace' });

      await app.services.keys.flushLastUsed(); // last uses are written in batches
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', apiKey.id).executeTakeFirstOrThrow();
      expect(row.last_used_at).not.toBeNull();
      expect(Buffer.compare(row.key_hash, sha256(key))).toBe(0);
    },
  );

  identity('stores the budgets given to createUser', async ({ app, gateway: { db } }) => {
    const result = await execute(
      app.url,
      CreateUserMutation,
      { input: { name: 'Budgeted', dailyBudgetUsd: '2.5', monthlyBudgetUsd: 40 } },
      TEST_ADMIN_TOKEN,
    );
    const row = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', dbId('User', result.data!.createUser.id))
      .executeTakeFirstOrThrow();
    expect(row.daily_budget_micros).toBe(2_500_000);
    expect(row.monthly_budget_micros).toBe(40_000_000);
  });

  identity('refuses a revoked key with UNAUTHENTICATED', async ({ app, newUserWithKey }) => {
    const { key, apiKey } = await newUserWithKey('Revoked');
    expect((await execute(app.url, ViewerQuery, {}, key)).errors).toBeUndefined();
    const revoked = await execute(app.url, RevokeApiKeyMutation, { id: apiKey.id }, TEST_ADMIN_TOKEN);
    expect(revoked.data?.revokeApiKey.revokedAt).toEqual(expect.any(String));
    const after = await execute(app.url, ViewerQuery, {}, key);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
    expect(after.errors![0]!.message).toContain('revoked');
  });

  identity('answers UNAUTHENTICATED when a per-user field has no key', async ({ app }) => {
    const result = await execute(app.url, ViewerQuery);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.errors![0]!.message).toContain('Bearer pg_');
  });

  identity('lets anyone read the catalog without a key', async ({ app }) => {
    const result = await execute(app.url, AuthModelIdsQuery);
    expect(result.errors).toBeUndefined();
  });

  identity.for([
    ['a non-Bearer scheme', 'Basic dXNlcjpwYXNz'],
    ['Bearer without a token', 'Bearer'],
    ['two tokens', 'Bearer one two'],
    ['an unknown API key', `Bearer pg_${'x'.repeat(43)}`],
    ['a malformed API key', 'Bearer pg_short'],
    ['a wrong admin token', 'Bearer not-the-admin-token-at-all'],
  ] as const)('refuses %s with UNAUTHENTICATED, even for public fields', async ([, authorization], { app }) => {
    // postGraphQL: the Authorization header is raw (malformed on purpose), not a token.
    const result = await postGraphQL(app.url, print(AuthModelIdsQuery), {}, undefined, { authorization });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.data ?? null).toBeNull();
    // The presented credential is not echoed back.
    const token = authorization.split(' ')[1];
    if (token && token.length > 8) expect(JSON.stringify(result)).not.toContain(token);
  });

  identity(
    'answers FORBIDDEN when a user key calls admin operations',
    async ({ app, gateway: { db }, newUserWithKey }) => {
      const { userId, key, apiKey } = await newUserWithKey('Not an admin');
      const usersBefore = await db
        .selectFrom('users')
        .select(db.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const createUserResult = await execute(app.url, CreateUserMutation, { input: { name: 'Sneaky' } }, key);
      expect(errorCode(createUserResult)).toBe('FORBIDDEN');
      expect(createUserResult.errors?.[0]?.message).toMatch(/needs the admin token \(PIXELGATE_ADMIN_TOKEN\)/);
      expect(errorCode(await execute(app.url, CreateApiKeyMutation, { userId }, key))).toBe('FORBIDDEN');
      expect(errorCode(await execute(app.url, RevokeApiKeyMutation, { id: apiKey.id }, key))).toBe('FORBIDDEN');
      const usersAfter = await db
        .selectFrom('users')
        .select(db.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(usersAfter.n).toBe(usersBefore.n);
    },
  );

  identity('answers UNAUTHENTICATED (not FORBIDDEN) for admin operations without credentials', async ({ app }) => {
    const result = await execute(app.url, CreateUserMutation, { input: { name: 'Anonymous' } });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0]?.message).toMatch(/needs the admin token/);
  });

  identity(
    'answers FORBIDDEN when the admin token asks for a viewer, saying a user’s API key is needed',
    async ({ app }) => {
      const result = await execute(app.url, ViewerQuery, {}, TEST_ADMIN_TOKEN);
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect(result.errors?.[0]?.message).toMatch(/user’s API key/);
    },
  );

  identity(
    'says admin operations are off, and how to turn them on, on a server without PIXELGATE_ADMIN_TOKEN',
    async () => {
      const withoutAdmin = await startTestApp({ PIXELGATE_ADMIN_TOKEN: '' }, { runWorker: false });
      try {
        for (const token of [undefined, TEST_ADMIN_TOKEN]) {
          const result = await execute(withoutAdmin.url, CreateUserMutation, { input: { name: 'Nobody' } }, token);
          expect(errorCode(result)).toBe('UNAUTHENTICATED');
          expect(result.errors?.[0]?.message).toMatch(/Admin operations are off.*PIXELGATE_ADMIN_TOKEN/);
        }
      } finally {
        await withoutAdmin.stop();
      }
    },
  );

  identity.for<[CreateUserInput, string]>([
    [{ name: '' }, 'input.name'],
    [{ name: '   ' }, 'input.name'],
    [{ name: 'x'.repeat(201) }, 'input.name'],
    [{ name: 'Negative', dailyBudgetUsd: '-1' }, 'input.dailyBudgetUsd'],
    [{ name: 'Negative', monthlyBudgetUsd: -0.5 }, 'input.monthlyBudgetUsd'],
  ])(
    'rejects createUser %o with BAD_USER_INPUT and creates nothing',
    async ([input, field], { app, gateway: { db } }) => {
      const before = await db.selectFrom('users').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const result = await execute(app.url, CreateUserMutation, { input }, TEST_ADMIN_TOKEN);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(result.errors![0]!.extensions)).toContain(field);
      const after = await db.selectFrom('users').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(after.n).toBe(before.n);
    },
  );

  identity('answers NOT_FOUND for a key for an unknown user, and for revoking an unknown key', async ({ app }) => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(errorCode(await execute(app.url, CreateApiKeyMutation, { userId: unknown }, TEST_ADMIN_TOKEN))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await execute(app.url, CreateApiKeyMutation, { userId: 'nope' }, TEST_ADMIN_TOKEN))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await execute(app.url, RevokeApiKeyMutation, { id: unknown }, TEST_ADMIN_TOKEN))).toBe(
      'NOT_FOUND',
    );
  });

  describe('over WebSocket (graphql-transport-ws)', () => {
    overWebSocket('authenticates the connection from connection_init', async ({ connect, newUserWithKey }) => {
      const { userId, key } = await newUserWithKey('Socket user');
      const { client } = connect(`Bearer ${key}`);
      const result = await run(client, AuthViewerIdQuery);
      expect(result).toEqual({ data: { viewer: { id: userId } } });
    });

    overWebSocket('treats a connection without credentials as anonymous', async ({ connect }) => {
      const { client } = connect();
      const result = await run(client, AuthViewerIdQuery);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    overWebSocket(
      'authenticates an operation from the headers GraphiQL sends in its extensions',
      async ({ connect, newUserWithKey }) => {
        const { userId, key } = await newUserWithKey('GraphiQL user');
        const { client } = connect();
        const result = await run(client, AuthViewerIdQuery, { headers: { Authorization: `Bearer ${key}` } });
        expect(result).toEqual({ data: { viewer: { id: userId } } });
        const refused = (await run(client, AuthViewerIdQuery, { headers: { authorization: 'Bearer pg_nope' } }).catch(
          (errors: unknown) => ({ errors }),
        )) as { errors?: GraphQLErrorShape[] }; // a rejection carries the errors as they came: the shared shape
        expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      },
    );

    overWebSocket('closes a connection presenting a bad key with 4403', async ({ connect }) => {
      const { client, closed } = connect(`Bearer pg_${'y'.repeat(43)}`);
      await expect(run(client, AuthModelIdsQuery)).rejects.toBeDefined();
      expect(closed.code).toBe(4403);
    });
  });
});
