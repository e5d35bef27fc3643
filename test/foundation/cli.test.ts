import { once } from 'node:events';
import { lookUpApiKey } from '../../src/auth/api-keys.ts';
import { connectDatabase } from '../../src/db/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { dbId, gid } from '../support/ids.ts';
import { runCli, spawnCli } from './process.ts';

/** A user's global id (base64 of `User:<uuid>`). */
const ID_LINE = /^[A-Za-z0-9+/]+=*\n$/;
const KEY_LINE = /^pg_[A-Za-z0-9_-]{43}\n$/;
/** Nothing listens here: a command that got past its argument checks would fail to connect. */
const UNREACHABLE_DATABASE = 'postgres://nobody@127.0.0.1:1/none';

const test = base
  /** The commands' environment: the file's empty database (the commands apply migrations themselves). */
  .extend('cliDatabase', { scope: 'file' }, ({ emptyDatabase }) => ({ DATABASE_URL: emptyDatabase.url }))
  /** A handle of the test's own on that database, to read back what the commands wrote. */
  .extend('handle', { scope: 'file' }, ({ emptyDatabase }, { onCleanup }) => {
    const handle = connectDatabase(emptyDatabase.url, silentLogger, { max: 2 });
    onCleanup(() => handle.close());
    return handle;
  })
  .extend(
    'userCount',
    { scope: 'file' },
    ({ handle }) =>
      async () =>
        (await handle.db.selectFrom('users').select(handle.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow())
          .n,
  );

describe('pixelgate CLI', () => {
  test('users create prints only the new user id; keys create prints only the key, which works', async ({
    cliDatabase,
    handle,
  }) => {
    const user = await runCli(
      ['users', 'create', '--name', 'Ada Lovelace', '--daily-budget-usd', '5', '--monthly-budget-usd', '50.25'],
      cliDatabase,
    );
    expect(user.stderr).toBe('');
    expect(user.code).toBe(0);
    expect(user.stdout).toMatch(ID_LINE);
    const userId = dbId('User', user.stdout.trim());
    const row = await handle.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      name: 'Ada Lovelace',
      daily_budget_micros: 5_000_000,
      monthly_budget_micros: 50_250_000,
    });

    const key = await runCli(['keys', 'create', '--user', user.stdout.trim()], cliDatabase);
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(KEY_LINE);
    const found = await lookUpApiKey(handle.db, key.stdout.trim());
    expect(found?.verified?.userId).toBe(userId);
    // Only the hash is stored.
    const stored = await handle.db.selectFrom('api_keys').select('prefix').where('user_id', '=', userId).execute();
    expect(stored).toHaveLength(1);
    expect(key.stdout.trim().startsWith(stored[0]!.prefix)).toBe(true);
  });

  test('users create without budgets leaves them to the defaults', async ({ cliDatabase, handle }) => {
    const user = await runCli(['users', 'create', '--name', 'Defaults'], cliDatabase);
    expect(user.code).toBe(0);
    const row = await handle.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', dbId('User', user.stdout.trim()))
      .executeTakeFirstOrThrow();
    expect(row.daily_budget_micros).toBeNull();
    expect(row.monthly_budget_micros).toBeNull();
  });

  test('migrate applies nothing more on a migrated database', async ({ cliDatabase }) => {
    const result = await runCli(['migrate'], cliDatabase);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('migrations are current\n');
  });

  test.for([
    [['--daily-budget-usd', 'five'], '--daily-budget-usd expects a non-negative USD amount with at most 6 decimals'],
    [['--daily-budget-usd=-1'], '--daily-budget-usd expects a non-negative USD amount'],
    [['--daily-budget-usd', '1.0000001'], '--daily-budget-usd expects a non-negative USD amount'],
    [['--monthly-budget-usd', '1e3'], '--monthly-budget-usd expects a non-negative USD amount'],
  ] as const)(
    'users create %j exits 1 with a message and creates nothing',
    async ([budgetArgs, message], { expect, cliDatabase, userCount }) => {
      const before = await userCount();
      const result = await runCli(['users', 'create', '--name', 'Bad budget', ...budgetArgs], cliDatabase);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
      expect(await userCount()).toBe(before);
    },
  );

  test.for([
    [['users', 'create'], '--name is required'],
    [['users', 'delete'], 'expected: pixelgate users create'],
    [['keys', 'create'], '--user is required'],
    [['keys', 'create', '--user', gid('User', '00000000-0000-4000-8000-000000000000')], 'no user with id'],
    [['launch'], 'unknown command "launch"'],
    [[], 'a command is required'],
  ] as const)('%j exits 1 with a message', async ([args, message], { expect, cliDatabase }) => {
    const result = await runCli(args, cliDatabase);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  test('stops on bad configuration, naming the variable and never echoing a secret', async () => {
    const result = await runCli(['serve'], {
      DATABASE_URL: UNREACHABLE_DATABASE,
      PORT: 'http',
      PIXELGATE_ADMIN_TOKEN: 'tiny-secret',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT: expected a port number from 0 to 65535');
    expect(result.stderr).toContain('PIXELGATE_ADMIN_TOKEN: expected a token of at least 16 characters');
    expect(result.stderr).not.toContain('tiny-secret');
  });

  test('refuses to serve in production without REPLICATE_API_TOKEN', async () => {
    const result = await runCli(['serve'], { DATABASE_URL: UNREACHABLE_DATABASE, NODE_ENV: 'production' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('REPLICATE_API_TOKEN: expected a Replicate API token');
  });

  test('simulator takes its rate limits from --creates-per-minute / --other-per-minute and counts its 429s', async () => {
    const bad = await runCli(['simulator', '--port', '0', '--creates-per-minute', '0'], {});
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--creates-per-minute expects a positive whole number');

    const child = spawnCli(['simulator', '--port', '0', '--creates-per-minute', '1', '--other-per-minute', '2'], {});
    try {
      let stdout = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      await expect.poll(() => /listening: (\S+)/.exec(stdout)?.[1], { timeout: 60_000 }).toBeTruthy();
      const baseUrl = /listening: (\S+)/.exec(stdout)![1]!;
      const headers = { authorization: 'Bearer r8_cli', 'content-type': 'application/json' };
      const create = () =>
        fetch(`${baseUrl}/models/black-forest-labs/flux-schnell/predictions`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ input: { prompt: 'x [sim:cold]' } }),
        });
      expect((await create()).status).toBe(201);
      expect((await create()).status).toBe(429);
      const read = () => fetch(`${baseUrl}/account`, { headers });
      expect((await read()).status).toBe(200);
      expect((await read()).status).toBe(200);
      expect((await read()).status).toBe(429);
      const state = (await (await fetch(new URL('/_simulator/state', baseUrl))).json()) as Record<string, unknown>;
      expect(state.throttled).toEqual({ total: 2, creates: 1, other: 1, injected: 0 });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'close');
    }
  }, 150_000);
});
