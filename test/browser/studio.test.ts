/**
 * pixelgate Studio end to end in Chromium, against a gateway on the built-in simulator: paste a
 * key, see prices and the estimate, make a preview grid, finalize a variation, make a transparent
 * image, cancel a running generation, and find everything in the gallery with its cost after a
 * reload. Also checks what the gateway serves at /studio and that a phone-width screen works.
 */
import type { Locator, Page } from 'playwright-core';
import { DEFAULT_GENERATION_SETTINGS } from '../../src/runtime.ts';
import { describe, expect, screenshot, test as base } from '../support/browser-fixtures.ts';

const PHONE = { width: 390, height: 844 };
/** The tracker's default poll schedule at the simulator's speed (0.1). */
const SIMULATOR_CLOCK_POLL = { firstMs: 100, factor: 1.5, maxMs: 500 };

/** The file's one studio page (desktop width); the tests go through the studio in turn. */
const test = base.extend('page', { scope: 'file' }, ({ browser }) => browser.newPage());
// 0.1: a preview takes ~0.2 s, a final ~1-2 s; "[sim:cold] [sim:slow]" runs 9 s, time to cancel.
// The tracker polls on the same clock (the default 1 s ×1.5 up to 5 s is for Replicate's
// minutes, and saw at most one poll of a 3 s processing phase, sometimes none).
test.override('setup', {
  speed: 0.1,
  gateway: { generations: { tracker: { ...DEFAULT_GENERATION_SETTINGS.tracker, poll: SIMULATOR_CLOCK_POLL } } },
});

const card = (page: Page, status: string, text: string): Locator =>
  page.locator(`#gallery li.card[data-status="${status}"]`, { hasText: text });

