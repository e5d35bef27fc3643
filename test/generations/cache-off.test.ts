/** RESULT_CACHE_TTL_SECONDS=0 turns the result cache (cache.test.ts) off. */
import { generate, waitForEnd } from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { env: { RESULT_CACHE_TTL_SECONDS: '0' } });

describe('result cache turned off', () => {
  test('RESULT_CACHE_TTL_SECONDS=0: identical requests generate again', async ({ env }) => {
    const user = await env.user();
    const input = { modelId: 'flux-dev', prompt: 'a lantern', seed: 5 };
    const first = await generate(env.gateway, user.key, input);
    await waitForEnd(env.gateway, user.key, first.data!.id);
    const second = await generate(env.gateway, user.key, input);
    expect(second.data!.cachedFrom).toBeNull();
  });
});
