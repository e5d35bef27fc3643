/**
 * pixelgate Studio's print files (issue #25) and thumbs (issue #26) in Chromium, against a gateway
 * on the simulator: pick a custom 4×3 in @ 100 DPI print target, watch the card go through the
 * upscaling and print-file phases, see the file's pixels, DPI and size on the card and download it
 * through the card's link; then like, dislike and withdraw a rating with the thumbs, each kept by
 * the gateway (checked over GraphQL) and shown again after a reload.
 *
 * The simulator draws 256-px images (a 4:3 one is 256×192), so 4×3 in at 100 DPI (400×300) takes
 * one upscale pass.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { pngDpi } from '../../src/print/file.ts';
import { DEFAULT_GENERATION_SETTINGS } from '../../src/runtime.ts';
import { graphql } from '../gql/index.ts';
import type { TestApp } from '../support/app.ts';
import { describe, expect, screenshot, test } from '../support/browser-fixtures.ts';

/** The tracker polls on the simulator's clock (its default schedule is for Replicate's minutes). */
test.override('setup', {
  speed: 0.05,
  gateway: {
    generations: {
      tracker: { ...DEFAULT_GENERATION_SETTINGS.tracker, poll: { firstMs: 100, factor: 1.5, maxMs: 500 } },
    },
  },
});

const PROMPT = 'a fox on a poster, flat colours';
/** The card's status texts for a print's phases after generating, in the order they happen. */
const PRINT_PHASES = ['Upscaling for print', 'Preparing the print file'];
/** How long a check waits for what comes over the network (vitest polls for 1 s by default; the machine may be loaded). */
const NETWORK = { timeout: 20_000 };

declare global {
  interface Window {
    /** Every status text the print card showed, in order (recorded by a MutationObserver). */
    cardStatuses?: string[];
  }
}

/** Records each text the gallery's status labels take, so a test sees phases that pass quickly. */
async function recordCardStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    window.cardStatuses = seen;
    const gallery = document.getElementById('gallery')!;
    const record = () => {
      for (const status of gallery.querySelectorAll('.card-status')) {
        const text = status.textContent ?? '';
        if (seen.at(-1) !== text) seen.push(text);
      }
    };
    new MutationObserver(record).observe(gallery, { subtree: true, childList: true, characterData: true });
  });
}

async function signIn(page: Page, app: TestApp, key: string): Promise<void> {
  await page.goto(`${app.url}/studio`);
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Use key' }).click();
  await expect.poll(() => page.locator('#key-status').innerText(), NETWORK).toContain('Signed in as');
}

const ImageRatingsDocument = graphql(`
  query ImageRatings($id: ID!) {
    generation(id: $id) {
      images {
        rating
      }
    }
  }
`);

