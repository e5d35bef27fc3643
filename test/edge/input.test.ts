/**
 * Input hardening (issue 11, row "input"): NUL characters and lone surrogates in any text input,
 * USD amounts beyond the documented maximum, admin inputs that do not fit, and `settings` keys that
 * name Object.prototype's members. Each is refused as BAD_USER_INPUT naming the field, logs nothing
 * at error level, and changes nothing: no user, key, generation, hold or ledger row.
 *
 * Operations are sent as strings (CREATE_USER is the typed document's text): the inputs are invalid on
 * purpose, which typed variables would not let through.
 */
import { print } from 'graphql';
import { sql } from 'kysely';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Db } from '../../src/db/index.ts';
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import type { GraphQLErrorShape } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { gid, rowId } from '../support/ids.ts';
import { graphql } from '../gql/index.ts';

const GENERATE = 'mutation ($input: GenerateImageInput!) { generateImage(input: $input) { id } }';
const InputCreateUserMutation = graphql(`
  mutation InputCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
      dailyBudgetUsd
    }
  }
`);
/** The same document as text, for the invalid inputs. */
const CREATE_USER = print(InputCreateUserMutation);
const NUL = '\u0000';
const LONE_HIGH = '\ud83d';
const LONE_LOW = '\ude00';

function refusedNaming(errors: GraphQLErrorShape[] | undefined, path: string) {
  expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(errors?.[0]?.message).toContain(path);
  const fields = errors?.[0]?.extensions?.invalidFields as Array<{ path: string }> | undefined;
  expect(fields?.map((field) => field.path)).toContain(path);
}

async function tableCounts(db: Db) {
  const { rows } = await sql<Record<string, string>>`
    select (select count(*) from users) as users, (select count(*) from api_keys) as api_keys,
           (select count(*) from generations) as generations, (select count(*) from holds) as holds,
           (select count(*) from ledger_entries) as ledger_entries,
           (select count(*) from budget_windows) as budget_windows`.execute(db);
  return rows[0]!;
}

const test = base
  .extend('userId', { scope: 'file' }, ({ user }) => user.userId)
  /** The rows there were once the file's user existed, before any test: the refusals change none. */
  .extend('before', { scope: 'file', auto: true }, ({ gateway, user: _user }) => tableCounts(gateway.db));
test.override('setup', { env: { LOG_LEVEL: 'info' }, gateway: { runWorker: false }, simulator: false });

