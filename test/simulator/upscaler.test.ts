/**
 * The simulator's Real-ESRGAN as Replicate runs it: by its pinned version, a real PNG of
 * `int(side × scale)` pixels (alpha kept), a `predict_time` that grows with the pixels it writes,
 * its GPU input limit failing the prediction in the model's own words, and `[sim:fail-upscale]` on
 * the prompt that made the image failing the upscale.
 */
import { UPSCALER_MODEL } from '../../src/catalog/models.ts';
import type { PredictionJson } from '../../src/simulator/index.ts';
import { describe, expect, test as base } from '../support/simulator-fixtures.ts';
import { call, createPrediction, downloadPng, pollPrediction } from './helpers.ts';

const SPEED = 0.05;
const SCHNELL = 'black-forest-labs/flux-schnell';
const REMOVE_BACKGROUND = 'recraft-ai/recraft-remove-background';
const VERSION = `${UPSCALER_MODEL.replicateModel}:${UPSCALER_MODEL.replicateVersion}`;

const test = base
  /** Runs `model` on `input` to its end. */
  .extend('run', { scope: 'file' }, ({ simulator }) => async (model: string, input: Record<string, unknown>) => {
    const created = await createPrediction(simulator, model, { input });
    expect(created.status).toBe(201);
    return (await pollPrediction(simulator, created.body.id)).final;
  })
  /** Runs the upscaler by its pinned version on `input` to its end. */
  .extend('upscale', { scope: 'file' }, ({ simulator }) => async (input: Record<string, unknown>) => {
    const created = await call<PredictionJson>(simulator, 'POST', '/v1/predictions', {
      body: { version: VERSION, input },
    });
    expect(created.status).toBe(201);
    return (await pollPrediction(simulator, created.body.id)).final;
  });
test.override('simulatorSetup', { speed: SPEED });

function outputUrl(prediction: PredictionJson): string {
  return Array.isArray(prediction.output) ? String(prediction.output[0]) : String(prediction.output);
}

describe('the simulated Real-ESRGAN', () => {
  test('returns a PNG of int(side × scale), by its pinned version, taking longer for more pixels', async ({
    run,
    upscale,
  }) => {
    const image = await run(SCHNELL, { prompt: 'a lighthouse', aspect_ratio: '4:3' });
    const source = await downloadPng(outputUrl(image));
    expect([source.width, source.height]).toEqual([256, 192]);

    const small = await upscale({ image: outputUrl(image), scale: 1.57 });
    expect(small.status).toBe('succeeded');
    expect(small.version).toBe(UPSCALER_MODEL.replicateVersion);
    expect(typeof small.output).toBe('string'); // one URL, as Real-ESRGAN returns
    const png = await downloadPng(outputUrl(small));
    expect([png.width, png.height]).toEqual([401, 301]); // int(256 × 1.57), int(192 × 1.57)

    const large = await upscale({ image: outputUrl(image) }); // default scale 4
    const big = await downloadPng(outputUrl(large));
    expect([big.width, big.height]).toEqual([1024, 768]);
    // 0.8 s + 1.2 s per output megapixel, in simulated seconds (timers never fire early).
    const seconds = (0.8 + (1.2 * 1024 * 768) / 1e6) * SPEED;
    expect(large.metrics?.predict_time).toBeGreaterThanOrEqual(seconds * 0.95);
  });

  test('keeps the alpha of a background-removed image', async ({ run, upscale }) => {
    const image = await run(SCHNELL, { prompt: 'a sticker', aspect_ratio: '1:1' });
    const cutOut = await run(REMOVE_BACKGROUND, { image: outputUrl(image) });
    const scaled = await upscale({ image: outputUrl(cutOut), scale: 2 });
    const png = await downloadPng(outputUrl(scaled));
    expect([png.width, png.height]).toEqual([512, 512]);
    expect(png.data[3]).toBe(0); // the corner stays transparent
    expect(png.data[(256 * 512 + 256) * 4 + 3]).toBe(255); // the centre stays opaque
  });

  test('fails an input over its GPU limit in the model’s own words', async ({ run, upscale }) => {
    const image = await run(SCHNELL, { prompt: 'a square', aspect_ratio: '1:1' });
    const huge = await upscale({ image: outputUrl(image), scale: 6 }); // 1536 × 1536 = 2.36 MP
    const failed = await upscale({ image: outputUrl(huge), scale: 2 });
    expect(failed.status).toBe('failed');
    expect(failed.output).toBeNull();
    expect(failed.error).toBe(
      'Input image of dimensions (1536, 1536, 3) has a total number of pixels 2359296 greater than the max size ' +
        'that fits in GPU memory on this hardware, 2096704. Resize input image and try again.',
    );
  });

  test('fails when the prompt that made its image says [sim:fail-upscale], also through a removal', async ({
    run,
    upscale,
  }) => {
    const image = await run(SCHNELL, { prompt: 'a mug wrap [sim:fail-upscale]', aspect_ratio: '16:9' });
    expect(image.status).toBe('succeeded');
    const failed = await upscale({ image: outputUrl(image), scale: 2 });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/CUDA out of memory/);

    const cutOut = await run(REMOVE_BACKGROUND, { image: outputUrl(image) });
    expect(cutOut.status).toBe('succeeded');
    expect((await upscale({ image: outputUrl(cutOut), scale: 2 })).status).toBe('failed');
  });
});
