/**
 * The terminal client end to end: the real `pixelgate generate` process against a running
 * gateway and the simulator, over real HTTP and WebSocket — nothing but the public API between.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promptSlug } from '../../src/cli/generate.ts';
import { runCli, type CliResult } from '../foundation/process.ts';
import { graphql } from '../gql/index.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Each run starts a process through tsx: seconds on an idle machine, far more on a loaded one. */
const CLI_TIMEOUT_MS = 240_000;

/** `pixelgate generate ARGS` against the file's gateway, as the file's user unless `vars` says otherwise. */
type Generate = (args: string[], vars?: Record<string, string>) => Promise<CliResult>;

const test = base
  /** A directory of the file's own for the images the command saves. */
  .extend('outDir', { scope: 'file' }, async ({}, { onCleanup }) => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-cli-out-'));
    onCleanup(() => rm(outDir, { recursive: true, force: true }));
    return outDir;
  })
  .extend(
    'generate',
    { scope: 'file' },
    ({ app, key }): Generate =>
      (args, vars = { PIXELGATE_API_KEY: key }) =>
        runCli(['generate', ...args], { PIXELGATE_URL: `${app.url}/graphql`, ...vars }, CLI_TIMEOUT_MS),
  );

test.override('setup', { speed: 0.05 });

const PrintFileSizesQuery = graphql(`
  query PrintFileSizes($id: ID!) {
    generation(id: $id) {
      images {
        printFile {
          width
          height
        }
      }
    }
  }
`);

