/**
 * Bad requests are refused before anything happens: typed BAD_USER_INPUT naming the field, no
 * generation rows, no holds, no ledger rows, nothing sent upstream. Plus how Replicate's input is
 * built. Idempotency keys: idempotency.test.ts.
 */
import { DEFAULT_NEGATIVE_PROMPT, MAX_PROMPT_LENGTH, MODELS, type ModelSpec } from '../../src/catalog/models.ts';
import { nearestAspectRatio, planGeneration, planPredictions } from '../../src/generations/request.ts';
import { graphql } from '../gql/index.ts';
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const GenerateXMutation = graphql(`
  mutation GenerateX {
    generateImage(input: { modelId: "flux-schnell", prompt: "x" }) {
      id
    }
  }
`);

describe('planning Replicate input', () => {
  test('counts a prompt in characters (code points): the limit in emoji passes, one more is refused', () => {
    const atLimit = '🦊'.repeat(MAX_PROMPT_LENGTH);
    expect(planGeneration({ modelId: 'flux-schnell', prompt: atLimit }).predictions[0]!.input.prompt).toBe(atLimit);
    expect(() => planGeneration({ modelId: 'flux-schnell', prompt: `${atLimit}🦊` })).toThrow(
      `must be at most ${MAX_PROMPT_LENGTH} characters (got ${MAX_PROMPT_LENGTH + 1})`,
    );
  });

  test('applies catalog defaults, the prompt, 4:3, PNG and then the settings; no negative prompt for FLUX', () => {
    const plan = planGeneration({ modelId: 'flux-schnell', prompt: '  a fox  ', settings: { output_quality: 50 } });
    expect(plan.predictions).toHaveLength(1);
    expect(plan.predictions[0]!.input).toEqual({
      num_inference_steps: 4,
      go_fast: true,
      output_quality: 50,
      megapixels: '1',
      prompt: 'a fox',
      aspect_ratio: '4:3',
      output_format: 'png',
      num_outputs: 1,
    });
    expect(plan.estimatedCostMicros).toBe(3_000);
  });

  test('never sends what a model does not take: no output_format for Seedream, no seed or num_outputs for Imagen', () => {
    const seedream = planGeneration({ modelId: 'seedream-4', prompt: 'a fox', seed: 7 });
    expect(seedream.predictions[0]!.input).not.toHaveProperty('output_format');
    expect(seedream.predictions[0]!.input).not.toHaveProperty('seed');
    const imagen = planGeneration({ modelId: 'imagen-4', prompt: 'a fox', seed: 7, count: 3 });
    expect(imagen.predictions).toHaveLength(3);
    for (const prediction of imagen.predictions) {
      expect(prediction.input).not.toHaveProperty('seed');
      expect(prediction.input).not.toHaveProperty('num_outputs');
      expect(prediction.input.output_format).toBe('png');
    }
  });

  test('splits counts above num_outputs over predictions, with distinct seeds', () => {
    const plan = planGeneration({ modelId: 'flux-dev', prompt: 'a fox', count: 6, seed: 10 });
    expect(plan.predictions.map((p) => [p.imageCount, p.input.num_outputs, p.input.seed])).toEqual([
      [4, 4, 10],
      [2, 2, 11],
    ]);
    expect(plan.estimatedCostMicros).toBe(6 * 25_000);
  });

  test('uses as few predictions as num_outputs allows: one when the count fits, the rest in the last', () => {
    const sizes = (count: number) =>
      planGeneration({ modelId: 'flux-dev', prompt: 'a fox', count }).predictions.map((p) => p.imageCount);
    expect(sizes(4)).toEqual([4]);
    expect(sizes(10)).toEqual([4, 4, 2]);
    expect(sizes(1)).toEqual([1]);
  });

  test('sends the default negative prompt to models that take one, and the given one when set', () => {
    const base = MODELS.find((model) => model.id === 'flux-schnell')!;
    const withNegative: ModelSpec = { ...base, takesNegativePrompt: true, inputSchema: base.inputSchema };
    const fields = { prompt: 'p', aspectRatio: null, seed: null, count: 1, settings: {} };
    // The catalog's FLUX schema refuses negative_prompt: validation names the request field.
    expect(() => planPredictions(withNegative, { ...fields, negativePrompt: null })).toThrow(/input\.negativePrompt/);
    const permissive: ModelSpec = {
      ...withNegative,
      inputSchema: { safeParse: () => ({ success: true }) } as unknown as ModelSpec['inputSchema'],
    };
    expect(planPredictions(permissive, { ...fields, negativePrompt: null })[0]!.input.negative_prompt).toBe(
      DEFAULT_NEGATIVE_PROMPT,
    );
    expect(planPredictions(permissive, { ...fields, negativePrompt: 'no cats' })[0]!.input.negative_prompt).toBe(
      'no cats',
    );
  });

  test('picks the nearest allowed aspect ratio when 4:3 is not offered', () => {
    expect(nearestAspectRatio(['1:1', '16:9', '3:2'], '4:3')).toBe('3:2');
    expect(nearestAspectRatio(['1:1', '9:16'], '4:3')).toBe('1:1');
    expect(nearestAspectRatio(['4:3'], '4:3')).toBe('4:3');
  });

  test('fingerprints the request independently of settings key order', () => {
    const a = planGeneration({ modelId: 'flux-dev', prompt: 'x', settings: { guidance: 2, output_quality: 70 } });
    const b = planGeneration({ modelId: 'flux-dev', prompt: 'x', settings: { output_quality: 70, guidance: 2 } });
    expect(a.fingerprint).toBe(b.fingerprint);
  });
});

