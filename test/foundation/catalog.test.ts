import { graphql } from '../gql/index.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { errorCode, execute, postGraphQL } from './graphql-client.ts';

/** The real Replicate ids and 2026 prices per image, as Replicate publishes them. */
const CATALOG = [
  { id: 'flux-schnell', replicateModel: 'black-forest-labs/flux-schnell', costPerImageUsd: '0.003' },
  { id: 'imagen-4-fast', replicateModel: 'google/imagen-4-fast', costPerImageUsd: '0.02' },
  { id: 'flux-dev', replicateModel: 'black-forest-labs/flux-dev', costPerImageUsd: '0.025' },
  { id: 'seedream-4', replicateModel: 'bytedance/seedream-4', costPerImageUsd: '0.03' },
  { id: 'imagen-4', replicateModel: 'google/imagen-4', costPerImageUsd: '0.04' },
  { id: 'flux-1.1-pro', replicateModel: 'black-forest-labs/flux-1.1-pro', costPerImageUsd: '0.04' },
  { id: 'imagen-4-ultra', replicateModel: 'google/imagen-4-ultra', costPerImageUsd: '0.06' },
  { id: 'flux-1.1-pro-ultra', replicateModel: 'black-forest-labs/flux-1.1-pro-ultra', costPerImageUsd: '0.06' },
];

const ModelsQuery = graphql(`
  query Models {
    models {
      id
      name
      replicateModel
      costPerImageUsd
      averageSeconds
      supportsTransparentBackground
      defaultInput
      maxImagesPerGeneration
    }
  }
`);

const ModelQuery = graphql(`
  query Model($id: ID!) {
    model(id: $id) {
      id
      replicateModel
      costPerImageUsd
    }
  }
`);

const test = base
  /** The file's gateway's URL. */
  .extend('url', { scope: 'file' }, ({ app }) => app.url)
  /** Each model's `maxImagesPerGeneration`, as the catalog lists it. */
  .extend('maxImages', { scope: 'file' }, async ({ url }) => {
    const models = await execute(url, ModelsQuery);
    return new Map(models.data!.models.map((model) => [model.id, model.maxImagesPerGeneration]));
  });

// API-only, on the built-in simulator: the catalog never looks upstream.
test.override('setup', { simulator: false, gateway: { runWorker: false } });

describe('catalog', () => {
  test('lists every seed model with its real Replicate id and price, cheapest first', async ({ url }) => {
    const result = await execute(url, ModelsQuery);
    expect(result.errors).toBeUndefined();
    const models = result.data!.models;
    expect(models.map(({ id, replicateModel, costPerImageUsd }) => ({ id, replicateModel, costPerImageUsd }))).toEqual(
      expect.arrayContaining(CATALOG),
    );
    const prices = models.map((model) => Number(model.costPerImageUsd));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    for (const model of models) {
      expect(model.name).not.toBe('');
      expect(model.averageSeconds).toBeGreaterThan(0);
      // None of them outputs a transparent PNG natively (Replicate's model pages).
      expect(model.supportsTransparentBackground).toBe(false);
      expect(model.defaultInput).toEqual(expect.any(Object));
      expect(model.maxImagesPerGeneration).toBeGreaterThanOrEqual(1);
    }
  });

  test.for(CATALOG)('finds $id by id', async (expected, { url }) => {
    const result = await execute(url, ModelQuery, { id: expected.id });
    expect(result.data?.model).toEqual(expected);
  });

  test('answers null for an unknown model id', async ({ url }) => {
    const result = await execute(url, ModelQuery, { id: 'dall-e-9' });
    expect(result.errors).toBeUndefined();
    expect(result.data?.model).toBeNull();
  });
});

const EstimateCostQuery = graphql(`
  query EstimateCost($input: EstimateCostInput!) {
    estimateCost(input: $input) {
      totalUsd
      perImageUsd
    }
  }
`);

