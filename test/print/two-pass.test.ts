/**
 * A print target one upscale pass cannot reach (issue #25), end to end against the simulator:
 * Real-ESRGAN scales at most ×4 a pass (`UPSCALER_LIMITS.maxFactor`), so the simulator's 4:3
 * image (256×192) needs two passes for 11×8.25 in at 100 DPI (1100×825, ×4.3). `planUpscale`
 * makes the first as large as keeps its output within the upscaler's input limit — ×4, giving
 * 1024×768 (786,432 px, well under 2,096,704) — and plans the second from the pixels it returned:
 * the smallest factor that covers 1100×825 from 1024×768, ×1.08 (1105×829). The file step then
 * resizes and crops to exactly 1100×825. Pixel counts stay under a megapixel, so it runs fast.
 */
import sharp from 'sharp';
import { timeChargeMicros } from '../../src/catalog/price-rule.ts';
import { pngDpi } from '../../src/print/file.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { holdOf, ledgerKinds, ledgerProblems, predictionRows } from '../generations/start-helpers.ts';
import { download, follow, MICROS_PER_SECOND, settled, start, usd } from './helpers.ts';

test.override('setup', { speed: 0.05 });

describe('a print target beyond one pass', () => {
  test('is upscaled twice, the second pass planned from the first one’s pixels, and settled to both', async ({
    app,
    gateway,
    simulator,
    user,
  }) => {
    const queued = await start(app, user.key, {
      prompt: 'a poster of a harbour at dawn',
      print: { widthInches: 11, heightInches: 8.25, dpi: 100 },
    });
    expect(queued.estimatedCostUsd).toBe('0.03'); // 0.003 + 2 passes × 60 s × $0.000225
    expect(queued.aspectRatio).toBe('4:3');

    const events = await follow(app, user.key, queued.id);
    expect(events.at(-1)!.status).toBe('SUCCEEDED');
    expect(events.map((event) => event.phase)).toContain('UPSCALING');
    const generation = await settled(app, user.key, queued.id);
    expect(generation.warning).toBeNull();

    const rows = await predictionRows(gateway.db, queued.id);
    expect(rows.map((row) => [row.purpose, row.state])).toEqual([
      ['generate', 'succeeded'],
      ['upscale', 'succeeded'],
      ['upscale', 'succeeded'],
    ]);
    expect(rows.slice(1).map((row) => (row.input as { scale: number }).scale)).toEqual([4, 1.08]);
    const upstream = rows.slice(1).map((row) => {
      const [prediction] = simulator.predictions().filter((candidate) => candidate.id === row.replicate_id);
      expect(prediction?.status).toBe('succeeded');
      return prediction!;
    });
    // The second pass reads what the first returned (1024×768), not the original.
    expect([upstream[0]!.output].flat()).toEqual([(rows[2]!.input as { image: string }).image]);

    const [image] = generation.images;
    expect(image).toMatchObject({ width: 256, height: 192, transparent: false });
    expect(image!.printFile).toMatchObject({ width: 1100, height: 825, dpi: 100 });
    const file = await download(image!.printFile!.url);
    expect(pngDpi(file.bytes)).toBe(100);
    expect(await sharp(file.bytes).metadata()).toMatchObject({ format: 'png', width: 1100, height: 825 });

    // The image at its price, and each pass at ceil(predict_time × rate); the rest of the hold released.
    const passes = upstream.map((prediction) => timeChargeMicros(prediction.metrics!.predict_time!, MICROS_PER_SECOND));
    expect(passes.every((micros) => micros > 0)).toBe(true);
    const expected = 3_000 + passes[0]! + passes[1]!;
    expect(await holdOf(gateway.db, queued.id)).toMatchObject({
      state: 'settled',
      amount_micros: 30_000,
      settled_micros: expected,
    });
    expect(Number(generation.costUsd)).toBe(usd(expected));
    expect(await ledgerKinds(gateway.db, queued.id)).toEqual({ hold: 1, settle: 1 });
    expect(await ledgerProblems(gateway.db)).toEqual([]);
  });
});