describe('input hardening', () => {
  describe('NUL characters and lone surrogates', () => {
    const base = { modelId: 'flux-schnell', prompt: 'a fox' };
    test.for<[string, Record<string, unknown>, string]>([
      ['NUL in prompt', { ...base, prompt: `a${NUL}fox` }, 'input.prompt'],
      ['a lone high surrogate in prompt', { ...base, prompt: `a fox ${LONE_HIGH}` }, 'input.prompt'],
      ['a lone low surrogate in negativePrompt', { ...base, negativePrompt: `x${LONE_LOW}` }, 'input.negativePrompt'],
      ['NUL in negativePrompt', { ...base, negativePrompt: NUL }, 'input.negativePrompt'],
      ['NUL in idempotencyKey', { ...base, idempotencyKey: `k${NUL}` }, 'input.idempotencyKey'],
      ['a lone surrogate in idempotencyKey', { ...base, idempotencyKey: LONE_HIGH }, 'input.idempotencyKey'],
      ['NUL in a setting', { ...base, settings: { output_quality: 80, style: `s${NUL}` } }, 'input.settings.style'],
      ['a lone surrogate deep in settings', { ...base, settings: { a: [{ b: LONE_LOW }] } }, 'input.settings.a.0.b'],
      ['NUL in a settings key', { ...base, settings: { [`k${NUL}`]: 1 } }, 'input.settings'],
      ['NUL in modelId', { ...base, modelId: `flux${NUL}` }, 'input.modelId'],
    ])('refuses %s, naming the field', async ([, input, path], { app, key }) => {
      const result = await app.graphql(GENERATE, { input }, key);
      expect(result.data ?? null).toBeNull();
      refusedNaming(result.errors, path);
      expect(result.errors?.[0]?.message).toMatch(/NUL|surrogate/);
    });

    test('refuses a NUL written as an escape in the document itself', async ({ app, key }) => {
      const result = await app.graphql(
        'mutation { generateImage(input: { modelId: "flux-schnell", prompt: "a\\u0000fox" }) { id } }',
        {},
        key,
      );
      refusedNaming(result.errors, 'input.prompt');
    });

    test('lists every offending field in one answer', async ({ app, key }) => {
      const result = await app.graphql(
        GENERATE,
        { input: { ...base, prompt: NUL, negativePrompt: LONE_HIGH, idempotencyKey: NUL } },
        key,
      );
      const fields = result.errors?.[0]?.extensions?.invalidFields as Array<{ path: string; message: string }>;
      expect(fields.map((field) => field.path).sort()).toEqual([
        'input.idempotencyKey',
        'input.negativePrompt',
        'input.prompt',
      ]);
      expect(fields.find((field) => field.path === 'input.prompt')?.message).toMatch(/NUL/);
      expect(fields.find((field) => field.path === 'input.negativePrompt')?.message).toMatch(/surrogate/);
    });

    test('accepts well-formed text with characters outside the BMP (surrogate pairs)', async ({ app, key }) => {
      // Refused later for a missing Replicate token or accepted: either way not as malformed text.
      const result = await app.graphql(GENERATE, { input: { ...base, prompt: 'a fox 🦊', idempotencyKey: '' } }, key);
      refusedNaming(result.errors, 'input.idempotencyKey');
      expect(result.errors?.[0]?.message).not.toMatch(/surrogate|NUL/);
    });

    test.for<[string, string, Record<string, unknown>, string]>([
      ['createUser name', CREATE_USER, { input: { name: `Ada${NUL}` } }, 'input.name'],
      ['createUser name (lone surrogate)', CREATE_USER, { input: { name: `Ada${LONE_HIGH}` } }, 'input.name'],
      [
        'adjustBalance reason',
        'mutation ($u: ID!, $r: String!) { adjustBalance(userId: $u, amountUsd: "1", reason: $r) { id } }',
        { r: `refund${NUL}` },
        'reason',
      ],
      ['an admin userId', 'mutation ($u: ID!) { createApiKey(userId: $u) { key } }', { u: `${NUL}` }, 'userId'],
    ])('refuses it in %s (admin)', async ([, query, variables, path], { app, userId }) => {
      const result = await app.graphql(query, { u: userId, ...variables }, TEST_ADMIN_TOKEN);
      expect(result.data ?? null).toBeNull();
      refusedNaming(result.errors, path);
    });

    test('refuses it over WebSocket too, and the socket stays usable', async ({ app, key, userId }) => {
      const client = createClient({
        url: app.url.replace(/^http/, 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
      });
      const run = (query: string, variables: Record<string, unknown>) =>
        new Promise<{ data?: unknown; errors?: GraphQLErrorShape[] }>((resolve, reject) => {
          let last: { data?: unknown; errors?: GraphQLErrorShape[] } = {};
          client.subscribe(
            { query, variables },
            { next: (value) => void (last = value as typeof last), error: reject, complete: () => resolve(last) },
          );
        });
      try {
        const refused = await run(GENERATE, { input: { ...base, prompt: `a${NUL}` } });
        refusedNaming(refused.errors, 'input.prompt');
        const viewer = await run('{ viewer { id } }', {});
        expect(viewer.data).toEqual({ viewer: { id: gid('User', userId) } });
      } finally {
        await client.dispose();
      }
    });
  });

  describe('USD amounts', () => {
    const ESTIMATE = 'query ($b: USD!) { recommendModel(input: { budgetUsd: $b, iterations: 1 }) { id } }';

    test.for([['999999999999.999999'], [1e12], ['1000000.000001'], [1e21], ['-1000000.5']])(
      'refuses %j with a message stating the maximum',
      async ([amount], { app }) => {
        const result = await app.graphql(ESTIMATE, { b: amount });
        expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(result.errors?.[0]?.message).toContain('between -1000000 and 1000000 USD');
        expect(result.errors?.[0]?.message).not.toContain('greater than 0');
      },
    );

    test('refuses the same amount written in the document', async ({ app }) => {
      const result = await app.graphql(
        '{ recommendModel(input: { budgetUsd: "999999999999.999999", iterations: 1 }) { id } }',
      );
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toContain('between -1000000 and 1000000 USD');
    });

    test('accepts the maximum itself, and ignores whitespace around a string the same way everywhere', async ({
      app,
    }) => {
      for (const amount of ['1000000', 1000000, ' 0.25 ', '\t0.25\n', 0.25]) {
        const result = await app.graphql(ESTIMATE, { b: amount });
        expect(result.errors).toBeUndefined();
      }
      for (const amount of ['0. 25', '0 .25', '- 1', '1 000', '0.1234567']) {
        const result = await app.graphql(ESTIMATE, { b: amount });
        expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
    });
  });

  describe('admin inputs are validated before any write', () => {
    const InputCreateApiKeyMutation = graphql(`
      mutation InputCreateApiKey($u: ID!) {
        createApiKey(userId: $u) {
          key
        }
      }
    `);

    test('refuses a daily budget above the maximum and creates no user; the next user works', async ({
      app,
      gateway,
    }) => {
      const usersBefore = (await tableCounts(gateway.db)).users;
      const refused = await app.graphql(
        CREATE_USER,
        { input: { name: 'Big spender', dailyBudgetUsd: '9007199255' } },
        TEST_ADMIN_TOKEN,
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain('input.dailyBudgetUsd');
      expect(refused.errors?.[0]?.message).toContain('1000000');
      expect((await tableCounts(gateway.db)).users).toBe(usersBefore);

      const created = await app.graphql(
        InputCreateUserMutation,
        { input: { name: 'Ordinary', dailyBudgetUsd: '1000000' } },
        TEST_ADMIN_TOKEN,
      );
      expect(created.data?.createUser.dailyBudgetUsd).toBe('1000000');
      const apiKey = await app.graphql(InputCreateApiKeyMutation, { u: created.data!.createUser.id }, TEST_ADMIN_TOKEN);
      expect(apiKey.data?.createApiKey.key).toMatch(/^pg_/);
      await app.services.db.deleteFrom('api_keys').where('user_id', '=', rowId(created.data!.createUser.id)).execute();
      await app.services.db.deleteFrom('users').where('id', '=', rowId(created.data!.createUser.id)).execute();
    });

    test.for<[string, string]>([
      [
        'setBudget',
        'mutation ($u: ID!) { setBudget(input: { userId: $u, dailyUsd: "5", monthlyUsd: "1e12" }) { id } }',
      ],
      ['setBudget', 'mutation ($u: ID!) { setBudget(input: { userId: $u, dailyUsd: 9007199255 }) { id } }'],
      [
        'setLimits',
        'mutation ($u: ID!) { setLimits(input: { userId: $u, ratePerMinute: 5, maxConcurrentGenerations: 0 }) { id } }',
      ],
      ['adjustBalance', 'mutation ($u: ID!) { adjustBalance(userId: $u, amountUsd: "2000000", reason: "x") { id } }'],
      ['adjustBalance', 'mutation ($u: ID!) { adjustBalance(userId: $u, amountUsd: "1", reason: "  ") { id } }'],
    ])('%s refuses a bad field and leaves the user as it was', async ([, query], { app, userId }) => {
      const userBefore = await app.services.db.selectFrom('users').selectAll().where('id', '=', userId).execute();
      const result = await app.graphql(query, { u: userId }, TEST_ADMIN_TOKEN);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await app.services.db.selectFrom('users').selectAll().where('id', '=', userId).execute()).toEqual(
        userBefore,
      );
    });
  });

  describe('settings keys', () => {
    test.for([['__proto__'], ['constructor'], ['toString'], ['hasOwnProperty']])(
      'refuses settings.%s as an unknown setting, naming the key',
      async ([name], { app, key }) => {
        const settings = JSON.parse(`{"${name}": {"polluted": true}}`) as Record<string, unknown>;
        const result = await app.graphql(
          GENERATE,
          { input: { modelId: 'flux-schnell', prompt: 'a fox', settings } },
          key,
        );
        refusedNaming(result.errors, `input.settings.${name}`);
        expect(result.errors?.[0]?.message).not.toContain('[object Object]');
        expect(result.errors?.[0]?.message).not.toMatch(/\buse\b/);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );

    test('still points a reserved setting to its field', async ({ app, key }) => {
      const result = await app.graphql(
        GENERATE,
        { input: { modelId: 'flux-schnell', prompt: 'a fox', settings: { seed: 1, num_outputs: 2 } } },
        key,
      );
      expect(result.errors?.[0]?.message).toBe(
        'input.settings may not set seed, num_outputs: use input.seed, input.count.',
      );
    });
  });

  test('changed nothing and logged no error for any of the refusals', async ({ gateway, before, log }) => {
    expect(await tableCounts(gateway.db)).toEqual(before);
    const errorLines = log.map((line) => JSON.parse(line) as { level: number }).filter((line) => line.level >= 50);
    expect(errorLines).toEqual([]);
  });
});