describe('estimateCost', () => {
  test.for([
    { modelId: 'flux-schnell', count: 1, transparentBackground: false, perImageUsd: '0.003', totalUsd: '0.003' },
    { modelId: 'flux-schnell', count: 4, transparentBackground: false, perImageUsd: '0.003', totalUsd: '0.012' },
    { modelId: 'seedream-4', count: 3, transparentBackground: false, perImageUsd: '0.03', totalUsd: '0.09' },
    { modelId: 'flux-1.1-pro-ultra', count: 2, transparentBackground: false, perImageUsd: '0.06', totalUsd: '0.12' },
    { modelId: 'imagen-4-ultra', count: 1, transparentBackground: false, perImageUsd: '0.06', totalUsd: '0.06' },
    // Background removal is a second paid prediction per image.
    { modelId: 'flux-1.1-pro-ultra', count: 1, transparentBackground: true, perImageUsd: '0.07', totalUsd: '0.07' },
  ])('$count × $modelId (transparent: $transparentBackground) costs $totalUsd', async (row, { url }) => {
    const { perImageUsd, totalUsd, ...input } = row;
    const result = await execute(url, EstimateCostQuery, { input });
    expect(result.errors).toBeUndefined();
    expect(result.data?.estimateCost).toEqual({ perImageUsd, totalUsd });
  });

  test('defaults to one image without background removal', async ({ url }) => {
    const result = await execute(url, EstimateCostQuery, { input: { modelId: 'flux-dev' } });
    expect(result.data?.estimateCost).toEqual({ perImageUsd: '0.025', totalUsd: '0.025' });
  });

  test('prices the maximum count of every model and rejects one more', async ({ url, maxImages }) => {
    for (const { id } of CATALOG) {
      const max = maxImages.get(id)!;
      const atMax = await execute(url, EstimateCostQuery, { input: { modelId: id, count: max } });
      expect(atMax.errors, id).toBeUndefined();
      const above = await execute(url, EstimateCostQuery, { input: { modelId: id, count: max + 1 } });
      expect(errorCode(above), id).toBe('BAD_USER_INPUT');
      expect(above.errors![0]!.message).toContain(`from 1 to ${max}`);
    }
  });

  test.for([0, -1])('rejects count %i with BAD_USER_INPUT', async (count, { url }) => {
    const result = await execute(url, EstimateCostQuery, { input: { modelId: 'flux-schnell', count } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toMatch(/count must be a whole number from 1 to \d+/);
    expect(result.data ?? null).toBeNull();
  });

  test('rejects an unknown model id and lists the valid ids', async ({ url }) => {
    const result = await execute(url, EstimateCostQuery, { input: { modelId: 'midjourney-7', count: 1 } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    const { message } = result.errors![0]!;
    expect(message).toContain('midjourney-7');
    for (const { id } of CATALOG) expect(message).toContain(id);
  });
});

const RecommendModelQuery = graphql(`
  query RecommendModel($input: RecommendModelInput!) {
    recommendModel(input: $input) {
      id
      costPerImageUsd
    }
  }
`);

describe('recommendModel', () => {
  test.for([
    { budgetUsd: '6.00', iterations: 100, needsHighQuality: true, expected: 'flux-1.1-pro-ultra' },
    { budgetUsd: '3.00', iterations: 100, needsHighQuality: false, expected: 'seedream-4' },
    { budgetUsd: '1.00', iterations: 100, needsHighQuality: false, expected: 'flux-schnell' },
    // The high tier is only considered when asked for.
    { budgetUsd: '6.00', iterations: 100, needsHighQuality: false, expected: 'flux-1.1-pro' },
    // Exactly the cheapest model's price per iteration is enough.
    { budgetUsd: '0.3', iterations: 100, needsHighQuality: false, expected: 'flux-schnell' },
    { budgetUsd: '0.3', iterations: 100, needsHighQuality: true, expected: 'flux-schnell' },
    { budgetUsd: '2.5', iterations: 100, needsHighQuality: false, expected: 'flux-dev' },
    { budgetUsd: '100', iterations: 1, needsHighQuality: true, expected: 'flux-1.1-pro-ultra' },
  ])(
    '$budgetUsd USD over $iterations iterations (high quality: $needsHighQuality) → $expected',
    async (row, { url }) => {
      const { expected, ...input } = row;
      const result = await execute(url, RecommendModelQuery, { input });
      expect(result.errors).toBeUndefined();
      expect(result.data?.recommendModel.id).toBe(expected);
    },
  );

  test('accepts the budget as a number too, and defaults to one iteration', async ({ url }) => {
    const result = await execute(url, RecommendModelQuery, { input: { budgetUsd: 0.05 } });
    expect(result.data?.recommendModel.id).toBe('flux-1.1-pro');
  });

  test('states the minimum budget when even the cheapest model is out of reach', async ({ url }) => {
    const result = await execute(url, RecommendModelQuery, { input: { budgetUsd: '0.29', iterations: 100 } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    const { message } = result.errors![0]!;
    expect(message).toContain('flux-schnell');
    expect(message).toContain('The minimum budget is 0.3 USD');
  });

  test.for([
    { budgetUsd: '0', iterations: 1, message: 'budgetUsd must be greater than 0' },
    { budgetUsd: '-5', iterations: 1, message: 'budgetUsd must be greater than 0' },
    { budgetUsd: '5', iterations: 0, message: 'iterations must be a whole number of at least 1' },
    { budgetUsd: '5', iterations: -3, message: 'iterations must be a whole number of at least 1' },
  ])('rejects budget $budgetUsd over $iterations iterations', async ({ message, ...input }, { url }) => {
    const result = await execute(url, RecommendModelQuery, { input });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.message).toContain(message);
  });
});

describe('the USD scalar', () => {
  test.for(['3', '3.000000', ' 3.00 ', 3, 3.5, '0.000001'])('accepts %o', async (budgetUsd, { url }) => {
    const result = await execute(url, RecommendModelQuery, { input: { budgetUsd: budgetUsd as string | number } });
    // Tiny budgets are valid amounts that then fail the recommendation, with its own message.
    const codes = result.errors?.map((error) => error.message) ?? [];
    for (const message of codes) expect(message).toContain('minimum budget');
  });

  test.for([
    ['more than 6 decimals', '1.0000001'],
    ['more than 6 decimals as a number', 1e-7],
    ['an exponent', '1e3'],
    ['an uppercase exponent', '2E-2'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['-Infinity', '-Infinity'],
    ['empty text', ''],
    ['words', 'five dollars'],
    ['a currency sign', '$5'],
    ['a thousands separator', '1,000'],
    ['a boolean', true],
    ['an object', { amount: 5 }],
  ])('rejects %s (%o) as a variable with BAD_USER_INPUT', async ([, budgetUsd], { url }) => {
    const result = await execute(url, RecommendModelQuery, { input: { budgetUsd: budgetUsd as string | number } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.data ?? null).toBeNull();
  });

  test.for(['"1.0000001"', '"1e3"', '"NaN"', 'true'])(
    'rejects the literal %s with BAD_USER_INPUT',
    async (literal, { url }) => {
      // A string on purpose: the document is built at run time around an invalid literal.
      const result = await postGraphQL(url, `{ recommendModel(input: { budgetUsd: ${literal} }) { id } }`);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
    },
  );

  test('serialises prices as decimal strings without float noise', async ({ url }) => {
    const result = await execute(url, EstimateCostQuery, { input: { modelId: 'flux-schnell', count: 3 } });
    // 3 × 0.003 in floating point is 0.009000000000000001.
    expect(result.data?.estimateCost.totalUsd).toBe('0.009');
  });
});
