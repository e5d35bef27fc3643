/**
 * The fixtures of fixtures.ts and a browser for the file (Debian's chromium, chromium.ts):
 *
 *     import { describe, expect, test } from '../support/browser-fixtures.ts';
 *     test('shows the studio', async ({ app, browser }) => { const page = await browser.newPage(); … });
 *
 * `browser` is launched on first use and closed after the file's last test, before the file's
 * gateway (its pages hold connections to it).
 */
import { launchChromium } from './chromium.ts';
import { test as base } from './fixtures.ts';

export { screenshot, type TestBrowser } from './chromium.ts';
export { describe, expect } from './fixtures.ts';

export const test = base.extend('browser', { scope: 'file' }, async ({ env: _env }, { onCleanup }) => {
  const browser = await launchChromium();
  onCleanup(() => browser.close());
  return browser;
});
