/**
 * Prediction lifecycles as a polling client sees them: phases, growing logs, real PNG outputs,
 * `Prefer: wait`, deadlines, cancel, prompt markers and data removal.
 */
import type { PredictionJson } from '../../src/simulator/index.ts';
import { describe, expect, test } from '../support/simulator-fixtures.ts';
import { call, createPrediction, downloadPng, getPrediction, pollPrediction, sleep } from './helpers.ts';

const SPEED = 0.02;
const SCHNELL = 'black-forest-labs/flux-schnell';
const FLUX_DEV = 'black-forest-labs/flux-dev';
const IMAGEN_FAST = 'google/imagen-4-fast';
const REMOVE_BACKGROUND = 'recraft-ai/recraft-remove-background';

/** Added to Date.now(): lets the data-removal test jump an hour ahead without waiting. */
let clockOffsetMs = 0;

test.override('simulatorSetup', { speed: SPEED, now: () => Date.now() + clockOffsetMs });

function percentages(logs: string): number[] {
  return [...logs.matchAll(/(\d+)%\|/g)].map((match) => Number(match[1]));
}

function statuses(seen: readonly PredictionJson[]): string[] {
  return [...new Set(seen.map((prediction) => prediction.status))];
}

describe('a tqdm model (FLUX Dev)', () => {
  test('goes starting → processing → succeeded with tqdm progress growing to 100%', async ({ simulator }) => {
    const created = await createPrediction(simulator, FLUX_DEV, {
      input: { prompt: 'a lighthouse', aspect_ratio: '16:9', num_outputs: 3, seed: 42 },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('starting');
    const { final, seen } = await pollPrediction(simulator, created.body.id, undefined, { intervalMs: 2 });

    expect(statuses([created.body, ...seen])).toEqual(['starting', 'processing', 'succeeded']);
    // Logs only ever grow, and the last percentage only ever rises.
    for (let index = 1; index < seen.length; index++) {
      expect(seen[index]!.logs.startsWith(seen[index - 1]!.logs)).toBe(true);
    }
    const lastPercents = seen.map((state) => percentages(state.logs).at(-1) ?? -1);
    expect(lastPercents).toEqual([...lastPercents].sort((a, b) => a - b));
    // 28 steps over ~110 ms: a 2 ms poll sees several, even on a loaded machine at least one.
    expect(lastPercents.some((percent) => percent > 0 && percent < 100)).toBe(true);

    expect(final.logs).toMatch(/^Using seed: 42\n/);
    expect(final.logs).toContain('  0%|          | 0/28 [00:00<?, ?it/s]');
    expect(final.logs).toMatch(/ {2}7%\|▋ {9}\| 2\/28 \[\d\d:\d\d<\d\d:\d\d, \d+\.\d+it\/s\]/);
    expect(final.logs.trimEnd().split('\n').at(-1)).toMatch(/^100%\|██████████\| 28\/28 /);

    expect(Date.parse(final.created_at)).toBeLessThanOrEqual(Date.parse(final.started_at!));
    expect(Date.parse(final.started_at!)).toBeLessThanOrEqual(Date.parse(final.completed_at!));
    expect(final.metrics.image_count).toBe(3);
  });

  test('returns num_outputs real PNGs with the exact aspect ratio, as an array', async ({ simulator }) => {
    const created = await createPrediction(simulator, SCHNELL, {
      input: { prompt: 'wide', aspect_ratio: '21:9', num_outputs: 2 },
    });
    const { final } = await pollPrediction(simulator, created.body.id);
    expect(Array.isArray(final.output)).toBe(true);
    const urls = final.output as string[];
    expect(urls).toEqual([0, 1].map((index) => `${simulator.origin}/files/${final.id}/${index}.png`));
    const images = await Promise.all(urls.map(downloadPng));
    for (const image of images) {
      expect(image.width * 9).toBe(image.height * 21);
      expect(Math.max(image.width, image.height)).toBeGreaterThanOrEqual(64);
      expect(Math.max(image.width, image.height)).toBeLessThanOrEqual(256);
    }
    expect(images[0]!.data.equals(images[1]!.data)).toBe(false);
  });
});

describe('a plain model (Imagen 4 Fast)', () => {
  test('logs plain lines without percentages and returns one URL string', async ({ simulator }) => {
    const created = await createPrediction(simulator, IMAGEN_FAST, {
      input: { prompt: 'a fox', aspect_ratio: '9:16' },
    });
    const { final, seen } = await pollPrediction(simulator, created.body.id, undefined, { intervalMs: 2 });
    expect(statuses([created.body, ...seen])).toEqual(['starting', 'processing', 'succeeded']);
    expect(final.logs).toMatch(
      /^Using seed: \d+\nGenerating\.\.\.\nGenerated image in \d+\.\dsec\nDownloading \d+ bytes\n$/,
    );
    expect(final.logs).not.toMatch(/%/);
    expect(typeof final.output).toBe('string');
    const image = await downloadPng(final.output as string);
    expect(image.width * 16).toBe(image.height * 9);
    const bytes = Number(/Downloading (\d+) bytes/.exec(final.logs)![1]);
    const download = await fetch(final.output as string);
    expect((await download.arrayBuffer()).byteLength).toBe(bytes);
  });

  test('honours custom sizes (FLUX 1.1 Pro) and Seedream’s arrays', async ({ simulator }) => {
    const pro = await createPrediction(simulator, 'black-forest-labs/flux-1.1-pro', {
      input: { prompt: 'custom', aspect_ratio: 'custom', width: 1440, height: 1024 },
    });
    const seedream = await createPrediction(simulator, 'bytedance/seedream-4', {
      input: { prompt: 's', aspect_ratio: '4:3' },
    });
    const proFinal = (await pollPrediction(simulator, pro.body.id)).final;
    const proImage = await downloadPng(proFinal.output as string);
    expect(proImage.width * 1024).toBe(proImage.height * 1440);
    const seedreamFinal = (await pollPrediction(simulator, seedream.body.id, undefined, { timeoutMs: 15_000 })).final;
    expect(seedreamFinal.output).toHaveLength(1);
    const seedreamImage = await downloadPng((seedreamFinal.output as string[])[0]!);
    expect(seedreamImage.width * 3).toBe(seedreamImage.height * 4);
  });
});

describe('remove-background', () => {
  test('turns a simulator output into an RGBA PNG with real transparency', async ({ simulator }) => {
    const source = await createPrediction(simulator, SCHNELL, { input: { prompt: 'subject', aspect_ratio: '3:2' } });
    const sourceUrl = ((await pollPrediction(simulator, source.body.id)).final.output as string[])[0]!;
    const created = await createPrediction(simulator, REMOVE_BACKGROUND, { input: { image: sourceUrl } });
    const { final } = await pollPrediction(simulator, created.body.id);
    expect(final.status).toBe('succeeded');
    expect(typeof final.output).toBe('string');
    const [original, cutout] = await Promise.all([downloadPng(sourceUrl), downloadPng(final.output as string)]);
    expect([cutout.width, cutout.height]).toEqual([original.width, original.height]);
    const alphas = new Set<number>();
    for (let offset = 3; offset < cutout.data.length; offset += 4) alphas.add(cutout.data[offset]!);
    expect([...alphas].sort((a, b) => a - b)).toEqual([0, 255]);
    // The corner is background, the centre is the subject with the source's pixels.
    expect(cutout.data[3]).toBe(0);
    const centre = ((cutout.height >> 1) * cutout.width + (cutout.width >> 1)) * 4;
    expect(cutout.data[centre + 3]).toBe(255);
    expect(cutout.data.subarray(centre, centre + 3)).toEqual(original.data.subarray(centre, centre + 3));
  });

  test('synthesises a source for unreachable hosts and fails on a broken loopback URL', async ({ simulator }) => {
    const external = await createPrediction(simulator, REMOVE_BACKGROUND, {
      input: { image: 'https://example.com/photo.png' },
    });
    const broken = await createPrediction(simulator, REMOVE_BACKGROUND, {
      input: { image: `${simulator.origin}/files/nosuchprediction/0.png` },
    });
    const externalFinal = (await pollPrediction(simulator, external.body.id)).final;
    expect(externalFinal.status).toBe('succeeded');
    expect((await downloadPng(externalFinal.output as string)).data[3]).toBe(0);
    const brokenFinal = (await pollPrediction(simulator, broken.body.id)).final;
    expect(brokenFinal.status).toBe('failed');
    expect(brokenFinal.error).toMatch(/Failed to download image .* HTTP 404/);
  });
});

describe('Prefer: wait', () => {
  test('holds the response until the prediction finishes (201) or the wait runs out (202)', async ({ simulator }) => {
    const finished = await createPrediction(simulator, SCHNELL, { input: { prompt: 'quick' } }, { prefer: 'wait' });
    expect(finished.status).toBe(201);
    expect(finished.body.status).toBe('succeeded');
    expect(finished.body.output).toHaveLength(1);
    expect(finished.headers.get('preference-applied')).toBe('wait=60');

    // wait=1 is 20 ms at this speed; a [sim:slow] run takes 30 simulated seconds.
    const started = Date.now();
    const running = await createPrediction(
      simulator,
      SCHNELL,
      { input: { prompt: 'long [sim:slow]' } },
      { prefer: 'wait=1' },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(running.status).toBe(202);
    expect(['starting', 'processing']).toContain(running.body.status);
    expect(running.body.output).toBeNull();
  });
});

describe('Cancel-After and cancel', () => {
  test('aborts a prediction whose deadline passes before it starts', async ({ simulator }) => {
    const created = await createPrediction(
      simulator,
      SCHNELL,
      { input: { prompt: 'cold boot [sim:cold]' } },
      { 'cancel-after': '5s' },
    );
    expect(Date.parse(created.body.deadline!) - Date.parse(created.body.created_at)).toBe(5000 * SPEED);
    const { final } = await pollPrediction(simulator, created.body.id);
    expect(final.status).toBe('aborted');
    expect(final.started_at).toBeUndefined();
    expect(final.output).toBeNull();
    expect(simulator.predictions().find((p) => p.id === final.id)!.chargedMicros).toBe(0);
  });

  test('cancels a running prediction at its deadline (1h30m style durations parse too)', async ({ simulator }) => {
    const created = await createPrediction(
      simulator,
      SCHNELL,
      { input: { prompt: 'x [sim:slow]' } },
      { 'cancel-after': '6s' },
    );
    const { final, seen } = await pollPrediction(simulator, created.body.id);
    expect(statuses([created.body, ...seen])).toEqual(['starting', 'processing', 'canceled']);
    expect(final.started_at).toBeDefined();
    expect(final.metrics.predict_time).toBeGreaterThan(0);
    const long = await createPrediction(simulator, SCHNELL, { input: { prompt: 'y' } }, { 'cancel-after': '1h30m' });
    expect(Date.parse(long.body.deadline!) - Date.parse(long.body.created_at)).toBe(5400_000 * SPEED);
  });

  test('cancel stops a running prediction and is idempotent on terminal ones', async ({ simulator }) => {
    const created = await createPrediction(simulator, SCHNELL, { input: { prompt: 'stop me [sim:slow]' } });
    await pollPrediction(simulator, created.body.id, (prediction) => prediction.status === 'processing');
    const canceled = await call<PredictionJson>(simulator, 'POST', `/v1/predictions/${created.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    await sleep(50);
    const again = await call<PredictionJson>(simulator, 'POST', `/v1/predictions/${created.body.id}/cancel`);
    expect(again.body).toEqual(canceled.body);
    expect(await getPrediction(simulator, created.body.id)).toEqual(canceled.body);

    const done = await createPrediction(simulator, SCHNELL, { input: { prompt: 'done' } }, { prefer: 'wait' });
    const cancelDone = await call<PredictionJson>(simulator, 'POST', `/v1/predictions/${done.body.id}/cancel`);
    expect(cancelDone.status).toBe(200);
    expect(cancelDone.body).toEqual(done.body);
  });
});

describe('prompt markers', () => {
  test('[sim:fail] fails after starting, with an error and explaining logs', async ({ simulator }) => {
    const created = await createPrediction(simulator, FLUX_DEV, { input: { prompt: 'a cat [sim:fail]' } });
    const { final } = await pollPrediction(simulator, created.body.id, undefined, { intervalMs: 2 });
    expect(final.status).toBe('failed');
    expect(final.started_at).toBeDefined();
    expect(final.error).toMatch(/out of memory/i);
    expect(final.logs).toContain('Traceback');
    expect(final.output).toBeNull();
    expect(final.metrics.image_count).toBeUndefined();
  });

  test('[sim:nsfw] fails as a safety-filter rejection in each family’s words', async ({ simulator }) => {
    const flux = await createPrediction(simulator, SCHNELL, { input: { prompt: 'something [sim:nsfw]' } });
    const imagen = await createPrediction(simulator, IMAGEN_FAST, { input: { prompt: 'something [sim:nsfw]' } });
    const fluxFinal = (await pollPrediction(simulator, flux.body.id)).final;
    const imagenFinal = (await pollPrediction(simulator, imagen.body.id)).final;
    expect(fluxFinal.status).toBe('failed');
    expect(fluxFinal.error).toMatch(/^NSFW content detected/);
    expect(imagenFinal.status).toBe('failed');
    expect(imagenFinal.error).toMatch(/flagged as sensitive.*E005/);
  });

  test('[sim:slow] stretches processing to 30 simulated seconds with progress throughout', async ({ simulator }) => {
    const tqdm = await createPrediction(simulator, SCHNELL, { input: { prompt: 'slow [sim:slow]' } });
    const plain = await createPrediction(simulator, IMAGEN_FAST, { input: { prompt: 'slow [sim:slow]' } });
    const [tqdmRun, plainRun] = await Promise.all([
      pollPrediction(simulator, tqdm.body.id, undefined, { intervalMs: 20 }),
      pollPrediction(simulator, plain.body.id, undefined, { intervalMs: 20 }),
    ]);
    for (const { final } of [tqdmRun, plainRun]) {
      expect(final.status).toBe('succeeded');
      const processingMs = Date.parse(final.completed_at!) - Date.parse(final.started_at!);
      expect(processingMs).toBeGreaterThanOrEqual(30_000 * SPEED * 0.95);
    }
    expect(new Set(tqdmRun.seen.map((state) => percentages(state.logs).at(-1))).size).toBeGreaterThanOrEqual(4);
    expect(plainRun.final.logs.match(/Still generating/g)).toHaveLength(5);
  });
});

describe('data removal', () => {
  test('removes output, input and logs one simulated hour after completion; files stop being served', async ({
    simulator,
  }) => {
    const created = await createPrediction(simulator, SCHNELL, { input: { prompt: 'ephemeral' } }, { prefer: 'wait' });
    const url = (created.body.output as string[])[0]!;
    expect((await fetch(url)).status).toBe(200);

    clockOffsetMs += 3600_000 * SPEED - 1_000;
    expect((await getPrediction(simulator, created.body.id)).data_removed).toBe(false);
    clockOffsetMs += 2_000;
    try {
      const removed = await getPrediction(simulator, created.body.id);
      expect(removed).toMatchObject({ data_removed: true, output: null, input: {}, logs: '', status: 'succeeded' });
      expect((await fetch(url)).status).toBe(404);
    } finally {
      clockOffsetMs = 0;
    }
  });
});