describe('pixelgate generate', { timeout: 4 * CLI_TIMEOUT_MS }, () => {
  test('shows the estimate, follows progress to SUCCEEDED, saves the stored images and prints the settled cost', async ({
    gateway,
    key,
    outDir,
    generate,
  }) => {
    const dir = path.join(outDir, 'lighthouse');
    // A file from an earlier run of the prompt: kept, the new images take the next numbers.
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'a-lighthouse-at-dusk-1.png'), 'an earlier image');
    const result = await generate([
      'a lighthouse at dusk [sim:slow]',
      '--model',
      'flux-schnell',
      '--count',
      '2',
      '--out',
      dir,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Estimate: 0.006 USD (2 × 0.003 USD on flux-schnell)');
    const id = /^Generation (\S+) on flux-schnell: 0\.006 USD held on your budget$/.exec(lines[1]!)?.[1];
    expect(id).toBeDefined();
    // The bar comes from the subscription: the last line it draws is the terminal state.
    const bars = lines.filter((line) => line.startsWith('['));
    expect(bars.length).toBeGreaterThanOrEqual(1);
    expect(bars.at(-1)).toBe(`[${'#'.repeat(24)}] 100%  SUCCEEDED`);
    expect(lines.at(-1)).toBe('Cost: 0.006 USD');

    const stored = await gateway.get(key, id!);
    expect(stored.costUsd).toBe('0.006');
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['a-lighthouse-at-dusk-1.png', 'a-lighthouse-at-dusk-2.png', 'a-lighthouse-at-dusk-3.png']);
    expect(await readFile(path.join(dir, files[0]!), 'utf8')).toBe('an earlier image');
    for (const [index, image] of stored.images.entries()) {
      const file = path.join(dir, files[index + 1]!);
      expect(lines).toContain(`Saved ${file}`);
      const bytes = await readFile(file);
      expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(image.sha256);
    }
  });

  test('--print sends the target with the request, names the phases and saves the print file beside the image', async ({
    app,
    gateway,
    key,
    outDir,
    generate,
  }) => {
    const dir = path.join(outDir, 'print');
    const result = await generate(['a fox on a mug', '--model', 'flux-schnell', '--print', '2x1.5@100', '--out', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    // The image, and two upscale passes at 60 s × $0.000225: what the generation then holds.
    expect(lines[0]).toBe('Estimate: 0.03 USD (1 × 0.03 USD on flux-schnell), print upscale at its upper bound');
    const id = /^Generation (\S+) on flux-schnell: 0\.03 USD held on your budget$/.exec(lines[1]!)?.[1];
    expect(id).toBeDefined();
    // The bar names the print phases while they run; the last line is the terminal state alone.
    const bars = lines.filter((line) => line.startsWith('['));
    expect(bars.at(-1)).toBe(`[${'#'.repeat(24)}] 100%  SUCCEEDED`);
    const [row] = await gateway.db
      .selectFrom('generations')
      .select('request')
      .where('prompt', '=', 'a fox on a mug')
      .execute();
    expect((row!.request as { print?: unknown }).print).toMatchObject({ widthInches: 2, heightInches: 1.5, dpi: 100 });

    const stored = await app.graphql(PrintFileSizesQuery, { id: id! }, key);
    const files = (await readdir(dir)).sort();
    expect(lines).toContain(`Saved ${path.join(dir, 'a-fox-on-a-mug-1.png')}`);
    expect(stored.data!.generation.images[0]!.printFile).toEqual({ width: 200, height: 150 });
    expect(files).toEqual(['a-fox-on-a-mug-1-print-200x150-100dpi.png', 'a-fox-on-a-mug-1.png']);
    const bytes = await readFile(path.join(dir, files[0]!));
    expect(bytes.readUInt32BE(16)).toBe(200);
    expect(bytes.readUInt32BE(20)).toBe(150);
  });

  test('--print refuses an unknown preset before any generation request, and the gateway refuses figures past its limits', async ({
    gateway,
    newUser,
    generate,
  }) => {
    const user = await newUser();
    const unknown = await generate(['a fox', '--model', 'flux-schnell', '--print', 'poster-99x99'], {
      PIXELGATE_API_KEY: user.key,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(
      /^pixelgate generate: --print: no preset "poster-99x99" on this gateway; its presets are .*poster-18x24/,
    );

    const tooLarge = await generate(['a fox', '--model', 'flux-schnell', '--print', '60x60@600'], {
      PIXELGATE_API_KEY: user.key,
    });
    expect(tooLarge.code).toBe(1);
    expect(tooLarge.stderr).toMatch(/^pixelgate generate: BAD_USER_INPUT: .*input\.print/);
    const generations = await gateway.db
      .selectFrom('generations')
      .select('id')
      .where('user_id', '=', user.userId)
      .execute();
    expect(generations).toEqual([]);

    const malformed = await generate(['a fox', '--print', '12x16@300dpi']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('--print expects a preset id (e.g. poster-18x24) or inches and DPI as WxH@DPI');
  });

  test('a FAILED generation exits 1 with the reason and saves nothing', async ({ outDir, generate }) => {
    const dir = path.join(outDir, 'failed');
    const result = await generate(['a fox [sim:fail]', '--model', 'flux-schnell', '--out', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^pixelgate generate: generation \S+ FAILED: \w+: .+\(cost 0 USD\)\n$/);
    await expect(readdir(dir)).rejects.toThrow();
  });

  test('BUDGET_EXCEEDED is an error that says what to do; nothing is generated', async ({
    gateway,
    newUser,
    outDir,
    generate,
  }) => {
    const poor = await newUser({ dailyBudgetMicros: 1_000 });
    const result = await generate(['a fox', '--model', 'flux-1.1-pro-ultra', '--out', outDir], {
      PIXELGATE_API_KEY: poor.key,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('Estimate: 0.06 USD (1 × 0.06 USD on flux-1.1-pro-ultra)\n');
    expect(result.stderr).toMatch(/^pixelgate generate: BUDGET_EXCEEDED: .+ Ask for fewer images/);
    const generations = await gateway.db
      .selectFrom('generations')
      .select('id')
      .where('user_id', '=', poor.userId)
      .execute();
    expect(generations).toEqual([]);
  });

  test('without PIXELGATE_API_KEY, or with a gateway that is not there, it says so and exits 1', async ({
    key,
    generate,
  }) => {
    const noKey = await generate(['a fox'], {});
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^pixelgate generate: PIXELGATE_API_KEY is not set\. Create a key/);

    const nowhere = await generate(['a fox'], { PIXELGATE_API_KEY: key, PIXELGATE_URL: 'http://127.0.0.1:9/graphql' });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^pixelgate generate: cannot reach the gateway at http:\/\/127\.0\.0\.1:9\/graphql/);

    const badKey = await generate(['a fox'], { PIXELGATE_API_KEY: 'pg_not_a_key' });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/^pixelgate generate: UNAUTHENTICATED: .+ Check PIXELGATE_API_KEY/);
  });

  test('--help prints the options; bad arguments are usage errors', async ({ generate }) => {
    const help = await generate(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: pixelgate generate PROMPT [options]');
    for (const option of ['--model', '--count', '--mode', '--out', '--url']) expect(help.stdout).toContain(option);

    const badMode = await generate(['a fox', '--mode', 'ULTRA']);
    expect(badMode.code).toBe(1);
    expect(badMode.stderr).toBe('pixelgate generate: --mode expects one of PREVIEW, STANDARD, FINAL\n');
    const noPrompt = await generate([]);
    expect(noPrompt.code).toBe(1);
    expect(noPrompt.stderr).toContain('give exactly one prompt');
  });
});

describe('file names from the prompt', () => {
  test.each([
    ['a lighthouse at dusk [sim:slow]', 'a-lighthouse-at-dusk'],
    ['  Café crème, 4K!  ', 'cafe-creme-4k'],
    ['東京の夜景 neon', '東京の夜景-neon'],
    ['🦊🦊🦊', 'image'],
    ['a very long prompt about a lighthouse standing at dusk on a cliff', 'a-very-long-prompt-about-a-lighthouse'],
    ['supercalifragilisticexpialidocious-and-then-some-more', 'supercalifragilisticexpialidocious-and'],
    ['pneumonoultramicroscopicsilicovolcanoconiosis of the lung', 'pneumonoultramicroscopicsilicovolcanocon'],
  ])('%j → %s', (prompt, slug) => {
    expect(promptSlug(prompt)).toBe(slug);
  });
});
