import { describe, expect, test } from '../support/fixtures.ts';

describe('/metrics', () => {
  test('reports generations, settled cost and held money from the database', async ({ env }) => {
    const { key } = await env.user();
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a kite', count: 2 });
    await env.gateway.waitFor(key, generation!.id);
    const text = await (await fetch(`${env.gateway.app.url}/metrics`)).text();
    expect(text).toContain('pixelgate_generations{model="flux-schnell",pricing="per_image",status="SUCCEEDED"} 1');
    expect(text).toContain('pixelgate_settled_cost_micros{model="flux-schnell",pricing="per_image"} 6000');
    expect(text).toMatch(/^pixelgate_reserved_micros 0$/m);
  });
});
