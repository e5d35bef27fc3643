/**
 * GraphiQL in a real browser: the Monaco worker loads (autocomplete works), queries run, a
 * subscription runs over WebSocket with the API key from the Headers pane, and the page asks no
 * host but this server for anything.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerationsEnv, type GenerationsEnv } from '../generations/helpers.ts';
import { launchChromium, screenshot, type TestBrowser } from './chromium.ts';

const QUERY_EDITOR = '.graphiql-query-editor .monaco-editor';
const HEADERS_EDITOR = '.graphiql-editor-tool .monaco-editor[data-uri*="headers"]';

/** Replaces the text of a Monaco editor (insertText: no auto-closed brackets in the way). */
async function setEditorText(page: Page, selector: string, text: string) {
  const editor = page.locator(selector).first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

describe('GraphiQL in Chromium', () => {
  let env: GenerationsEnv;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    env = await startGenerationsEnv({ speed: 0.02 });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${env.gateway.app.url}/graphql`);
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('greets with pixelgate’s own text and a local favicon', async () => {
    expect(await page.title()).toBe('pixelgate GraphiQL');
    // Monaco renders spaces as no-break spaces.
    const editorText = (await page.locator('.graphiql-query-editor').innerText()).replaceAll('\u00a0', ' ');
    expect(editorText).toContain('pixelgate GraphiQL');
    expect(editorText).not.toContain('in-browser tool');
    expect(await page.locator('link[rel=icon]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);
  });

  it('offers `models` when typing `{ mod` (the GraphQL worker is served)', async () => {
    await setEditorText(page, QUERY_EDITOR, '{ mod');
    await page.keyboard.press('Control+Space');
    const suggestion = page.locator('.monaco-editor .suggest-widget .monaco-list-row', { hasText: 'models' });
    await suggestion.first().waitFor();
    await screenshot(page, 'graphiql-autocomplete');
    await page.keyboard.press('Escape');
  });

  it('runs a query', async () => {
    await setEditorText(page, QUERY_EDITOR, '{ models { id costPerImageUsd } }');
    await page.keyboard.press('ControlOrMeta+Enter');
    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.innerText()).toContain('flux-schnell');
    await screenshot(page, 'graphiql-query');
  });

  it('runs a generationProgress subscription with the key from the Headers pane', async () => {
    const { key } = await env.user();
    const { generation } = await env.gateway.generate(key, {
      modelId: 'flux-schnell',
      prompt: 'graphiql browser test',
    });
    expect(generation?.id).toBeTruthy();

    await page.getByRole('button', { name: 'Headers' }).click();
    await setEditorText(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${key}` }));
    await setEditorText(
      page,
      QUERY_EDITOR,
      `subscription { generationProgress(id: "${generation!.id}") { status costUsd } }`,
    );
    await page.keyboard.press('ControlOrMeta+Enter');
    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.innerText(), { timeout: 30_000 }).toContain('SUCCEEDED');
    await screenshot(page, 'graphiql-subscription');
  });

  it('fetched nothing from outside this server', () => {
    expect(browser.offLoopbackRequests).toEqual([]);
  });
});
