/** /metrics behind METRICS_TOKEN (issue 11): closed without the token, database figures cached per refresh window. */
import { METRICS_REFRESH_MS } from '../../src/metrics.ts';
import { postGraphQL } from '../foundation/graphql-client.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
let clock = Date.parse('2026-11-30T12:00:00Z');

// A gateway alone (the built-in simulator) on a clock the test moves.
test.override('setup', { simulator: false, env: { METRICS_TOKEN }, gateway: { now: () => new Date(clock) } });

async function scrape(url: string, token?: string) {
  return fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('/metrics with METRICS_TOKEN', () => {
  test('needs the bearer token', async ({ app }) => {
    expect((await scrape(app.url)).status).toBe(401);
    expect((await scrape(app.url, 'wrong-token-0123456789abcdef')).status).toBe(401);
    const ok = await scrape(app.url, METRICS_TOKEN);
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(text).toContain('pixelgate_reserved_micros');
    // What a request waits behind for a database connection, and the live streams' share of it.
    expect(text).toMatch(/^pixelgate_db_pool_waiting \d+$/m);
    expect(text).toMatch(/^pixelgate_db_pool_connections\{state="busy"\} \d+$/m);
    expect(text).toMatch(/^pixelgate_live_reads\{state="waiting"\} \d+$/m);
  });

  test('reads database figures at most once per refresh window, however many scrapes', async ({ app, key }) => {
    const generationsOf = async () => {
      const text = await (await scrape(app.url, METRICS_TOKEN)).text();
      return [...text.matchAll(/^pixelgate_generations\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    };
    clock += METRICS_REFRESH_MS; // a fresh window
    const before = await generationsOf();
    // A generation created after the window's read is not seen by its scrapes…
    const created = await postGraphQL(
      app.url,
      'mutation { generateImage(input: { modelId: "flux-schnell", prompt: "a lamp" }) { id } }',
      {},
      key,
    );
    expect(created.errors).toBeUndefined();
    const during = await Promise.all(Array.from({ length: 10 }, () => generationsOf()));
    expect(new Set(during)).toEqual(new Set([before]));
    // …and is by the first scrape of the next window.
    clock += METRICS_REFRESH_MS;
    expect(await generationsOf()).toBe(before + 1);
  });
});
