/**
 * Benchmark: what tiers and the result cache save a designer, in money.
 *
 * A scripted design session — 12 prompts, each previewed 3 times (4 variations per preview, as a
 * design tool shows them), then 3 of the results kept as finals, then those 3 finals asked for
 * again (a second export, another device) — runs twice through GraphQL against the built-in
 * simulator:
 *
 * - tiers + cache: previews on FLUX Schnell (`mode: PREVIEW`, one `generateImages` call per
 *   round), finals with `finalizeGeneration` on FLUX 1.1 Pro Ultra, the repeats answered by the
 *   result cache;
 * - straight: the same 36 rounds of 4 images directly on FLUX 1.1 Pro Ultra (the 3 keepers are
 *   among them), and the 3 repeats generated again (a gateway with the cache off).
 *
 * Prints generations, upstream predictions, images, settled cost and wall time of each, the cost
 * ratio (the users' saving) and the `estimateCost` plan price for comparison. Loopback only;
 * bounded by a fixed script and a time cap. Uses DATABASE_URL's server (a fresh database, dropped
 * afterwards) or embedded Postgres in a temporary directory when it is unset.
 *
 *     DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/design-session.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startApp, type RunningApp } from '../src/app.ts';
import { silentLogger } from '../src/logger.ts';
import { formatMicrosAsUsd, parseUsdToMicros } from '../src/money.ts';
import type { RunningSimulator } from '../src/simulator/index.ts';
import { boundedGraphql, settledGeneration, startUnlimitedSimulator, unlimitedUserKey } from './gateway-client.ts';
import { benchConfig, openBenchDatabase } from './support.ts';

const PROMPTS = [
  'a minimalist fox logo, flat vector',
  'a retro surf poster with a van at sunset',
  'a botanical line drawing of a monstera leaf',
  'a cute astronaut cat sticker',
  'a vintage coffee shop badge with steam',
  'a geometric mountain landscape t-shirt print',
  'a watercolor hummingbird with flowers',
  'a skateboarding skeleton, bold ink illustration',
  'a pastel kawaii ramen bowl',
  'a neon synthwave palm tree scene',
  'a hand-lettered quote: stay wild',
  'a mandala made of citrus slices',
];
const PREVIEWS_PER_PROMPT = 3;
const VARIATIONS = 4;
const FINALS = 3;
const FINAL_MODEL = 'flux-1.1-pro-ultra';
const ASPECT_RATIO = '3:2';
const SIMULATOR_SPEED = 0.02;
const TIME_CAP_MS = 180_000;

const FIELDS = 'id status costUsd images { url } cachedFrom { id }';

interface Generated {
  id: string;
  status: string;
  costUsd: string | null;
  images: Array<{ url: string }>;
  cachedFrom: { id: string } | null;
}

interface SessionFigures {
  readonly name: string;
  generations: number;
  predictions: number;
  images: number;
  cacheHits: number;
  costMicros: number;
  wallMs: number;
}

const graphql = boundedGraphql(TIME_CAP_MS);

const waitForEnd = (app: RunningApp, key: string, id: string) =>
  settledGeneration<Generated>(graphql, app, key, id, FIELDS);

async function batch(app: RunningApp, key: string, inputs: Array<Record<string, unknown>>): Promise<Generated[]> {
  const { generateImages } = await graphql<{ generateImages: { items: Array<{ generation: Generated }> } }>(
    app,
    key,
    `mutation($inputs: [GenerateImageInput!]!) { generateImages(inputs: $inputs) { items { generation { ${FIELDS} } } } }`,
    { inputs },
  );
  return Promise.all(generateImages.items.map((item) => waitForEnd(app, key, item.generation.id)));
}

async function finalize(app: RunningApp, key: string, input: Record<string, unknown>): Promise<Generated> {
  const { finalizeGeneration } = await graphql<{ finalizeGeneration: Generated }>(
    app,
    key,
    `mutation($input: FinalizeGenerationInput!) { finalizeGeneration(input: $input) { ${FIELDS} } }`,
    { input },
  );
  return waitForEnd(app, key, finalizeGeneration.id);
}

async function generateOne(app: RunningApp, key: string, input: Record<string, unknown>): Promise<Generated> {
  const { generateImage } = await graphql<{ generateImage: Generated }>(
    app,
    key,
    `mutation($input: GenerateImageInput!) { generateImage(input: $input) { ${FIELDS} } }`,
    { input },
  );
  return waitForEnd(app, key, generateImage.id);
}

const newFigures = (name: string): SessionFigures => ({
  name,
  generations: 0,
  predictions: 0,
  images: 0,
  cacheHits: 0,
  costMicros: 0,
  wallMs: 0,
});

function tally(figures: SessionFigures, generations: readonly Generated[]): void {
  for (const generation of generations) {
    figures.generations += 1;
    figures.images += generation.images.length;
    figures.costMicros += parseUsdToMicros(generation.costUsd ?? '0');
    if (generation.cachedFrom) figures.cacheHits += 1;
  }
}

const prompted = (prompt: string, round: number) => `${prompt}, take ${round + 1}`;

async function tieredSession(app: RunningApp, key: string, sim: RunningSimulator): Promise<SessionFigures> {
  const figures = newFigures('tiers + cache');
  const before = sim.predictions().length;
  const began = performance.now();
  let lastRound: Generated[] = [];
  for (let round = 0; round < PREVIEWS_PER_PROMPT; round++) {
    lastRound = await batch(
      app,
      key,
      PROMPTS.map((prompt) => ({
        mode: 'PREVIEW',
        prompt: prompted(prompt, round),
        count: VARIATIONS,
        aspectRatio: ASPECT_RATIO,
      })),
    );
    tally(figures, lastRound);
  }
  const keep = Array.from({ length: FINALS }, (_, index) => ({
    previewId: lastRound[index * 4]!.id,
    imageIndex: index % VARIATIONS,
    modelId: FINAL_MODEL,
  }));
  tally(figures, await Promise.all(keep.map((input) => finalize(app, key, input))));
  // The same finals asked for again: the result cache answers.
  tally(figures, await Promise.all(keep.map((input) => finalize(app, key, input))));
  figures.wallMs = performance.now() - began;
  figures.predictions = sim.predictions().length - before;
  return figures;
}

async function straightSession(app: RunningApp, key: string, sim: RunningSimulator): Promise<SessionFigures> {
  const figures = newFigures('straight on the final model');
  const before = sim.predictions().length;
  const began = performance.now();
  const seedOf = (promptIndex: number, round: number) => 1000 * promptIndex + round;
  for (let round = 0; round < PREVIEWS_PER_PROMPT; round++) {
    tally(
      figures,
      await batch(
        app,
        key,
        PROMPTS.map((prompt, index) => ({
          modelId: FINAL_MODEL,
          prompt: prompted(prompt, round),
          count: VARIATIONS,
          aspectRatio: ASPECT_RATIO,
          seed: seedOf(index, round),
        })),
      ),
    );
  }
  // The 3 keepers are already final-quality; asking for them again generates them again.
  const repeats = Array.from({ length: FINALS }, (_, index) => ({
    modelId: FINAL_MODEL,
    prompt: prompted(PROMPTS[index * 4]!, PREVIEWS_PER_PROMPT - 1),
    count: 1,
    aspectRatio: ASPECT_RATIO,
    seed: seedOf(index * 4, PREVIEWS_PER_PROMPT - 1),
  }));
  tally(figures, await Promise.all(repeats.map((input) => generateOne(app, key, input))));
  figures.wallMs = performance.now() - began;
  figures.predictions = sim.predictions().length - before;
  return figures;
}

async function main(): Promise<void> {
  const database = await openBenchDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-bench-images-'));
  const sim = await startUnlimitedSimulator(SIMULATOR_SPEED);
  const apps: RunningApp[] = [];
  try {
    const env = (extra: Record<string, string>) =>
      benchConfig({ databaseUrl: database.url, dataDir, simulatorUrl: sim.baseUrl, extra });
    const smart = await startApp({ config: env({}), logger: silentLogger });
    apps.push(smart);
    const plain = await startApp({ config: env({ RESULT_CACHE_TTL_SECONDS: '0' }), logger: silentLogger });
    apps.push(plain);
    const db = smart.services.db;
    const keyFor = (name: string) => unlimitedUserKey(db, name, 100_000_000);

    const tiered = await tieredSession(smart, await keyFor('designer-tiers'), sim);
    const straight = await straightSession(plain, await keyFor('designer-straight'), sim);
    const { estimateCost } = await graphql<{ estimateCost: { totalUsd: string } }>(
      smart,
      await keyFor('estimator'),
      `
        query ($input: EstimateCostInput!) {
          estimateCost(input: $input) {
            totalUsd
          }
        }
      `,
      {
        input: {
          modelId: FINAL_MODEL,
          count: FINALS,
          previews: PROMPTS.length * PREVIEWS_PER_PROMPT,
          variationsPerPreview: VARIATIONS,
        },
      },
    );

    const out = (line = '') => process.stdout.write(`${line}\n`);
    out();
    out(
      `design session: ${PROMPTS.length} prompts × ${PREVIEWS_PER_PROMPT} previews (${VARIATIONS} variations each), ` +
        `${FINALS} finals on ${FINAL_MODEL}, the ${FINALS} finals asked for again; simulator speed ${SIMULATOR_SPEED}`,
    );
    out();
    out(
      `${'session'.padEnd(30)} ${'generations'.padStart(11)} ${'predictions'.padStart(11)} ${'images'.padStart(7)} ` +
        `${'cache hits'.padStart(10)} ${'cost USD'.padStart(9)} ${'wall s'.padStart(7)}`,
    );
    for (const figures of [tiered, straight]) {
      out(
        `${figures.name.padEnd(30)} ${String(figures.generations).padStart(11)} ${String(figures.predictions).padStart(11)} ` +
          `${String(figures.images).padStart(7)} ${String(figures.cacheHits).padStart(10)} ` +
          `${formatMicrosAsUsd(figures.costMicros).padStart(9)} ${(figures.wallMs / 1000).toFixed(1).padStart(7)}`,
      );
    }
    out();
    const ratio = straight.costMicros / Math.max(1, tiered.costMicros);
    out(
      `saving: the straight session costs ${ratio.toFixed(1)}× the tiered one ` +
        `(users pay ${((tiered.costMicros / straight.costMicros) * 100).toFixed(1)}% of it, ` +
        `saving ${formatMicrosAsUsd(straight.costMicros - tiered.costMicros)} USD per session)`,
    );
    out(`plan estimate (estimateCost, previews and finals without the repeats): ${estimateCost.totalUsd} USD`);
    if (tiered.cacheHits !== FINALS) {
      process.exitCode = 1;
      out(`UNEXPECTED: ${tiered.cacheHits} cache hits (expected ${FINALS})`);
    }
  } finally {
    for (const app of apps.reverse()) await app.close();
    await sim.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
