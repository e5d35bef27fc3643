/**
 * A background removal (transparency.test.ts) that Replicate refuses: the opaque image is kept,
 * the generation succeeds with a warning, and only the step that ran is charged.
 */
import { decodePng, generate, holdOf, predictionRows, waitForEnd } from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

// Replicate's account can pay for the image (0.003) but not for its removal (0.01): the
// removal's create is refused with 402.
test.override('setup', { speed: 0.05, simulator: { creditsMicros: 5_000 } });

describe('a failed background removal', () => {
  test('keeps the opaque image, SUCCEEDS with a warning, and charges only the step that ran', async ({ env, user }) => {
    const { data } = await generate(env.gateway, user.key, {
      modelId: 'flux-schnell',
      prompt: 'a sticker of a sad cactus',
      transparentBackground: true,
    });
    expect(data!.estimatedCostUsd).toBe('0.013');
    const done = await waitForEnd(env.gateway, user.key, data!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.error).toBeNull();
    expect(done.warning?.code).toBe('BACKGROUND_REMOVAL_FAILED');
    expect(done.images).toHaveLength(1);
    expect(done.images[0]!.transparent).toBe(false);
    const png = await decodePng(done.images[0]!.url);
    expect([...png.alpha.keys()]).toEqual([255]); // the opaque original
    expect(done.costUsd).toBe('0.003');
    const hold = await holdOf(env.gateway.db, data!.id);
    expect(hold).toMatchObject({ state: 'settled', amount_micros: 13_000, settled_micros: 3_000 });
    const rows = await predictionRows(env.gateway.db, data!.id);
    expect(rows.map((row) => [row.purpose, row.state])).toEqual([
      ['generate', 'succeeded'],
      ['remove_background', 'failed'],
    ]);
  });
});
