/**
 * Print files end to end (issue #25), against the simulator over HTTP and a database of their own:
 * a transparent generation with a print target is generated, cut out, upscaled by Real-ESRGAN by
 * the smallest factor that covers the target, and made into a PNG of exactly the target's pixels
 * with its DPI in pHYs; the subscription shows every phase; the settlement is the generation's
 * price plus the removal plus the upscale's ceil(predict_time × rate), the rest of the hold
 * released and the ledger clean. A failed upscale keeps the image, charges what ran and warns.
 *
 * The simulator draws 256-px images (a 4:3 one is 256×192), so the targets here are small: 4×3 in
 * at 100 DPI (400×300) needs one pass of ×1.57; 2×1.5 in at 100 DPI (200×150) needs none.
 */
import sharp from 'sharp';
import { UPSCALER_MODEL } from '../../src/catalog/models.ts';
import { timeChargeMicros } from '../../src/catalog/price-rule.ts';
import { pngDpi } from '../../src/print/file.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { holdOf, ledgerKinds, ledgerProblems, predictionRows } from '../generations/start-helpers.ts';
import { download, follow, MICROS_PER_SECOND, settled, start, UPSCALER, usd } from './helpers.ts';

test.override('setup', { speed: 0.05 });

describe('a transparent print file', () => {
  test('is generated, cut out, upscaled once and made exact, with every phase shown and settled to what ran', async ({
    app,
    gateway,
    simulator,
    user,
  }) => {
    const queued = await start(app, user.key, {
      prompt: 'a sticker of a fox',
      transparentBackground: true,
      print: { widthInches: 4, heightInches: 3, dpi: 100 },
    });
    // 0.003 + removal 0.01 + two upscale passes at 60 s × $0.000225
    expect(queued.estimatedCostUsd).toBe('0.04');
    expect(queued.aspectRatio).toBe('4:3');

    const events = await follow(app, user.key, queued.id);
    const done = events.at(-1)!;
    expect(done.status).toBe('SUCCEEDED');
    const phases = [...new Set(events.map((event) => event.phase))];
    expect(phases).toEqual(expect.arrayContaining(['REMOVING_BACKGROUND', 'UPSCALING', 'PREPARING_PRINT_FILE']));
    const order = ['GENERATING', 'REMOVING_BACKGROUND', 'UPSCALING', 'PREPARING_PRINT_FILE'];
    expect(phases.map((phase) => order.indexOf(phase))).toEqual([...phases.map((p) => order.indexOf(p))].sort());
    expect(events.some((event) => event.phase === 'UPSCALING' && event.status !== 'SUCCEEDED')).toBe(true);
    const percents = events.map((event) => event.percent ?? 0);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);

    const generation = await settled(app, user.key, queued.id);
    expect(generation.warning).toBeNull();
    const [image] = generation.images;
    expect(generation.images).toHaveLength(1);
    // The original stays available, transparent, at the model's size.
    expect(image).toMatchObject({ width: 256, height: 192, transparent: true });
    expect((await fetch(image!.url)).status).toBe(200);
    expect(image!.printFile).toMatchObject({ width: 400, height: 300, dpi: 100 });
    expect(image!.printFile!.fileName).toMatch(/^print-400x300-100dpi-[0-9a-f]{8}-0\.png$/);

    const file = await download(image!.printFile!.url);
    expect(file.bytes.length).toBe(image!.printFile!.bytes);
    expect(pngDpi(file.bytes)).toBe(100);
    expect(file.disposition).toMatch(/filename="print-0-400x300-100dpi-[0-9a-f]{32}\.png"/);
    const metadata = await sharp(file.bytes).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 400, height: 300, channels: 4, hasAlpha: true });
    const { data } = await sharp(file.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(data[3]).toBe(0); // the corner stays transparent
    expect(data[(150 * 400 + 200) * 4 + 3]).toBe(255); // the subject stays opaque

    const rows = await predictionRows(gateway.db, queued.id);
    expect(rows.map((row) => [row.purpose, row.state])).toEqual([
      ['generate', 'succeeded'],
      ['remove_background', 'succeeded'],
      ['upscale', 'succeeded'],
    ]);
    const upscaleRow = rows[2]!;
    expect(upscaleRow.replicate_model).toBe(`${UPSCALER}:${UPSCALER_MODEL.replicateVersion}`);
    // The smallest factor that covers 400×300 from 256×192: 1.5625, rounded up to two decimals.
    expect(upscaleRow.input).toEqual({
      image: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\//),
      scale: 1.57,
    });

    // Settled: the image, its removal, and the upscale's predict_time × rate, as Replicate bills them.
    const [upstream] = simulator.predictions().filter((prediction) => prediction.id === upscaleRow.replicate_id);
    const predictTime = upstream!.metrics!.predict_time!;
    expect(predictTime).toBeGreaterThan(0);
    const expected = 3_000 + 10_000 + timeChargeMicros(predictTime, MICROS_PER_SECOND);
    const hold = await holdOf(gateway.db, queued.id);
    expect(hold).toMatchObject({ state: 'settled', amount_micros: 40_000, settled_micros: expected });
    expect(Number(generation.costUsd)).toBe(usd(expected));
    expect(await ledgerKinds(gateway.db, queued.id)).toEqual({ hold: 1, settle: 1 });
    expect(await ledgerProblems(gateway.db)).toEqual([]);
  });

  test('that the image already covers is made without an upscale, which is not charged', async ({
    app,
    gateway,
    user,
  }) => {
    const queued = await start(app, user.key, {
      prompt: 'a small sticker of an owl',
      transparentBackground: true,
      print: { widthInches: 2, heightInches: 1.5, dpi: 100 },
    });
    await follow(app, user.key, queued.id);
    const generation = await settled(app, user.key, queued.id);
    expect(generation.warning).toBeNull();
    expect(generation.images[0]!.printFile).toMatchObject({ width: 200, height: 150, dpi: 100 });
    const file = await download(generation.images[0]!.printFile!.url);
    expect(pngDpi(file.bytes)).toBe(100);
    expect(await sharp(file.bytes).metadata()).toMatchObject({ width: 200, height: 150, hasAlpha: true });
    const rows = await predictionRows(gateway.db, queued.id);
    expect(rows.map((row) => row.purpose)).toEqual(['generate', 'remove_background']);
    expect(generation.costUsd).toBe('0.013');
    expect(await holdOf(gateway.db, queued.id)).toMatchObject({ amount_micros: 40_000, settled_micros: 13_000 });
    expect(await ledgerProblems(gateway.db)).toEqual([]);
  });
});

