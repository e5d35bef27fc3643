/**
 * Automatic model choice end to end: `generateImage` without `modelId` picks with the recommend
 * rule on the user's remaining budget, the `iterations` hint, the prompt heuristic and the
 * user's learned preferences (here: finalizing), and says why in `selectionReason`.
 */
import { findModel } from '../../src/catalog/models.ts';
import { finalize, generate, traces, waitForEnd } from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const COMPLEX =
  'photorealistic portrait of an old fisherman with intricate wrinkles, cinematic lighting, a harbour at dusk, boats and gulls';

describe('automatic model choice', () => {
  test('picks a model within the remaining budget and explains the choice', async ({ env }) => {
    const rich = await env.user({ dailyBudgetMicros: 10_000_000 });
    const { data, errors } = await generate(env.gateway, rich.key, { prompt: COMPLEX, iterations: 5 });
    expect(errors).toBeUndefined();
    expect(data!.model.id).toBe('flux-1.1-pro-ultra');
    expect(data!.selectionReason).toMatch(/^Picked FLUX 1\.1 Pro Ultra/);
    await waitForEnd(env.gateway, rich.key, data!.id);

    const simple = await generate(env.gateway, rich.key, { prompt: 'a red apple' });
    expect(findModel(simple.data!.model.id)!.qualityRank).toBeLessThanOrEqual(3);
    expect(simple.data!.selectionReason).toContain('simple');
  });

  test('follows the remaining budget and the iterations hint', async ({ env }) => {
    const modest = await env.user({ dailyBudgetMicros: 300_000 });
    // 0.30 over 10 iterations (the default) = 0.03 per image.
    const few = await generate(env.gateway, modest.key, { prompt: COMPLEX });
    expect(findModel(few.data!.model.id)!.costPerImageMicros).toBeLessThanOrEqual(30_000);
    // 0.30 over 100 iterations = 0.003: only FLUX Schnell.
    const many = await generate(env.gateway, modest.key, { prompt: COMPLEX, iterations: 100 });
    expect(many.data!.model.id).toBe('flux-schnell');
  });

  test('prefers what the user finalizes with, among affordable models', async ({ env }) => {
    const designer = await env.user({ dailyBudgetMicros: 10_000_000 });
    const prompt = 'a cat with a hat and a scarf, sitting on a sofa';
    for (let round = 0; round < 2; round++) {
      const preview = await generate(env.gateway, designer.key, { mode: 'PREVIEW', prompt, count: 2 });
      await waitForEnd(env.gateway, designer.key, preview.data!.id);
      const final = await finalize(env.gateway, designer.key, {
        previewId: preview.data!.id,
        imageIndex: round,
        modelId: 'flux-dev',
      });
      await waitForEnd(env.gateway, designer.key, final.data!.id);
    }
    const { data } = await generate(env.gateway, designer.key, { prompt, iterations: 1 });
    expect(data!.model.id).toBe('flux-dev');
    expect(data!.selectionReason).toContain('finalized with it 2 times');
  });

  test('maps the aspect ratio to the chosen model, and refuses when nothing is affordable', async ({ env }) => {
    // 0.22 over 10 iterations = 0.022 per image: Imagen 4 Fast, which has no 21:9.
    const user = await env.user({ dailyBudgetMicros: 220_000 });
    const { data } = await generate(env.gateway, user.key, { prompt: 'a red apple', aspectRatio: '21:9' });
    expect(data!.model.id).toBe('imagen-4-fast');
    expect(data!.aspectRatio).toBe('16:9');

    const broke = await env.user({ dailyBudgetMicros: 2_000 });
    const before = await traces(env.gateway.db, broke.userId);
    const refused = await generate(env.gateway, broke.key, { prompt: 'a red apple' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    const badHint = await generate(env.gateway, broke.key, { prompt: 'a red apple', iterations: 0 });
    expect(badHint.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await traces(env.gateway.db, broke.userId)).toEqual(before);
  });
});
