/**
 * `pixelgate generate "a prompt"`: the terminal client. It talks to a running gateway over the
 * public API only — GraphQL over HTTP for the estimate and the generation, the
 * `generationProgress` subscription over graphql-ws for the progress bar, plain GETs for the
 * stored images — exactly what any other app would do, so it needs no database or server config.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadClientConfig, type ClientConfig } from '../config.ts';
import { DocumentSender, type ClientDocument } from './client-documents.ts';
import type { CliCommand } from './command.ts';

export const GENERATE_USAGE = `Usage: pixelgate generate PROMPT [options]

Generates images on a running pixelgate gateway: shows the estimate, follows the progress live,
saves the images and prints what they cost. The API key comes from PIXELGATE_API_KEY (pg_…).

Options:
  --model ID        a model id from the catalog (default: pixelgate chooses within your budget)
  --count N         how many images (default 1)
  --mode MODE       PREVIEW, STANDARD or FINAL (default STANDARD)
  --transparent     remove the background (a chained step, priced in the estimate)
  --print TARGET    also make a print file of each image: a preset id (poster-18x24, see the
                    printPresets query) or inches and DPI as WxH@DPI (12x16@300); upscaled,
                    priced in the estimate, saved beside the image
  --out DIR         where to save the images, named after the prompt (a-red-fox-1.png, …;
                    never replacing a file) (default: the current directory)
  --url URL         the gateway's GraphQL URL (default: PIXELGATE_URL or http://localhost:4000/graphql)
`;

const MODES = ['PREVIEW', 'STANDARD', 'FINAL'] as const;
type Mode = (typeof MODES)[number];
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);
const REQUEST_TIMEOUT_MS = 30_000;
const BAR_WIDTH = 24;
/** What the bar says about the steps after generating (input.print, transparentBackground). */
const PHASES: Record<string, string> = {
  REMOVING_BACKGROUND: ' (removing background)',
  UPSCALING: ' (upscaling for print)',
  PREPARING_PRINT_FILE: ' (preparing the print file)',
};
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/** A failure the user can act on: printed as it is, exit status 1. */
export class ClientError extends Error {}

interface GenerateOptions {
  readonly prompt: string;
  readonly modelId: string | undefined;
  readonly count: number;
  readonly mode: Mode;
  readonly transparentBackground: boolean;
  readonly print: PrintTarget | undefined;
  readonly outDir: string;
  readonly url: string;
}

interface Generation {
  id: string;
  status: string;
  percent: number | null;
  phase: string;
  estimatedCostUsd: string;
  costUsd: string | null;
  selectionReason: string | null;
  model: { id: string; name: string };
  images: Array<{
    url: string;
    position: number;
    contentType: string;
    width: number;
    height: number;
    printFile?: { url: string; width: number; height: number; dpi: number } | null;
  }>;
  error: { code: string; message: string } | null;
  warning: { code: string; message: string } | null;
}

export interface Terminal {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
}

