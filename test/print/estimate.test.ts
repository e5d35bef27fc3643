/**
 * `estimateCost` with a print target (issue #25): the same preset or inches and DPI
 * `generateImage` takes, priced by the same function admission holds with (`maxCostMicros`), so
 * the estimate's maximum is the hold the generation then takes; a bad target is refused naming
 * its limit, as on `generateImage`.
 */
import { describe, expect, test } from '../support/fixtures.ts';
import { holdOf } from '../generations/start-helpers.ts';
import { follow, settled, start } from './helpers.ts';
import type { TestApp } from '../support/app.ts';
import { graphql } from '../gql/index.ts';
import type { EstimateCostInput } from '../gql/graphql.ts';

test.override('setup', { speed: 0.05 });

const PrintEstimateQuery = graphql(`
  query PrintEstimate($input: EstimateCostInput!) {
    estimateCost(input: $input) {
      perImageUsd
      totalUsd
      maxTotalUsd
    }
  }
`);

async function estimate(app: TestApp, key: string | undefined, input: Record<string, unknown>) {
  // Bad targets included: checked by the server, not by tsc.
  return app.graphql(PrintEstimateQuery, { input: { modelId: 'flux-schnell', ...input } as EstimateCostInput }, key);
}

describe('estimateCost with a print target', () => {
  test('states the hold the generation then takes: each image plus its two upscale passes at their bound', async ({
    app,
    gateway,
    user,
  }) => {
    const request = { count: 2, transparentBackground: true, print: { widthInches: 4, heightInches: 3, dpi: 100 } };
    const { data, errors } = await estimate(app, user.key, request);
    expect(errors).toBeUndefined();
    // Per image: 0.003 + removal 0.01 + 2 passes × 60 s × $0.000225 on a T4.
    expect(data!.estimateCost).toEqual({ perImageUsd: '0.04', totalUsd: '0.08', maxTotalUsd: '0.08' });

    const queued = await start(app, user.key, { prompt: 'two stickers of a fox', ...request });
    expect(queued.estimatedCostUsd).toBe(data!.estimateCost.maxTotalUsd);
    expect(await holdOf(gateway.db, queued.id)).toMatchObject({ amount_micros: 80_000 });
    await follow(app, user.key, queued.id);
    const generation = await settled(app, user.key, queued.id);
    expect(Number(generation.costUsd)).toBeLessThanOrEqual(0.08);
  });

  test('takes a preset, anonymously too, and without one prices no upscale', async ({ app }) => {
    const poster = await estimate(app, undefined, { print: { preset: 'poster-18x24' } });
    expect(poster.errors).toBeUndefined();
    expect(poster.data!.estimateCost).toEqual({ perImageUsd: '0.03', totalUsd: '0.03', maxTotalUsd: '0.03' });
    const plain = await estimate(app, undefined, {});
    expect(plain.data!.estimateCost).toEqual({ perImageUsd: '0.003', totalUsd: '0.003', maxTotalUsd: '0.003' });
  });

  test('refuses a bad target as BAD_USER_INPUT naming the limit', async ({ app, user }) => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ widthInches: 4, heightInches: 3, dpi: 601 }, 'input.print.dpi', /72 to 600/],
      [{ widthInches: 61, heightInches: 3, dpi: 100 }, 'input.print.widthInches', /0\.5 to 60 inches/],
      [{ widthInches: 40, heightInches: 40, dpi: 300 }, 'input.print', /at most 50 MP/],
      [{ widthInches: 4, heightInches: 3 }, 'input.print.dpi', /required/],
      [{ preset: 'billboard' }, 'input.print.preset', /not a preset; valid presets: poster-18x24/],
      [{ preset: 'poster-18x24', dpi: 300 }, 'input.print', /either a preset/],
    ];
    for (const [print, path, message] of cases) {
      const { errors } = await estimate(app, user.key, { print });
      expect(errors?.[0]?.extensions, JSON.stringify(print)).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(errors?.[0]?.message, JSON.stringify(print)).toMatch(message);
      const fields = errors?.[0]?.extensions?.invalidFields as Array<{ path: string; message: string }>;
      expect(fields, JSON.stringify(print)).toEqual([{ path, message: expect.stringMatching(message) }]);
    }
  });
});
