/**
 * List multipliers follow the catalog as it is now: `Generation.images` costs the most images a
 * generation on any catalog model can hold — a model added at runtime that returns more images per
 * prediction raises it — and `models` the number of models offered.
 */
import { parse } from 'graphql';
import { MODELS, setCatalog as putInForce, type ModelSpec } from '../../src/catalog/models.ts';
import { mostImagesPerGeneration } from '../../src/catalog/pricing.ts';
import { operationCost } from '../../src/graphql/limits.ts';
import { buildSchema } from '../../src/graphql/schema.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

const schema = buildSchema();
const IMAGES = parse(`{ generation(id: "R2VuZXJhdGlvbjox") { images { url } } }`);
const MODELS_LIST = parse(`{ models { id } }`);
const flux = MODELS.find((model) => model.id === 'flux-dev')!;

/**
 * Puts a catalog in force in this process (module state, src/catalog/models.ts), as CatalogSync
 * does; the built-in models are in force again after the test, so every test starts from them.
 */
const test = base.extend('setCatalog', ({}, { onCleanup }) => {
  onCleanup(() => putInForce(MODELS));
  return putInForce;
});

describe('operation cost over the catalog', () => {
  test('multiplies Generation.images by the most images a catalog model can put in one generation', ({
    setCatalog,
  }) => {
    expect(mostImagesPerGeneration()).toBe(16);
    const builtIn = operationCost({ schema, document: IMAGES })!;

    setCatalog(MODELS.map((model) => ({ ...model, maxOutputsPerPrediction: 1 })));
    expect(mostImagesPerGeneration()).toBe(4);
    expect(operationCost({ schema, document: IMAGES })!).toBeLessThan(builtIn);

    const wide: ModelSpec = { ...flux, id: 'wide-fine-tune', maxOutputsPerPrediction: 8 };
    setCatalog([...MODELS, wide]);
    expect(mostImagesPerGeneration()).toBe(32);
    expect(operationCost({ schema, document: IMAGES })!).toBeGreaterThan(builtIn);

    // A model that left the catalog (or was disabled) keeps its generations' images: it still counts.
    setCatalog(MODELS);
    expect(mostImagesPerGeneration()).toBe(32);
  });

  test('multiplies models by the number of models offered', ({ setCatalog }) => {
    const nine = operationCost({ schema, document: MODELS_LIST })!;
    setCatalog([...MODELS, ...['a', 'b', 'c', 'd'].map((id) => ({ ...flux, id: `extra-${id}` }))]);
    expect(operationCost({ schema, document: MODELS_LIST })!).toBeGreaterThan(nine);
  });
});