function parseOptions(args: readonly string[], config: ClientConfig): GenerateOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        count: { type: 'string' },
        mode: { type: 'string' },
        transparent: { type: 'boolean' },
        print: { type: 'string' },
        out: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ClientError(`${error instanceof Error ? error.message : String(error)}\n\n${GENERATE_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1 || !positionals[0]!.trim()) {
    throw new ClientError(`give exactly one prompt, in quotes\n\n${GENERATE_USAGE}`);
  }
  const count = values.count === undefined ? 1 : Number(values.count);
  if (!/^\d+$/.test(values.count ?? '1') || count < 1) throw new ClientError('--count expects a whole number from 1');
  const mode = (values.mode ?? 'STANDARD').toUpperCase();
  if (!(MODES as readonly string[]).includes(mode)) throw new ClientError(`--mode expects one of ${MODES.join(', ')}`);
  const url = values.url ?? config.url;
  if (!/^https?:\/\/[^/]/.test(url) || !URL.canParse(url)) throw new ClientError('--url expects an http(s) URL');
  return {
    prompt: positionals[0]!,
    modelId: values.model,
    count,
    mode: mode as Mode,
    transparentBackground: values.transparent ?? false,
    print: values.print === undefined ? undefined : parsePrintTarget(values.print),
    outDir: values.out ?? '.',
    url,
  };
}

type PrintTarget = { readonly preset: string } | { widthInches: number; heightInches: number; dpi: number };

/**
 * `--print`: a preset id, or `WxH@DPI` in inches (`12x16@300`, `8.5x11@300`). Only the form is
 * checked here; the gateway checks the figures against its limits (and presets against the list
 * it serves, which `checkPreset` asks for before anything is requested).
 */
function parsePrintTarget(value: string): PrintTarget {
  const custom = /^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)@(\d+)$/i.exec(value.trim());
  if (custom) return { widthInches: Number(custom[1]), heightInches: Number(custom[2]), dpi: Number(custom[3]) };
  if (/^[a-z0-9][a-z0-9-]*$/i.test(value.trim())) return { preset: value.trim() };
  throw new ClientError(
    '--print expects a preset id (e.g. poster-18x24) or inches and DPI as WxH@DPI (e.g. 12x16@300)',
  );
}

/** A preset the gateway does not know is refused here, naming the ones it does, before any generation request. */
async function checkPreset(
  options: GenerateOptions,
  apiKey: string,
  sender: DocumentSender,
): Promise<string | undefined> {
  if (!options.print || !('preset' in options.print)) return undefined;
  const { preset } = options.print;
  const { printPresets } = await graphqlRequest<{
    printPresets: Array<{ id: string; name: string; width: number; height: number; dpi: number }>;
  }>(options.url, apiKey, { sender, name: 'printPresets' }, {});
  const found = printPresets.find((candidate) => candidate.id === preset);
  if (!found) {
    throw new ClientError(
      `--print: no preset "${preset}" on this gateway; its presets are ${printPresets.map((known) => known.id).join(', ')} (or give WxH@DPI)`,
    );
  }
  return `${found.name}: ${found.width}×${found.height} px at ${found.dpi} DPI`;
}

/** One GraphQL operation over HTTP; errors become ClientErrors that say what to do. */
async function graphqlRequest<T>(
  url: string,
  apiKey: string,
  document: { sender: DocumentSender; name: ClientDocument },
  variables: Record<string, unknown>,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ ...document.sender.http(document.name), variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw unreachable(url, error);
  }
  let body: { data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ClientError(`${url} answered HTTP ${response.status} without GraphQL: is it a pixelgate gateway?`);
  }
  const [first] = body.errors ?? [];
  if (first && document.sender.retryAsText(first.extensions?.code)) {
    return graphqlRequest(url, apiKey, document, variables);
  }
  if (first) throw new ClientError(describeGraphQLError(first));
  if (!body.data) throw new ClientError(`${url} answered HTTP ${response.status} without data`);
  return body.data;
}

/** A client's reading of an error answer: the contract code, the message and what to do about it. */
function describeGraphQLError(error: { message: string; extensions?: Readonly<Record<string, unknown>> }): string {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : undefined;
  const hint =
    code === 'UNAUTHENTICATED'
      ? ' Check PIXELGATE_API_KEY (a key from `pixelgate keys create --user ID`).'
      : code === 'BUDGET_EXCEEDED'
        ? ' Ask for fewer images, a cheaper model (--model) or --mode PREVIEW, or a larger budget.'
        : '';
  return `${code ? `${code}: ` : ''}${error.message}${hint}`;
}

function unreachable(url: string, error: unknown): ClientError {
  const { cause, name } = error as { cause?: { code?: string; message?: string }; name?: string };
  const reason = name === 'TimeoutError' ? 'no answer in 30 s' : (cause?.code ?? cause?.message);
  return new ClientError(
    `cannot reach the gateway at ${url}${reason ? ` (${reason})` : ''}. Is it running (\`npm start\`)? ` +
      'Set PIXELGATE_URL or --url to point elsewhere.',
  );
}