describe('generateImage with bad input', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown model', { modelId: 'dall-e-9', prompt: 'a fox' }, 'input.modelId'],
    ['the post-processing model', { modelId: 'remove-background', prompt: 'a fox' }, 'input.modelId'],
    ['an empty prompt', { modelId: 'flux-schnell', prompt: '' }, 'input.prompt'],
    ['a blank prompt', { modelId: 'flux-schnell', prompt: '   \n ' }, 'input.prompt'],
    ['a 10,000-character prompt', { modelId: 'flux-schnell', prompt: 'a'.repeat(10_000) }, 'input.prompt'],
    [
      'a prompt of only zero-width and invisible characters',
      { modelId: 'flux-schnell', prompt: '\u200b\u200c\u200d\u2060\u00ad\u034f\u180e' },
      'input.prompt',
    ],
    ['count 0', { modelId: 'flux-schnell', prompt: 'a fox', count: 0 }, 'input.count'],
    ['count above the model maximum', { modelId: 'flux-schnell', prompt: 'a fox', count: 17 }, 'input.count'],
    ['count above Imagen maximum', { modelId: 'imagen-4', prompt: 'a fox', count: 5 }, 'input.count'],
    [
      'an aspect ratio the model lacks',
      { modelId: 'imagen-4', prompt: 'a fox', aspectRatio: '21:9' },
      'input.aspectRatio',
    ],
    [
      'a setting of the wrong type',
      { modelId: 'flux-schnell', prompt: 'a fox', settings: { num_inference_steps: 'four' } },
      'input.settings.num_inference_steps',
    ],
    [
      'a setting out of range',
      { modelId: 'flux-schnell', prompt: 'a fox', settings: { num_inference_steps: 40 } },
      'input.settings.num_inference_steps',
    ],
    [
      'an unknown setting',
      { modelId: 'imagen-4', prompt: 'a fox', settings: { guidance: 3 } },
      'input.settings.guidance',
    ],
    [
      'a setting that belongs to a top-level field',
      { modelId: 'flux-schnell', prompt: 'a fox', settings: { num_outputs: 4 } },
      'input.settings.num_outputs',
    ],
    [
      'settings that are not an object',
      { modelId: 'flux-schnell', prompt: 'a fox', settings: [1, 2] },
      'input.settings',
    ],
    ['a negative seed', { modelId: 'flux-schnell', prompt: 'a fox', seed: -1 }, 'input.seed'],
    [
      'an empty idempotency key',
      { modelId: 'flux-schnell', prompt: 'a fox', idempotencyKey: '' },
      'input.idempotencyKey',
    ],
  ];

  test.for(cases)('refuses %s, naming the field', async ([_name, input, path], { env, key }) => {
    const { generation, errors } = await env.gateway.generate(key, input);
    expect(generation).toBeUndefined();
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const fields = errors?.[0]?.extensions?.invalidFields as Array<{ path: string }>;
    expect(fields.map((field) => field.path)).toContain(path);
  });

  test('lists the valid model ids for an unknown model', async ({ env, key }) => {
    const { errors } = await env.gateway.generate(key, { modelId: 'nope', prompt: 'a fox' });
    expect(errors?.[0]?.message).toContain('flux-schnell');
    expect(errors?.[0]?.message).toContain('imagen-4-ultra');
  });

  test('says how long a prompt may be', async ({ env, key }) => {
    const { errors } = await env.gateway.generate(key, {
      modelId: 'flux-schnell',
      prompt: 'b'.repeat(MAX_PROMPT_LENGTH + 1),
    });
    expect(errors?.[0]?.message).toContain(String(MAX_PROMPT_LENGTH));
  });

  test('refuses wrongly typed fields through GraphQL itself', async ({ env, key }) => {
    const { errors } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a fox', count: 'two' });
    expect(errors?.length).toBeGreaterThan(0);
    // A string on purpose: the document itself is invalid (a number for a String!), so it cannot be typed.
    const result = await env.gateway.app.graphql(
      'mutation { generateImage(input: { modelId: "flux-schnell", prompt: 42 }) { id } }',
      {},
      key,
    );
    expect(result.errors?.length).toBeGreaterThan(0);
  });

  test('needs a user API key', async ({ env }) => {
    const anonymous = await env.gateway.app.graphql(GenerateXMutation);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const admin = await env.gateway.app.graphql(GenerateXMutation, {}, TEST_ADMIN_TOKEN);
    expect(admin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('left no rows, no holds, no ledger entries and sent nothing upstream', async ({ env }) => {
    const { db } = env.gateway;
    const count = async (table: 'generations' | 'predictions' | 'holds' | 'ledger_entries' | 'images') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('generations')).toBe(0);
    expect(await count('predictions')).toBe(0);
    expect(await count('holds')).toBe(0);
    expect(await count('ledger_entries')).toBe(0);
    expect(env.sim.countRequests('*', /^\/v1\//)).toBe(0);
  });
});