describe('a failed upscale', () => {
  test('keeps the image, SUCCEEDS with PRINT_FILE_FAILED, charges only what ran and releases the rest', async ({
    app,
    gateway,
    user,
  }) => {
    const queued = await start(app, user.key, {
      prompt: 'a poster of a lighthouse [sim:fail-upscale]',
      print: { widthInches: 4, heightInches: 3, dpi: 100 },
    });
    expect(queued.estimatedCostUsd).toBe('0.03'); // 0.003 + 2 × 0.0135
    const events = await follow(app, user.key, queued.id);
    expect(events.at(-1)!.status).toBe('SUCCEEDED');
    const generation = await settled(app, user.key, queued.id);
    expect(generation.warning?.code).toBe('PRINT_FILE_FAILED');
    expect(generation.warning?.message).toMatch(/upscale failed .*CUDA out of memory/);
    expect(generation.warning?.message).toMatch(/only the steps that ran are charged/);
    expect(generation.images).toHaveLength(1);
    expect(generation.images[0]).toMatchObject({ width: 256, height: 192, printFile: null });
    expect((await fetch(generation.images[0]!.url)).status).toBe(200);
    // The failed run is free on Replicate: only the image is charged, 27,000 of the 30,000 released.
    expect(generation.costUsd).toBe('0.003');
    expect(await holdOf(gateway.db, queued.id)).toMatchObject({
      state: 'settled',
      amount_micros: 30_000,
      settled_micros: 3_000,
    });
    const rows = await predictionRows(gateway.db, queued.id);
    expect(rows.map((row) => [row.purpose, row.state])).toEqual([
      ['generate', 'succeeded'],
      ['upscale', 'failed'],
    ]);
    expect(await ledgerProblems(gateway.db)).toEqual([]);
  });
});
