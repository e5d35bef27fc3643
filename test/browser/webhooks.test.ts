/**
 * The studio's webhooks panel in Chromium: add an endpoint (its secret shown once), see its
 * deliveries with status, response code, latency and error, see a 410 disable an endpoint, and
 * redeliver an event. The endpoints are receivers on 127.0.0.1.
 */
import type { Page } from 'playwright-core';
import { DEFAULT_GENERATION_SETTINGS } from '../../src/runtime.ts';
import { startReceiver } from '../app-webhooks/receiver.ts';
import { describe, expect, screenshot, test as base } from '../support/browser-fixtures.ts';

const SIMULATOR_CLOCK_POLL = { firstMs: 100, factor: 1.5, maxMs: 500 };

const test = base
  /** The file's one studio page; the tests go through the panel in turn. */
  .extend('page', { scope: 'file' }, ({ browser }) => browser.newPage())
  /** An endpoint that answers 204. */
  .extend('healthy', { scope: 'file' }, async ({}, { onCleanup }) => {
    const receiver = await startReceiver('/healthy');
    onCleanup(() => receiver.close());
    return receiver;
  })
  /** An endpoint that answers 410 Gone. */
  .extend('gone', { scope: 'file' }, async ({}, { onCleanup }) => {
    const receiver = await startReceiver('/gone');
    receiver.respond(() => 410);
    onCleanup(() => receiver.close());
    return receiver;
  });
// The tracker polls on the simulator's clock (as in studio.test.ts): deliveries follow quickly.
test.override('setup', {
  speed: 0.1,
  gateway: { generations: { tracker: { ...DEFAULT_GENERATION_SETTINGS.tracker, poll: SIMULATOR_CLOCK_POLL } } },
});

const endpoint = (page: Page, url: string) => page.locator('#webhook-endpoints li.endpoint', { hasText: url });

describe('the studio’s webhooks panel in Chromium', () => {
  test('asks for a key first, then adds an endpoint and shows its secret once', async ({
    page,
    app,
    key,
    healthy,
    gone,
  }) => {
    await page.goto(`${app.url}/studio`);
    await expect.poll(() => page.locator('#webhook-status').innerText()).toContain('Use your key');
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.locator('#webhook-endpoints').innerText()).toContain('No endpoints yet');

    await page.getByLabel('Endpoint URL').fill(healthy.url);
    await page.getByLabel(/^Description/).fill('shop backend');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(() => page.locator('#webhook-secret-value').innerText()).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await endpoint(page, healthy.url).waitFor();
    expect(await endpoint(page, healthy.url).innerText()).toMatch(
      /default[\s\S]*shop backend · all events · 1 signing secret/i,
    );

    await page.getByLabel('Endpoint URL').fill(gone.url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await endpoint(page, gone.url).waitFor();
    // The first secret is gone from the page: only the newest is shown, once.
    expect(await page.locator('#webhook-secret').innerText()).toContain(gone.url);

    // A refused URL says why.
    await page.getByLabel('Endpoint URL').fill('http://10.1.2.3/hooks');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(() => page.locator('#webhook-status').innerText()).toContain('private address');
  });

  test(
    'shows recent deliveries with status, code, latency and error, and a 410 disabling an endpoint',
    { timeout: 90_000 },
    async ({ page, gateway, key, healthy, gone }) => {
      const { generation } = await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a lighthouse' });
      await gateway.waitFor(key, generation!.id);
      const delivered = endpoint(page, healthy.url).locator('tr.delivery-succeeded');
      await expect.poll(() => delivered.count(), { timeout: 20_000 }).toBe(3);
      const row = (await delivered.first().locator('td').allInnerTexts()).slice(0, 5);
      expect(row).toEqual([
        expect.stringMatching(/^generation\./),
        'Delivered',
        '204',
        expect.stringMatching(/^\d+ ms$/),
        '1',
      ]);

      await expect
        .poll(() => endpoint(page, gone.url).innerText(), { timeout: 20_000 })
        .toContain('Disabled: The endpoint answered 410 Gone.');
      // The 410's own row: an event sent to the endpoint once it was disabled fails too, without
      // a code, and may be listed before it.
      const failed = endpoint(page, gone.url)
        .locator('tr.delivery-failed')
        .filter({ has: page.locator('td:nth-child(3)', { hasText: /^410$/ }) });
      expect(await failed.count()).toBe(1);
      expect(await failed.getByRole('button', { name: /^Redeliver/ }).isDisabled()).toBe(true);
      await screenshot(page, 'studio-webhooks');
    },
  );

  test('redelivers an event under the same webhook-id', { timeout: 60_000 }, async ({ page, healthy }) => {
    const before = healthy.received.length;
    const row = endpoint(page, healthy.url).locator('tr.delivery-succeeded').last();
    const type = await row.locator('td').first().innerText();
    const first = healthy.received.find((entry) => entry.type === type)!;
    await row.getByRole('button', { name: /^Redeliver/ }).click();
    await expect.poll(() => page.locator('#webhook-status').innerText()).toContain('Sent again');
    await expect.poll(() => healthy.received.length, { timeout: 20_000 }).toBe(before + 1);
    expect(healthy.received.at(-1)!.id).toBe(first.id);
    await expect.poll(() => row.locator('td').nth(4).innerText(), { timeout: 20_000 }).toBe('2');
  });

  test('clears the panel when the key is forgotten, and fetched nothing off loopback', async ({ page, browser }) => {
    await page.getByRole('button', { name: 'Forget key' }).click();
    await expect.poll(() => page.locator('#webhook-endpoints li').count()).toBe(0);
    expect(await page.locator('#webhook-secret').isHidden()).toBe(true);
    expect(browser.offLoopbackRequests).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