describe('print files and thumbs in the studio', () => {
  test(
    'makes a print file from a custom target, shows its size and DPI, and downloads it; the thumbs rate the image',
    { timeout: 120_000 },
    async ({ app, key, browser }) => {
      const page = await browser.newPage();
      await signIn(page, app, key);

      // The picker lists the gateway's presets with their pixels, and a custom size.
      const picker = page.getByLabel('Print target');
      await expect
        .poll(() => picker.locator('option').allInnerTexts(), NETWORK)
        .toContain('Poster 18×24 in (5400×7200 px)');
      await page.getByLabel(/Generate directly/).check();
      await page.getByRole('radio', { name: /^FLUX Schnell/ }).check();
      await page.getByLabel('Prompt').fill(PROMPT);
      await page.getByLabel(/^Images/).fill('1');
      await picker.selectOption('custom');
      await page.getByLabel(/^Width/).fill('4');
      await page.getByLabel(/^Height/).fill('3');
      await page.getByLabel('DPI').fill('100');
      await expect
        .poll(() => page.locator('#print-hint').innerText(), NETWORK)
        .toContain('A 400×300 px PNG at 100 DPI');
      await expect
        .poll(() => page.locator('#estimate').innerText(), NETWORK)
        .toContain('upscaling for print at its upper bound');
      await screenshot(page, 'studio-print-form');

      await recordCardStatuses(page);
      await page.getByRole('button', { name: 'Generate' }).click();
      const card = page.locator('#gallery li.card[data-status="SUCCEEDED"]', { hasText: PROMPT });
      await card.waitFor({ timeout: 60_000 });
      // The card follows the phases in order and never back. The subscription sends the newest state,
      // so on a fast machine a short phase (the file step takes milliseconds) may pass unseen; every
      // phase is seen in order by test/print/pipeline.test.ts, on the subscription itself.
      const statuses = await page.evaluate(() => window.cardStatuses ?? []);
      const printPhases = statuses.filter((status) => PRINT_PHASES.includes(status));
      expect(printPhases.length).toBeGreaterThan(0);
      expect(printPhases).toEqual(PRINT_PHASES.filter((status) => printPhases.includes(status)));
      expect(statuses.at(-1)).toBe('Done');
      expect(statuses.slice(statuses.indexOf(printPhases[0]!))).toEqual([...printPhases, 'Done']);

      const printLine = card.locator('.print-file');
      expect(await printLine.locator('.print-size').innerText()).toMatch(/^Print file 400×300 px · 100 DPI · \d+ kB$/);
      await screenshot(page, 'studio-print-card');

      // The link downloads the file under its name; the bytes are the exact print file.
      const link = printLine.getByRole('link', { name: 'Download the print file of image 1' });
      expect(new URL((await link.getAttribute('href'))!).searchParams.get('download')).toBe('1');
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toMatch(/^print-0-400x300-100dpi-[0-9a-f]+\.png$/);
      const png = await readFile((await download.path())!);
      const { width, height } = await sharp(png).metadata();
      expect({ width, height, dpi: pngDpi(png) }).toEqual({ width: 400, height: 300, dpi: 100 });
      const size = /· (\d+) kB$/.exec(await printLine.locator('.print-size').innerText())![1];
      expect(Math.round(png.length / 1000)).toBe(Number(size));

      // Thumbs: each press is kept by the gateway and updates the card in place.
      const rating = async (): Promise<string> => {
        const id = (await card.getAttribute('data-id'))!;
        const answer = await app.graphql(ImageRatingsDocument, { id }, key);
        return answer.data!.generation!.images[0]!.rating;
      };
      const like = card.getByRole('button', { name: 'Like image 1', exact: true });
      const dislike = card.getByRole('button', { name: 'Dislike image 1', exact: true });
      expect(await like.getAttribute('aria-pressed')).toBe('false');
      expect(await rating()).toBe('NONE');
      const likeButton = await like.elementHandle();
      await like.click();
      await expect.poll(() => like.getAttribute('aria-pressed'), NETWORK).toBe('true');
      expect(await rating()).toBe('LIKE');
      expect(await likeButton!.evaluate((element) => element.isConnected)).toBe(true);
      await dislike.click();
      await expect.poll(() => dislike.getAttribute('aria-pressed'), NETWORK).toBe('true');
      expect(await like.getAttribute('aria-pressed')).toBe('false');
      expect(await rating()).toBe('DISLIKE');
      await screenshot(page, 'studio-print-rated');
      // Pressing the active thumb again withdraws the rating.
      await dislike.click();
      await expect.poll(() => dislike.getAttribute('aria-pressed'), NETWORK).toBe('false');
      expect(await rating()).toBe('NONE');

      // The rating shown comes from the gateway: liked again, it is still pressed after a reload.
      await like.click();
      await expect.poll(() => rating(), NETWORK).toBe('LIKE');
      await page.reload();
      await expect.poll(() => page.locator('#key-status').innerText(), NETWORK).toContain('Signed in as');
      await expect.poll(() => like.getAttribute('aria-pressed'), NETWORK).toBe('true');
      expect(await card.locator('.print-size').innerText()).toContain('400×300 px · 100 DPI');
      await page.close();
    },
  );

  test('prints the variation finalized from a preview grid, not the previews, and fits a phone screen', async ({
    app,
    key,
    browser,
  }) => {
    const page = await browser.newPage({ width: 390, height: 844 });
    await signIn(page, app, key);
    await page.getByLabel('Prompt').fill('a sticker of an owl');
    await page.getByLabel(/^Images/).fill('2');
    await page.getByLabel('Print target').selectOption({ label: 'Sticker 3×3 in (900×900 px)' });
    await expect
      .poll(() => page.locator('#print-hint').innerText(), NETWORK)
      .toContain('the variation you finalize is');
    await page.getByRole('button', { name: 'Generate' }).click();
    const preview = page.locator('#gallery li.card[data-status="SUCCEEDED"]', { hasText: 'a sticker of an owl' });
    await preview.waitFor({ timeout: 60_000 });
    expect(await preview.locator('.print-file').count()).toBe(0);
    // Every variation has its thumbs beside its Finalize button.
    expect(await preview.getByRole('button', { name: /^(Like|Dislike) variation/ }).count()).toBe(4);

    await preview.getByRole('button', { name: 'Finalize variation 1' }).click();
    const final = page
      .locator('#gallery li.card[data-status="SUCCEEDED"]', { hasText: 'a sticker of an owl' })
      .filter({ has: page.locator('.badge', { hasText: /^Final$/ }) });
    await final.waitFor({ timeout: 60_000 });
    expect(await final.locator('.print-size').innerText()).toMatch(/^Print file 900×900 px · 300 DPI · \d+ kB$/);
    await page.getByLabel('Print target').selectOption('custom');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'studio-print-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    await screenshot(page, 'studio-print-desktop');
    await page.close();
  });

  test('fetched nothing from outside this server and logged no errors', ({ browser }) => {
    expect(browser.pageErrors).toEqual([]);
    expect(browser.offLoopbackRequests).toEqual([]);
  });
});