describe('pixelgate Studio in Chromium', () => {
  test('is served at /studio with hashed assets cached as immutable, and nothing outside its build', async ({
    app,
  }) => {
    const url = app.url;
    const index = await fetch(`${url}/studio`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    const script = /src="(\/studio\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const asset = await fetch(`${url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${url}/studio/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
    for (const path of [
      '/studio/../package.json',
      '/studio/%2e%2e/package.json',
      '/studio/..%2F..%2Fpackage.json',
      '/studio/assets/..%2F..%2Fvite.config.ts',
      '/studio/.source-hash',
      '/studio/nope.js',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404);
    }
  });

  test('shows the models with their prices and takes the API key', async ({ page, app, key }) => {
    await page.goto(`${app.url}/studio`);
    await expect.poll(() => page.locator('#models').innerText()).toContain('$0.003 / image');
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.locator('#key-status').innerText()).toContain('Signed in as');
    await expect.poll(() => page.locator('#budget').innerText()).toContain('left of $100.00');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
  });

  test('estimates, then makes a preview grid of variations', async ({ page }) => {
    await page.getByLabel('Prompt').fill('a lighthouse at dusk, watercolor');
    await page.getByLabel(/^Images/).fill('4');
    await expect.poll(() => page.locator('#estimate').innerText()).toContain('$0.012 (4 × $0.003)');
    await page.getByRole('button', { name: 'Generate' }).click();
    const preview = card(page, 'SUCCEEDED', 'a lighthouse at dusk');
    await preview.waitFor();
    expect(await preview.locator('img').count()).toBe(4);
    expect(await preview.locator('.card-cost').innerText()).toBe('Cost $0.012');
  });

  test('finalizes a variation, with live progress, and shows its cost', async ({ page }) => {
    await page.getByRole('button', { name: 'Finalize variation 2' }).click();
    const final = page
      .locator('#gallery li.card', { hasText: 'a lighthouse at dusk' })
      .filter({ has: page.locator('.badge', { hasText: /^Final$/ }) });
    await final.waitFor();
    await final.and(page.locator('[data-status="SUCCEEDED"]')).waitFor({ timeout: 30_000 });
    expect(await final.locator('.card-cost').innerText()).toMatch(/^Cost \$0\.0\d+$/);
    expect(await final.locator('img').count()).toBe(1);
  });

  test('shows a transparent image on a checkerboard', async ({ page }) => {
    await page.getByLabel(/Generate directly/).check();
    await page.getByRole('radio', { name: /^FLUX Schnell/ }).check();
    await page.getByLabel('Prompt').fill('a red apple, product shot');
    await page.getByLabel(/^Images/).fill('1');
    await page.getByLabel('Transparent background').check();
    await page.getByRole('button', { name: 'Generate' }).click();
    const transparent = card(page, 'SUCCEEDED', 'a red apple');
    await transparent.waitFor({ timeout: 30_000 });
    expect(await transparent.locator('figure.checker img').count()).toBe(1);
    await page.getByLabel('Transparent background').uncheck();
  });

  // A cold boot then slow processing, so there is time to look at a running card and cancel it.
  // The checks that need no progress (listeners, screenshot) run during the boot; after the first
  // percent arrives only the in-place check and the click remain before the processing ends.
  test('cancels a running generation', { timeout: 120_000 }, async ({ page }) => {
    await page.getByLabel('Prompt').fill('a slow harbour [sim:cold] [sim:slow]');
    await page.getByRole('button', { name: 'Generate' }).click();
    const running = page.locator('#gallery li.card', { hasText: 'a slow harbour' });
    await running.locator('progress').waitFor();
    // One delegated listener on the gallery, none on the cards or their buttons.
    const cdp = await page.context().newCDPSession(page);
    const gallery = await cdp.send('Runtime.evaluate', { expression: 'document.getElementById("gallery")' });
    const { listeners } = await cdp.send('DOMDebugger.getEventListeners', {
      objectId: gallery.result.objectId!,
      depth: -1,
    });
    expect(listeners.map((listener) => listener.type)).toEqual(['click']);
    await cdp.detach();
    await screenshot(page, 'studio-running');
    // Progress events update the card in place: the same element before and after a new percent.
    const node = await running.elementHandle();
    const before = await running.locator('.percent').innerText();
    await expect.poll(() => running.locator('.percent').innerText(), { timeout: 40_000 }).not.toBe(before);
    expect(await node!.evaluate((element) => element.isConnected)).toBe(true);
    await running.getByRole('button', { name: 'Cancel' }).click();
    await card(page, 'CANCELED', 'a slow harbour').waitFor();
    expect(await card(page, 'CANCELED', 'a slow harbour').locator('.card-cost').innerText()).toContain(
      'nothing charged',
    );
  });

  test('lists everything in the gallery with its cost after a reload (the key kept for the tab)', async ({ page }) => {
    await page.reload();
    await expect.poll(() => page.locator('#key-status').innerText()).toContain('Signed in as');
    await card(page, 'SUCCEEDED', 'a red apple').waitFor();
    const cards = page.locator('#gallery li.card');
    expect(await cards.count()).toBe(4);
    const costs = await page.locator('#gallery .card-cost').allInnerTexts();
    expect(costs.filter((text) => /^Cost \$\d/.test(text))).toHaveLength(4);
    await screenshot(page, 'studio-desktop');
    // The README's picture (docs/studio.png is a copy): the forms and the first row of the gallery.
    await screenshot(page, 'studio-overview', { x: 0, y: 0, width: 1280, height: 1340 });
  });

  test('works at phone width without sideways scrolling', async ({ browser, app, key }) => {
    const phone = await browser.newPage(PHONE);
    await phone.goto(`${app.url}/studio`);
    // sessionStorage belongs to one tab: this one asks for the key again.
    await phone.getByLabel('API key', { exact: true }).fill(key);
    await phone.getByLabel('API key', { exact: true }).press('Enter');
    await phone.locator('#gallery li.card').first().waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(phone, 'studio-phone');
    await phone.close();
  });

  test('fetched nothing from outside this server and logged no errors', ({ browser }) => {
    expect(browser.offLoopbackRequests).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
