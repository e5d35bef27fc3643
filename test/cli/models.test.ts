/**
 * `pixelgate models …` run as a real process, as an operator would, against a simulator: add an
 * official model billed per output and a fine-tune billed per second for one user, list, reprice,
 * disable, change a hardware rate and read the change log; refusals exit 1 naming the reason and
 * write nothing (every refusal reason is covered over GraphQL: a process costs seconds under load).
 */
import type { Db } from '../../src/db/index.ts';
import { runCli } from '../foundation/process.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

/**
 * The operator's environment for `pixelgate models`: the file's database and simulator. The
 * gateway (API only) is there for the shop's user, made the one way (the admin API).
 */
const test = base.extend('operator', { scope: 'file' }, async ({ env, simulator }) => {
  const operator = { DATABASE_URL: env.database.url, REPLICATE_API_BASE_URL: simulator.baseUrl };
  // The gateway migrated the database on start: the command finds it current.
  expect((await runCli(['migrate'], operator, 120_000)).code).toBe(0);
  return operator;
});
test.override('setup', { gateway: { runWorker: false }, user: { name: 'acme shop', dailyBudgetMicros: 5_000_000 } });

const rows = async (db: Db) => ({
  models: await db.selectFrom('catalog_models').selectAll().orderBy('slug').execute(),
  rates: await db.selectFrom('hardware_rates').selectAll().orderBy('sku').execute(),
  changes: (await db.selectFrom('catalog_changes').select('id').execute()).length,
});

describe('pixelgate models', () => {
  test('refuses bad models, prices, rates and overrides with the reason, exit 1, nothing written', async ({
    gateway,
    operator: env,
  }) => {
    const before = await rows(gateway.db);
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
    expect(await rows(gateway.db)).toEqual(before);
  }, 400_000);

  test('adds, lists, reprices, disables, sets a rate and shows the change log', async ({
    gateway,
    operator: env,
    user: shop,
  }) => {
    const official = await runCli(
      ['models', 'add', 'ideogram-ai/ideogram-v3-turbo', '--slug', 'ideogram-v3-turbo', '--per-image', '0.03'],
      env,
    );
    expect(official).toMatchObject({ code: 0, stdout: 'ideogram-v3-turbo added\n' });
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
        shop.id,
      ],
      env,
    );
    expect(fineTune).toMatchObject({ code: 0, stdout: 'acme-brand-style added\n' });
    const added = await gateway.db
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