function progressLine(generation: Pick<Generation, 'status' | 'percent' | 'phase'>): string {
  const percent = generation.percent;
  const filled = percent === null ? 0 : Math.round((Math.min(percent, 100) / 100) * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
  const figure = percent === null ? '   ?' : `${String(percent).padStart(3)}%`;
  // A terminal state stands alone: a print generation SUCCEEDS in its last phase, which is over.
  const phase = TERMINAL.has(generation.status) ? '' : (PHASES[generation.phase] ?? '');
  return `[${bar}] ${figure}  ${generation.status}${phase}`;
}

/**
 * Follows generationProgress until a terminal state. A TTY gets one bar redrawn in place; a pipe
 * gets a line per visible change, so logs stay readable.
 */
async function followProgress(
  options: GenerateOptions,
  apiKey: string,
  id: string,
  terminal: Terminal,
  sender: DocumentSender,
): Promise<Generation> {
  const wsUrl = new URL(options.url);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = createClient({
    url: wsUrl.toString(),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${apiKey}` },
    lazy: true,
    // A dropped connection resumes: the subscription sends the current state first.
    retryAttempts: 3,
  });
  const tty = terminal.out.isTTY === true;
  let last: Generation | undefined;
  let lastLine = '';
  try {
    // By id when the HTTP requests before it were (the sender learned whether the server knows it).
    const updates = client.iterate<{ generationProgress: Generation }>({
      ...sender.webSocket('progress'),
      variables: { id },
    });
    for await (const update of updates) {
      const [first] = update.errors ?? [];
      if (first) throw new ClientError(describeGraphQLError(first));
      const generation = update.data?.generationProgress;
      if (!generation) continue;
      last = generation;
      const line = progressLine(generation);
      if (line !== lastLine) {
        terminal.out.write(tty ? `\r${line}` : `${line}\n`);
        lastLine = line;
      }
      if (TERMINAL.has(generation.status)) break;
    }
  } catch (error) {
    if (error instanceof ClientError) throw error;
    const reason = Array.isArray(error)
      ? error.map((item: { message?: string }) => item.message).join('; ')
      : error instanceof Error
        ? error.message
        : 'the connection closed';
    throw new ClientError(
      `lost the progress stream (${reason || 'the connection closed'}); generation ${id} goes on in the gateway`,
    );
  } finally {
    if (tty && lastLine) terminal.out.write('\n');
    await client.dispose();
  }
  if (!last || !TERMINAL.has(last.status)) {
    throw new ClientError(`the progress stream ended early; generation ${id} goes on in the gateway`);
  }
  return last;
}

/** Characters of the prompt that name its files (cut at a word where one ends near it). */
const SLUG_LENGTH = 40;

/**
 * A short name from the prompt for its files: letters and digits of any script, lower case, words
 * joined by `-`, at most SLUG_LENGTH characters ("A lighthouse at dusk!" → `a-lighthouse-at-dusk`).
 * Markers in brackets are left out; a prompt with no letter or digit is `image`.
 */
export function promptSlug(prompt: string): string {
  const words = prompt
    .replace(/\[[^\]]*\]/g, ' ')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if ([...next].length > SLUG_LENGTH) {
      if (!slug) slug = [...word].slice(0, SLUG_LENGTH).join('');
      break;
    }
    slug = next;
  }
  return slug || 'image';
}

/**
 * Writes `bytes` as `<slug>-<n>.<extension>` with the first n from 1 that is free in `dir`, so a
 * second run of the same prompt adds files instead of replacing the first run's.
 */
async function writeNumberedFile(
  dir: string,
  slug: string,
  extension: string,
  bytes: Buffer,
): Promise<{ file: string; n: number }> {
  for (let n = 1; ; n++) {
    const file = path.join(dir, `${slug}-${n}.${extension}`);
    try {
      await writeFile(file, bytes, { flag: 'wx' });
      return { file, n };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

async function download(url: URL): Promise<Buffer> {
  let response: Response;
  try {
    // Stored images are public URLs: the API key is not sent with them.
    response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw unreachable(url.origin, error);
  }
  if (!response.ok) throw new ClientError(`downloading ${url} failed: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * Saves each image as `<prompt-slug>-<n>.png`, and its print file (when the gateway made one) beside
 * it as `<prompt-slug>-<n>-print-<W>x<H>-<DPI>dpi.png`. Returns the lines to print.
 */
async function saveImages(options: GenerateOptions, generation: Generation): Promise<string[]> {
  await mkdir(options.outDir, { recursive: true });
  const slug = promptSlug(options.prompt);
  const lines: string[] = [];
  let printFiles = 0;
  for (const image of [...generation.images].sort((a, b) => a.position - b.position)) {
    const bytes = await download(new URL(image.url, options.url));
    const { file, n } = await writeNumberedFile(options.outDir, slug, EXTENSIONS[image.contentType] ?? 'bin', bytes);
    lines.push(`Saved ${file}`);
    const print = image.printFile;
    if (!print) continue;
    const printName = `${slug}-${n}-print-${print.width}x${print.height}-${print.dpi}dpi.png`;
    const printPath = path.join(options.outDir, printName);
    await writeFile(printPath, await download(new URL(print.url, options.url)));
    lines.push(`Saved ${printPath} (print file, ${print.width}×${print.height} px at ${print.dpi} DPI)`);
    printFiles += 1;
  }
  if (options.print && printFiles === 0) {
    lines.push(`No print file came with generation ${generation.id}; the images above are the originals.`);
  }
  return lines;
}

/** Runs the command; resolves to the exit status. */
export async function runGenerate(args: readonly string[], config: ClientConfig, terminal: Terminal): Promise<number> {
  const options = parseOptions(args, config);
  if (options === 'help') {
    terminal.out.write(GENERATE_USAGE);
    return 0;
  }
  const apiKey = config.apiKey;
  if (!apiKey) {
    throw new ClientError(
      'PIXELGATE_API_KEY is not set. Create a key (`pixelgate keys create --user ID`, or the admin ' +
        'mutation createApiKey) and export it: export PIXELGATE_API_KEY=pg_…',
    );
  }
  const out = (line: string) => terminal.out.write(`${line}\n`);
  const sender = new DocumentSender();
  const printTarget = await checkPreset(options, apiKey, sender);
  if (printTarget) out(`Print file: ${printTarget}`);

  // The estimate needs a model; when pixelgate chooses, the generation below reports its hold.
  if (options.modelId && options.mode !== 'PREVIEW') {
    const { estimateCost } = await graphqlRequest<{ estimateCost: { perImageUsd: string; totalUsd: string } }>(
      options.url,
      apiKey,
      { sender, name: 'estimate' },
      {
        input: {
          modelId: options.modelId,
          count: options.count,
          transparentBackground: options.transparentBackground,
          print: options.print,
        },
      },
    );
    out(
      `Estimate: ${estimateCost.totalUsd} USD (${options.count} × ${estimateCost.perImageUsd} USD on ${options.modelId})` +
        (options.print ? ', print upscale at its upper bound' : ''),
    );
  }

  const { generateImage: created } = await graphqlRequest<{ generateImage: Generation }>(
    options.url,
    apiKey,
    { sender, name: 'generate' },
    {
      input: {
        prompt: options.prompt,
        modelId: options.modelId,
        count: options.count,
        mode: options.mode,
        transparentBackground: options.transparentBackground,
        print: options.print,
      },
    },
  );
  out(`Generation ${created.id} on ${created.model.id}: ${created.estimatedCostUsd} USD held on your budget`);
  if (created.selectionReason) out(`  ${created.selectionReason}`);

  const final = TERMINAL.has(created.status)
    ? created
    : await followProgress(options, apiKey, created.id, terminal, sender);
  if (final.status !== 'SUCCEEDED') {
    const why = final.error ? `: ${final.error.code}: ${final.error.message}` : '';
    throw new ClientError(`generation ${final.id} ${final.status}${why} (cost ${final.costUsd ?? '0'} USD)`);
  }
  if (final.warning) out(`Warning: ${final.warning.code}: ${final.warning.message}`);
  for (const line of await saveImages(options, final)) out(line);
  out(final.costUsd === null ? 'Cost: not settled yet (query generation(id:) later)' : `Cost: ${final.costUsd} USD`);
  return 0;
}

/** The terminal client is an app of the gateway's public API: it reads no server configuration. */
export const generateCommand: CliCommand = {
  name: 'generate',
  usage: `  generate PROMPT [--model ID] [--count N] [--mode PREVIEW|STANDARD|FINAL] [--transparent] [--print TARGET] [--out DIR] [--url URL]
                              generate images on a running gateway (API key from PIXELGATE_API_KEY):
                              estimate, live progress, saved images, settled cost`,
  async run(args, context) {
    process.exitCode = await runGenerate(args, loadClientConfig(), { out: context.stdout });
  },
};
