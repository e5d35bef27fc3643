/** `GET /v1/predictions`: newest first, 100 a page, cursor links, date filters. */
import type { PredictionJson } from '../../src/simulator/index.ts';
import { describe, expect, test as base } from '../support/simulator-fixtures.ts';
import { call, createPrediction, expectProblem } from './helpers.ts';

interface Page {
  next: string | null;
  previous: string | null;
  results: PredictionJson[];
}

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const COUNT = 105;

let clock = T0;

const test = base
  /** Ids in creation order; prediction i was created at T0 + i seconds. */
  .extend('ids', { scope: 'file' }, async ({ simulator }) => {
    const ids: string[] = [];
    for (let index = 0; index < COUNT; index++) {
      clock = T0 + index * 1000;
      // [sim:cold] keeps them queued: listing does not care about their progress.
      const created = await createPrediction(simulator, 'black-forest-labs/flux-schnell', {
        input: { prompt: `prediction ${index} [sim:cold]` },
      });
      ids.push(created.body.id);
    }
    return ids;
  })
  /** Ids from `from` to `to` (exclusive), newest first. */
  .extend(
    'newestFirst',
    { scope: 'file' },
    ({ ids }) =>
      (from: number, to: number) =>
        ids.slice(from, to).reverse(),
  )
  /** One page, by query string or by a page's absolute link. */
  .extend('list', { scope: 'file' }, ({ simulator }) => async (urlOrQuery: string): Promise<Page> => {
    const url = urlOrQuery.startsWith('http') ? urlOrQuery : `${simulator.baseUrl}/predictions${urlOrQuery}`;
    const response = await call<Page>(simulator, 'GET', url);
    expect(response.status).toBe(200);
    return response.body;
  });

const idsOf = (page: Page): string[] => page.results.map((prediction) => prediction.id);

test.override('simulatorSetup', { now: () => clock });

describe('GET /v1/predictions', () => {
  test('pages newest first, 100 at a time, with absolute next/previous links', async ({
    simulator,
    list,
    newestFirst,
  }) => {
    const first = await list('');
    expect(idsOf(first)).toEqual(newestFirst(5, 105));
    expect(first.previous).toBeNull();
    expect(first.next).toMatch(new RegExp(`^${simulator.baseUrl}/predictions\\?cursor=`));

    const second = await list(first.next!);
    expect(idsOf(second)).toEqual(newestFirst(0, 5));
    expect(second.next).toBeNull();
    expect(second.previous).not.toBeNull();

    const back = await list(second.previous!);
    expect(idsOf(back)).toEqual(idsOf(first));
    expect(back.previous).toBeNull();
  });

  test('keeps cursors stable when predictions are created while paging', async ({ simulator, list, newestFirst }) => {
    const first = await list('');
    clock = T0 + 10 * 60_000;
    const late = await createPrediction(simulator, 'black-forest-labs/flux-schnell', {
      input: { prompt: 'late [sim:cold]' },
    });
    try {
      expect(idsOf(await list(first.next!))).toEqual(newestFirst(0, 5));
      expect(idsOf(await list('')).at(0)).toBe(late.body.id);
    } finally {
      await call(simulator, 'POST', `/v1/predictions/${late.body.id}/cancel`);
    }
  });

  test('filters with created_after (inclusive) and created_before (exclusive), carried into links', async ({
    list,
    newestFirst,
  }) => {
    const at = (seconds: number) => encodeURIComponent(new Date(T0 + seconds * 1000).toISOString());
    expect(idsOf(await list(`?created_after=${at(100)}&created_before=${at(105)}`))).toEqual(newestFirst(100, 105));
    expect(idsOf(await list(`?created_before=${at(3)}`))).toEqual(newestFirst(0, 3));

    const filtered = await list(`?created_before=${at(104)}`);
    expect(idsOf(filtered)).toEqual(newestFirst(4, 104));
    expect(new URL(filtered.next!).searchParams.get('created_before')).toBe(new Date(T0 + 104_000).toISOString());
    expect(idsOf(await list(filtered.next!))).toEqual(newestFirst(0, 4));
  });

  test('source=web lists nothing (every simulated prediction comes from the API)', async ({ list }) => {
    expect((await list('?source=web')).results).toEqual([]);
  });

  test('400 for malformed dates and cursors', async ({ simulator }) => {
    expectProblem(await call(simulator, 'GET', '/v1/predictions?created_after=yesterday'), 400);
    expectProblem(await call(simulator, 'GET', '/v1/predictions?cursor=bm9wZQ'), 400);
  });
});
