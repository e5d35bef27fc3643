/**
 * The one way browser tests start a browser: Debian's `chromium` (installed with apt-get; `.ci/run`
 * installs it when missing) driven by playwright-core — never a browser downloaded by Playwright.
 * Every page is confined to loopback: a request to any other host is aborted and recorded, so a
 * test can assert that a page fetched nothing from the internet. Screenshots go to test-results/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results', import.meta.url));

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface TestBrowser {
  readonly context: BrowserContext;
  /** Requests the pages tried to send to a host other than loopback (all aborted). */
  readonly offLoopbackRequests: string[];
  /** Console errors and uncaught page errors, for failure messages. */
  readonly pageErrors: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install -y chromium)`);
  }
  // A fresh profile per launch: no state leaks between test files (or from a previous run).
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-chromium-'));
  let browser: Browser | undefined;
  try {
    // launchPersistentContext is how playwright takes a user-data dir of our choosing.
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 860 },
      serviceWorkers: 'block',
    });
    browser = context.browser() ?? undefined;
    const offLoopbackRequests: string[] = [];
    const pageErrors: string[] = [];
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'data:' || url.protocol === 'blob:' || LOOPBACK_HOSTS.has(url.hostname)) {
        await route.continue();
      } else {
        offLoopbackRequests.push(url.href);
        await route.abort('blockedbyclient');
      }
    });
    context.on('page', (page) => {
      page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
      });
    });
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    return {
      context,
      offLoopbackRequests,
      pageErrors,
      async newPage(viewport) {
        const page = await context.newPage();
        if (viewport) await page.setViewportSize(viewport);
        return page;
      },
      async close() {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Saves a full-page PNG (or the `clip` of it) as test-results/<name>.png (kept by CI as an artifact). */
export async function screenshot(
  page: Page,
  name: string,
  clip?: { x: number; y: number; width: number; height: number },
): Promise<string> {
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, ...(clip ? { clip } : {}) });
  return file;
}
