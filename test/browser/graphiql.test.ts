/**
 * GraphiQL in a real browser: the Monaco worker loads (autocomplete works), queries run, a
 * subscription runs over WebSocket with the API key from the Headers pane, and the page asks no
 * host but this server for anything.
 */
import type { Page } from 'playwright-core';
import { describe, expect, screenshot, test as base } from '../support/browser-fixtures.ts';

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

/** The file's one GraphiQL page, its query editor loaded; the tests type into it in turn. */
const test = base.extend('page', { scope: 'file' }, async ({ app, browser }): Promise<Page> => {
  const page = await browser.newPage();
  await page.goto(`${app.url}/graphql`);
  await page.locator(QUERY_EDITOR).first().waitFor();
  return page;
});

describe('GraphiQL in Chromium', () => {
  test('greets with pixelgate’s own text and a local favicon', async ({ page }) => {
    expect(await page.title()).toBe('pixelgate GraphiQL');
    // Monaco renders spaces as no-break spaces.
    const editorText = (await page.locator('.graphiql-query-editor').innerText()).replaceAll('\u00a0', ' ');
    expect(editorText).toContain('pixelgate GraphiQL');
    expect(editorText).not.toContain('in-browser tool');
    expect(await page.locator('link[rel=icon]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);
  });

  test('offers `models` when typing `{ mod` (the GraphQL worker is served)', async ({ page }) => {
    await setEditorText(page, QUERY_EDITOR, '{ mod');
    await page.keyboard.press('Control+Space');
    const suggestion = page.locator('.monaco-editor .suggest-widget .monaco-list-row', { hasText: 'models' });
    await suggestion.first().waitFor();
    await screenshot(page, 'graphiql-autocomplete');
    await page.keyboard.press('Escape');
  });

  test('runs a query', async ({ page }) => {
    await setEditorText(page, QUERY_EDITOR, '{ models { id costPerImageUsd } }');
    await page.keyboard.press('ControlOrMeta+Enter');
    const response = page.locator('.graphiql-response');
    await expect.poll(() => response.innerText()).toContain('flux-schnell');
    await screenshot(page, 'graphiql-query');
  });

  test('runs a generationProgress subscription with the key from the Headers pane', async ({ page, gateway, key }) => {
    const { generation } = await gateway.generate(key, {
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

  test('fetched nothing from outside this server', ({ browser }) => {
    expect(browser.offLoopbackRequests).toEqual([]);
  });
});
