/**
 * The catalog in Postgres (migration 0008): the nine built-in models seeded exactly as the code
 * states them, the hardware rates with source and date, and every instance following a change
 * through NOTIFY (`CatalogSync`).
 */
import { sql } from 'kysely';
import { vi } from 'vitest';
import {
  BUILT_IN_INPUT_SCHEMAS,
  catalogVersion,
  findModel,
  MODELS,
  setCatalog,
  UPSCALER_MODEL,
} from '../../src/catalog/models.ts';
import { hardwareRates, loadCatalog } from '../../src/catalog/store.ts';
import { CatalogSync } from '../../src/catalog/sync.ts';
import { silentLogger } from '../../src/logger.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

/**
 * A CatalogSync of the test's own on the file's database. It puts what it loads in force in this
 * process's catalog (module state): once it is closed, the built-in catalog is in force again.
 */
const test = base.extend('catalogSync', async ({ database, db }, { onCleanup }) => {
  const sync = new CatalogSync({ db, logger: silentLogger });
  await sync.start(database.url);
  onCleanup(async () => {
    await sync.close();
    setCatalog(MODELS);
  });
  return sync;
});

describe('the seeded catalog', () => {
  test('is the built-in catalog and the upscaler (0012): same slugs, prices, defaults, limits and validators', async ({
    db,
  }) => {
    const loaded = await loadCatalog(db);
    const builtIn = [...MODELS, UPSCALER_MODEL].sort((a, b) => a.id.localeCompare(b.id));
    expect(loaded).toEqual(builtIn);
    for (const model of loaded) expect(model.inputSchema).toBe(BUILT_IN_INPUT_SCHEMAS.get(model.id));
  });

  test('keeps each hardware rate with its source and date, 2x/4x/8x as multiples', async ({ db }) => {
    const rates = new Map((await hardwareRates(db)).map((rate) => [rate.sku, rate]));
    expect(Object.fromEntries([...rates].map(([sku, rate]) => [sku, rate.micros_per_second]))).toMatchObject({
      cpu: 100,
      'gpu-t4': 225,
      'gpu-a40-small': 575,
      'gpu-a40-large': 725,
      'gpu-l40s': 975,
      'gpu-a100-large': 1400,
      'gpu-h100': 1525,
      'gpu-h100-2x': 3050,
      'gpu-h100-8x': 12_200,
      'gpu-a100-large-4x': 5600,
    });
    expect(rates.get('gpu-h100')).toMatchObject({ as_of: '2026-12-05', source: expect.stringContaining('pricing') });
  });

  test('records the seeds in the change log', async ({ db }) => {
    const changes = await db.selectFrom('catalog_changes').selectAll().execute();
    const models = changes.filter((change) => change.subject.startsWith('model:'));
    expect(models).toHaveLength(MODELS.length + 1);
    expect(changes.every((change) => change.before === null)).toBe(true);
    expect(
      changes.filter((change) => change.actor !== 'migration 0008_catalog').map((change) => change.subject),
    ).toEqual(['model:real-esrgan']);
  });
});

describe('CatalogSync', () => {
  test('puts a change committed elsewhere in force on this instance once its NOTIFY arrives', async ({
    catalogSync: _catalogSync,
    db,
  }) => {
    try {
      const before = catalogVersion();
      expect(findModel('flux-schnell')!.costPerImageMicros).toBe(3000);
      // Another writer (psql, another instance): nothing but the database tells this process.
      await sql`update catalog_models set per_image_micros = 3500 where slug = 'flux-schnell'`.execute(db);
      await vi.waitFor(() => expect(findModel('flux-schnell')!.costPerImageMicros).toBe(3500), { timeout: 10_000 });
      expect(catalogVersion()).toBeGreaterThan(before);
    } finally {
      await sql`update catalog_models set per_image_micros = 3000 where slug = 'flux-schnell'`.execute(db);
    }
  });
});
