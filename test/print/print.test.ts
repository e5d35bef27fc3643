/**
 * Print-ready files (issue #25) against the simulator over HTTP and a database of their own:
 * presets and limits refused before any money moves, the hold covering the upscale's upper bound.
 */
import { generate, traces } from '../generations/start-helpers.ts';
import { graphql } from '../gql/index.ts';
import { CancelGenerationDocument } from '../support/env.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { speed: 0.05 });

const PrintPresets = graphql(`
  query PrintPresets {
    printPresets {
      id
      width
      height
      dpi
      source
    }
  }
`);

describe('print targets', () => {
  test('lists the presets with their pixels and sources', async ({ app }) => {
    const { data } = await app.graphql(PrintPresets);
    const byId = new Map(data!.printPresets.map((preset) => [preset.id, preset]));
    expect(byId.get('poster-18x24')).toMatchObject({ width: 5400, height: 7200, dpi: 300 });
    expect(byId.get('garment-front-12x16-150')).toMatchObject({ width: 1800, height: 2400, dpi: 150 });
    expect(byId.get('garment-front-12x16-300')).toMatchObject({ width: 3600, height: 4800, dpi: 300 });
    expect(byId.get('a4-300')).toMatchObject({ width: 2480, height: 3508 });
    expect(data!.printPresets.length).toBeGreaterThanOrEqual(9);
    for (const preset of data!.printPresets) expect(preset.source.length).toBeGreaterThan(10);
  });

  test('refuses out-of-range targets naming the limit, with nothing written or held', async ({ gateway, user }) => {
    const before = await traces(gateway.db, user.userId);
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ widthInches: 4, heightInches: 3, dpi: 601 }, 'input.print.dpi', /72 to 600/],
      [{ widthInches: 4, heightInches: 3, dpi: 71 }, 'input.print.dpi', /72 to 600/],
      [{ widthInches: 61, heightInches: 3, dpi: 100 }, 'input.print.widthInches', /0\.5 to 60 inches/],
      [{ widthInches: 4, heightInches: 0.1, dpi: 100 }, 'input.print.heightInches', /0\.5 to 60 inches/],
      [{ widthInches: 40, heightInches: 40, dpi: 300 }, 'input.print', /at most 50 MP/],
      [{ widthInches: 4, heightInches: 3 }, 'input.print.dpi', /required/],
      [{ preset: 'billboard' }, 'input.print.preset', /not a preset; valid presets: poster-18x24/],
      [{ preset: 'poster-18x24', dpi: 300 }, 'input.print', /either a preset/],
    ];
    for (const [print, path, message] of cases) {
      const { errors } = await generate(gateway, user.key, { modelId: 'flux-schnell', prompt: 'a fox', print });
      expect(errors?.[0]?.extensions, JSON.stringify(print)).toMatchObject({ code: 'BAD_USER_INPUT' });
      const fields = errors?.[0]?.extensions?.invalidFields as Array<{ path: string; message: string }>;
      expect(fields[0]!.path, JSON.stringify(print)).toBe(path);
      expect(fields[0]!.message, JSON.stringify(print)).toMatch(message);
    }
    expect(await traces(gateway.db, user.userId)).toEqual(before);
  });

  test('holds the generation plus two upscale passes at the upscaler’s longest run (60 s × $0.000225 on T4)', async ({
    gateway,
    user,
  }) => {
    const { data, errors } = await generate(gateway, user.key, {
      modelId: 'flux-schnell',
      prompt: 'a lighthouse [sim:slow]',
      print: { widthInches: 4, heightInches: 3, dpi: 100 },
    });
    expect(errors).toBeUndefined();
    // 0.003 + 2 × 60 × 0.000225
    expect(data!.estimatedCostUsd).toBe('0.03');
    expect(data!.aspectRatio).toBe('4:3');
    await gateway.app.graphql(CancelGenerationDocument, { id: data!.id }, user.key);
  });

  test('generates at the model’s aspect ratio nearest the target', async ({ gateway, user }) => {
    const { data } = await generate(gateway, user.key, {
      modelId: 'flux-schnell',
      prompt: 'a poster of a mountain [sim:slow]',
      print: { preset: 'poster-18x24' },
    });
    expect(data!.aspectRatio).toBe('3:4');
    await gateway.app.graphql(CancelGenerationDocument, { id: data!.id }, user.key);
  });
});
