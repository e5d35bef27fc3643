/**
 * `pixelgate models …` run as a real process, as an operator would, against a simulator: add an
 * official model billed per output and a fine-tune billed per second for one user, list, reprice,
 * disable, change a hardware rate and read the change log; refusals exit 1 naming the reason and
 * write nothing (every refusal reason is covered over GraphQL: a process costs seconds under load).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/auth/users.ts';
import { connectDatabase, type DatabaseHandle } from '../../src/db/index.ts';
import { silentLogger } from '../../src/logger.ts';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { runCli } from '../foundation/process.ts';
import { createEmptyDatabase, type TestDatabase } from '../support/database.ts';
import { startTestSimulator } from '../support/env.ts';
import { gid } from '../support/ids.ts';

let database: TestDatabase;
let handle: DatabaseHandle;
let simulator: RunningSimulator;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createEmptyDatabase();
  simulator = await startTestSimulator(0.02);
  env = { DATABASE_URL: database.url, REPLICATE_API_BASE_URL: simulator.baseUrl };
  // The first command migrates the empty database.
  expect((await runCli(['migrate'], env)).code).toBe(0);
  handle = connectDatabase(database.url, silentLogger, { max: 2 });
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await simulator?.close();
  await database?.drop();
});

const rows = async () => ({
  models: await handle.db.selectFrom('catalog_models').selectAll().orderBy('slug').execute(),
  rates: await handle.db.selectFrom('hardware_rates').selectAll().orderBy('sku').execute(),
  changes: (await handle.db.selectFrom('catalog_changes').select('id').execute()).length,
});

describe('pixelgate models', () => {
  it('refuses bad models, prices, rates and overrides with the reason, exit 1, nothing written', async () => {
    const before = await rows();
    const cases: Array<[string[], string]> = [
      [['add', 'acme/private-style', '--slug', 'p', '--per-image', '0.01'], 'PRIVATE_MODEL'],
      [
        ['add', 'ideogram-ai/ideogram-v3-turbo', '--slug', 'i', '--per-image', '0.03', '--overrides', '{"tier":"x"}'],
        'BAD_OVERRIDES',
      ],
      [['rate', 'gpu-t4', '--per-second', '0.0003', '--source', 'x', '--as-of', '2026-13-01'], 'BAD_DATE'],
      [['update', 'nope', '--per-image', '0.01'], 'UNKNOWN_MODEL'],
    ];
    for (const [args, reason] of cases) {
      const result = await runCli(['models', ...args], env);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(`pixelgate: ${reason}: `);
      expect(result.stdout).toBe('');
    }
    expect(await rows()).toEqual(before);
  }, 400_000);

  it('adds, lists, reprices, disables, sets a rate and shows the change log', async () => {
    const official = await runCli(
      ['models', 'add', 'ideogram-ai/ideogram-v3-turbo', '--slug', 'ideogram-v3-turbo', '--per-image', '0.03'],
      env,
    );
    expect(official).toMatchObject({ code: 0, stdout: 'ideogram-v3-turbo added\n' });
    const shop = await createUser(handle.db, { name: 'acme shop', dailyBudgetMicros: 5_000_000 });
    const fineTune = await runCli(
      [
        'models',
        'add',
        'acme/brand-style',
        '--slug',
        'acme-brand-style',
        '--per-second',
        '0.001525',
        '--hardware',
        'gpu-h100',
        '--max-seconds',
        '60',
        '--estimate',
        '0.012',
        '--user',
        gid('User', shop.id),
      ],
      env,
    );
    expect(fineTune).toMatchObject({ code: 0, stdout: 'acme-brand-style added\n' });
    const added = await handle.db
      .selectFrom('catalog_models')
      .selectAll()
      .where('slug', 'in', ['ideogram-v3-turbo', 'acme-brand-style'])
      .orderBy('slug')
      .execute();
    expect(added).toMatchObject([
      {
        slug: 'acme-brand-style',
        price_kind: 'per_second',
        hardware_sku: 'gpu-h100',
        max_seconds: 60,
        visibility: 'restricted',
      },
      { slug: 'ideogram-v3-turbo', price_kind: 'per_image', per_image_micros: 30_000, replicate_version: null },
    ]);

    const list = await runCli(['models', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('ideogram-v3-turbo\tenabled\tpublic\t0.03 USD/image\n');
    expect(list.stdout).toContain('acme-brand-style\tenabled\trestricted\tper second on gpu-h100, at most 60 s\n');
    // The nine seeded generation models, the seeded upscaler (print files) and the two just added.
    const slugs = list.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[0]);
    expect(slugs).toHaveLength(12);
    expect(slugs).toEqual(expect.arrayContaining(['real-esrgan', 'ideogram-v3-turbo', 'acme-brand-style']));

    expect(await runCli(['models', 'update', 'ideogram-v3-turbo', '--per-image', '0.04'], env)).toMatchObject({
      code: 0,
      stdout: 'ideogram-v3-turbo updated\n',
    });
    expect(await runCli(['models', 'disable', 'acme-brand-style'], env)).toMatchObject({
      code: 0,
      stdout: 'acme-brand-style disabled\n',
    });
    const listed = (await runCli(['models', 'list'], env)).stdout;
    expect(listed).toContain('ideogram-v3-turbo\tenabled\tpublic\t0.04 USD/image\n');
    expect(listed).toContain('acme-brand-style\tdisabled\t');

    const rate = await runCli(
      [
        'models',
        'rate',
        'gpu-t4',
        '--per-second',
        '0.00025',
        '--source',
        'replicate.com/pricing',
        '--as-of',
        '2026-12-01',
      ],
      env,
    );
    expect(rate).toMatchObject({ code: 0, stdout: 'gpu-t4 is 0.00025 USD per second\n' });
    const rates = await runCli(['models', 'rates'], env);
    expect(rates.stdout).toContain('gpu-t4\t0.00025 USD/s\treplicate.com/pricing\t2026-12-01\n');
    expect(rates.stdout).toMatch(
      /gpu-h100\t0\.001525 USD\/s\treplicate\.com\/pricing.*as quoted in issue #22\t2026-12-05\n/,
    );

    const changes = await runCli(['models', 'changes', '--subject', 'model:ideogram-v3-turbo'], env);
    const lines = changes.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/\tmodel:ideogram-v3-turbo\tcli \(.*\)\t/);
    expect(JSON.parse(lines[0]!.split('\t')[3]!)).toMatchObject({
      before: { per_image_micros: 30_000 },
      after: { per_image_micros: 40_000 },
    });
    expect(JSON.parse(lines[1]!.split('\t')[3]!)).toMatchObject({ before: null, after: { slug: 'ideogram-v3-turbo' } });
  }, 400_000);
});
