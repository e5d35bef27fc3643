/** `GET /v1/predictions`: newest first, 100 a page, cursor links, date filters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type PredictionJson, type RunningSimulator } from '../../src/simulator/index.ts';
import { call, createPrediction, expectProblem } from './helpers.ts';

interface Page {
  next: string | null;
  previous: string | null;
  results: PredictionJson[];
}

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const COUNT = 105;

let sim: RunningSimulator;
let clock = T0;
/** Ids in creation order; prediction i was created at T0 + i seconds. */
const ids: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: 0.02, now: () => clock });
  for (let index = 0; index < COUNT; index++) {
    clock = T0 + index * 1000;
    // [sim:cold] keeps them queued: listing does not care about their progress.
    const created = await createPrediction(sim, 'black-forest-labs/flux-schnell', {
      input: { prompt: `prediction ${index} [sim:cold]` },
    });
    ids.push(created.body.id);
  }
});

afterAll(async () => {
  await sim.close();
});

async function list(urlOrQuery: string): Promise<Page> {
  const url = urlOrQuery.startsWith('http') ? urlOrQuery : `${sim.baseUrl}/predictions${urlOrQuery}`;
  const response = await call<Page>(sim, 'GET', url);
  expect(response.status).toBe(200);
  return response.body;
}

const idsOf = (page: Page): string[] => page.results.map((prediction) => prediction.id);
const newestFirst = (from: number, to: number): string[] => ids.slice(from, to).reverse();

describe('GET /v1/predictions', () => {
  it('pages newest first, 100 at a time, with absolute next/previous links', async () => {
    const first = await list('');
    expect(idsOf(first)).toEqual(newestFirst(5, 105));
    expect(first.previous).toBeNull();
    expect(first.next).toMatch(new RegExp(`^${sim.baseUrl}/predictions\\?cursor=`));

    const second = await list(first.next!);
    expect(idsOf(second)).toEqual(newestFirst(0, 5));
    expect(second.next).toBeNull();
    expect(second.previous).not.toBeNull();

    const back = await list(second.previous!);
    expect(idsOf(back)).toEqual(idsOf(first));
    expect(back.previous).toBeNull();
  });

  it('keeps cursors stable when predictions are created while paging', async () => {
    const first = await list('');
    clock = T0 + 10 * 60_000;
    const late = await createPrediction(sim, 'black-forest-labs/flux-schnell', {
      input: { prompt: 'late [sim:cold]' },
    });
    try {
      expect(idsOf(await list(first.next!))).toEqual(newestFirst(0, 5));
      expect(idsOf(await list('')).at(0)).toBe(late.body.id);
    } finally {
      await call(sim, 'POST', `/v1/predictions/${late.body.id}/cancel`);
    }
  });

  it('filters with created_after (inclusive) and created_before (exclusive), carried into links', async () => {
    const at = (seconds: number) => encodeURIComponent(new Date(T0 + seconds * 1000).toISOString());
    expect(idsOf(await list(`?created_after=${at(100)}&created_before=${at(105)}`))).toEqual(newestFirst(100, 105));
    expect(idsOf(await list(`?created_before=${at(3)}`))).toEqual(newestFirst(0, 3));

    const filtered = await list(`?created_before=${at(104)}`);
    expect(idsOf(filtered)).toEqual(newestFirst(4, 104));
    expect(new URL(filtered.next!).searchParams.get('created_before')).toBe(new Date(T0 + 104_000).toISOString());
    expect(idsOf(await list(filtered.next!))).toEqual(newestFirst(0, 4));
  });

  it('source=web lists nothing (every simulated prediction comes from the API)', async () => {
    expect((await list('?source=web')).results).toEqual([]);
  });

  it('400 for malformed dates and cursors', async () => {
    expectProblem(await call(sim, 'GET', '/v1/predictions?created_after=yesterday'), 400);
    expectProblem(await call(sim, 'GET', '/v1/predictions?cursor=bm9wZQ'), 400);
  });
});
