/**
 * Users teach pixelgate what they like (issue 26), end to end over real Postgres and the simulator:
 * ratings only on one's own images, a disliked model stops being chosen when an equally priced one
 * exists, a liked one is chosen within a handful of ratings and the reason says so, implicit
 * signals are recorded where they happen, reset forgets, and two instances agree after a rating.
 */
import { sql } from 'kysely';
import type { Db } from '../../src/db/index.ts';
import { graphql } from '../gql/index.ts';
import { eventually } from '../generations/helpers.ts';
import { finalize, generate, getGeneration, traces, waitForEnd } from '../generations/start-helpers.ts';
import type { Gateway } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { recordDownload } from '../../src/preferences/store.ts';

const ImagesDocument = graphql(`
  query PreferenceImages($id: ID!) {
    generation(id: $id) {
      status
      images {
        id
        url
        rating
      }
    }
  }
`);

const RateImageDocument = graphql(`
  mutation RateImage($imageId: ID!, $rating: ImageRating!) {
    rateImage(imageId: $imageId, rating: $rating) {
      id
      rating
    }
  }
`);

const ModelPreferencesDocument = graphql(`
  query ModelPreferences {
    viewer {
      modelPreferences {
        modelId
        likes
        dislikes
        finalizes
        downloads
        cancels
        score
        evidence
      }
    }
  }
`);

const ResetDocument = graphql(`
  mutation ResetModelPreferences {
    resetModelPreferences {
      forgottenSignals
    }
  }
`);

const CancelDocument = graphql(`
  mutation CancelForPreferences($id: ID!) {
    cancelGeneration(id: $id) {
      status
    }
  }
`);

const QualityDocument = graphql(`
  query ModelQualityFigures($since: DateTime, $until: DateTime) {
    modelQuality(since: $since, until: $until) {
      modelId
      runs
      succeeded
      failed
      successRate
      likes
      dislikes
      likeRate
      firstImageP50Seconds
      firstImageP95Seconds
      typicalCostPerImageUsd
    }
  }
`);

/** Moderate: FLUX 1.1 Pro (rank 6) is the quality order's pick, Imagen 4 costs the same, FLUX Dev less. */
const MODERATE = 'a cat with a hat and a scarf, sitting on a sofa';

async function imagesOf(gateway: Gateway, key: string, modelId: string, prompt = 'a quiet harbour at dawn') {
  const started = await generate(gateway, key, { modelId, prompt });
  expect(started.errors).toBeUndefined();
  await waitForEnd(gateway, key, started.data!.id);
  const { data } = await gateway.app.graphql(ImagesDocument, { id: started.data!.id }, key);
  return data!.generation!.images;
}

async function rate(gateway: Gateway, key: string, imageId: string, rating: 'LIKE' | 'DISLIKE' | 'NONE') {
  return gateway.app.graphql(RateImageDocument, { imageId, rating }, key);
}

async function rateModel(gateway: Gateway, key: string, modelId: string, rating: 'LIKE' | 'DISLIKE', times: number) {
  for (let round = 0; round < times; round++) {
    const [image] = await imagesOf(gateway, key, modelId, `${modelId} study number ${round}`);
    expect((await rate(gateway, key, image!.id, rating)).errors).toBeUndefined();
  }
}

async function feedbackRows(db: Db, userId: string) {
  const { rows } = await sql<{ model_id: string; kind: string }>`
    select model_id, kind from model_feedback where user_id = ${userId} order by id`.execute(db);
  return rows;
}

/**
 * Every user's ratings are every other user's prior: each test starts from a fleet that rated
 * nothing (an automatic per-test fixture).
 */
const test = base.extend('noFeedback', { auto: true }, async ({ gateway }) => {
  await sql`truncate model_feedback`.execute(gateway.db);
});

describe('model preferences', () => {
  test('rates only your own images: LIKE, replaced by DISLIKE, withdrawn by NONE; others are NOT_FOUND', async ({
    gateway,
    newUser,
  }) => {
    const owner = await newUser({ dailyBudgetMicros: 10_000_000 });
    const stranger = await newUser({ dailyBudgetMicros: 10_000_000 });
    const [image] = await imagesOf(gateway, owner.key, 'flux-schnell');
    expect(image!.rating).toBe('NONE');

    expect((await rate(gateway, owner.key, image!.id, 'LIKE')).data?.rateImage).toEqual({
      id: image!.id,
      rating: 'LIKE',
    });
    expect((await rate(gateway, owner.key, image!.id, 'DISLIKE')).data?.rateImage.rating).toBe('DISLIKE');
    expect(await feedbackRows(gateway.db, owner.userId)).toEqual([{ model_id: 'flux-schnell', kind: 'dislike' }]);

    // Someone else's image is answered like one that does not exist, and nothing changes.
    const refused = await rate(gateway, stranger.key, image!.id, 'LIKE');
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(refused.errors?.[0]?.message).toBe(`GeneratedImage ${image!.id} was not found.`);
    const unknown = await rate(gateway, stranger.key, 'R2VuZXJhdGVkSW1hZ2U6bm90LWEtdXVpZA==', 'LIKE');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await feedbackRows(gateway.db, stranger.userId)).toEqual([]);
    expect(await feedbackRows(gateway.db, owner.userId)).toEqual([{ model_id: 'flux-schnell', kind: 'dislike' }]);
    const strangerView = await gateway.app.graphql(ModelPreferencesDocument, {}, stranger.key);
    expect(strangerView.data!.viewer!.modelPreferences).toEqual([]);

    expect((await rate(gateway, owner.key, image!.id, 'NONE')).data?.rateImage.rating).toBe('NONE');
    expect(await feedbackRows(gateway.db, owner.userId)).toEqual([]);
  });

  test('stops choosing a disliked model when an equally priced one exists, and says why', async ({
    gateway,
    newUser,
  }) => {
    const user = await newUser({ dailyBudgetMicros: 10_000_000 });
    const before = await generate(gateway, user.key, { prompt: MODERATE, iterations: 1 });
    expect(before.data!.model.id).toBe('flux-1.1-pro');

    await rateModel(gateway, user.key, 'flux-1.1-pro', 'DISLIKE', 2);
    const after = await generate(gateway, user.key, { prompt: MODERATE, iterations: 1 });
    expect(after.data!.model.id).toBe('imagen-4');
    expect(after.data!.selectionReason).toContain('you liked 0 of 2 FLUX 1.1 Pro images');
  });

  test('chooses a liked model within a handful of ratings, and reset forgets', async ({ gateway, newUser }) => {
    const user = await newUser({ dailyBudgetMicros: 10_000_000 });
    await rateModel(gateway, user.key, 'flux-dev', 'LIKE', 2);
    await rateModel(gateway, user.key, 'flux-1.1-pro', 'DISLIKE', 1);
    const chosen = await generate(gateway, user.key, { prompt: MODERATE, iterations: 1 });
    expect(chosen.data!.model.id).toBe('flux-dev');
    expect(chosen.data!.selectionReason).toMatch(
      /^Picked FLUX Dev over FLUX 1\.1 Pro: you liked 2 of 2 FLUX Dev images/,
    );

    const { data } = await gateway.app.graphql(ModelPreferencesDocument, {}, user.key);
    const preferences = data!.viewer!.modelPreferences;
    expect(preferences.map((entry) => [entry.modelId, entry.likes, entry.dislikes])).toEqual([
      ['flux-dev', 2, 0],
      ['flux-1.1-pro', 0, 1],
    ]);
    expect(preferences[0]!.score).toBeGreaterThan(0.7);
    expect(preferences[1]!.score).toBeLessThan(0.5);

    const reset = await gateway.app.graphql(ResetDocument, {}, user.key);
    expect(reset.data!.resetModelPreferences.forgottenSignals).toBe(3);
    const after = await gateway.app.graphql(ModelPreferencesDocument, {}, user.key);
    expect(after.data!.viewer!.modelPreferences).toEqual([]);
    const again = await generate(gateway, user.key, { prompt: MODERATE, iterations: 1 });
    expect(again.data!.model.id).toBe('flux-1.1-pro');
    expect(again.data!.selectionReason).toMatch(/^Picked FLUX 1\.1 Pro: the best model for a moderate prompt/);
  });

  test('finalizes without a model on the final model the user likes, and says why', async ({ gateway, newUser }) => {
    const user = await newUser({ dailyBudgetMicros: 10_000_000 });
    await rateModel(gateway, user.key, 'flux-dev', 'LIKE', 2);
    await rateModel(gateway, user.key, 'flux-1.1-pro-ultra', 'DISLIKE', 1);
    const preview = await generate(gateway, user.key, { mode: 'PREVIEW', prompt: 'a lighthouse', count: 2 });
    await waitForEnd(gateway, user.key, preview.data!.id);
    const final = await finalize(gateway, user.key, { previewId: preview.data!.id, imageIndex: 1 });
    expect(final.errors).toBeUndefined();
    expect(final.data!.model.id).toBe('flux-dev');
    expect(final.data!.selectionReason).toMatch(
      /^Finalized on FLUX Dev over FLUX 1\.1 Pro Ultra: you liked 2 of 2 FLUX Dev images, and you liked 0 of 1 FLUX 1\.1 Pro Ultra image \(expected preference \d+ % against \d+ %\); your remaining budget of [\d.]+ USD allows it\.$/,
    );
  });

  test('records implicit signals where they happen: finalize, download, cancel while running', async ({
    gateway,
    newUser,
  }) => {
    const user = await newUser({ dailyBudgetMicros: 10_000_000 });
    const preview = await generate(gateway, user.key, { mode: 'PREVIEW', prompt: 'a lighthouse', count: 2 });
    await waitForEnd(gateway, user.key, preview.data!.id);
    const final = await finalize(gateway, user.key, {
      previewId: preview.data!.id,
      imageIndex: 1,
      modelId: 'flux-dev',
    });
    expect(final.errors).toBeUndefined();
    await waitForEnd(gateway, user.key, final.data!.id);
    const { data } = await gateway.app.graphql(ImagesDocument, { id: final.data!.id }, user.key);
    const url = data!.generation!.images[0]!.url;
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${url}?download=1`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
      await response.arrayBuffer();
    }
    // A plain view of the image is not a download.
    await (await fetch(url)).arrayBuffer();

    // Cold and slow: 60 + 30 simulated seconds upstream, so it is seen running before it ends.
    const slow = await generate(gateway, user.key, {
      modelId: 'imagen-4',
      prompt: 'a slow storm [sim:cold] [sim:slow]',
    });
    await gateway.waitFor(user.key, slow.data!.id, (g) => g.status === 'STARTING' || g.status === 'PROCESSING');
    const canceled = await gateway.app.graphql(CancelDocument, { id: slow.data!.id }, user.key);
    expect(canceled.data!.cancelGeneration.status).toBe('CANCELED');

    expect(await feedbackRows(gateway.db, user.userId)).toEqual([
      { model_id: 'flux-dev', kind: 'finalize' },
      { model_id: 'flux-dev', kind: 'download' },
      { model_id: 'imagen-4', kind: 'cancel' },
    ]);
    const view = await gateway.app.graphql(ModelPreferencesDocument, {}, user.key);
    const dev = view.data!.viewer!.modelPreferences.find((entry) => entry.modelId === 'flux-dev')!;
    expect(dev).toMatchObject({ finalizes: 1, downloads: 1, likes: 0 });
    expect(dev.evidence).toContain('finalized with it once');
  });

  test('counts a print file requested like a download of its image, once per image', async ({ gateway, newUser }) => {
    const user = await newUser({ dailyBudgetMicros: 10_000_000 });
    const [image] = await imagesOf(gateway, user.key, 'imagen-4-ultra', 'a poster of a fox');
    const imageRowId = Buffer.from(image!.id, 'base64').toString('utf8').split(':')[1]!;
    const { rows } = await sql<{ storage_key: string }>`
      update images set print_storage_key = 'prints/fox-600x800-300dpi.png', print_width = 600, print_height = 800,
        print_dpi = 300, print_bytes = 1234
      where generation_id = (select generation_id from images where id = ${imageRowId})
      returning storage_key`.execute(gateway.db);
    // What the image route does for any key it serves with ?download=1, the print file's included.
    await recordDownload(gateway.db, 'prints/fox-600x800-300dpi.png', new Date());
    expect(await feedbackRows(gateway.db, user.userId)).toEqual([{ model_id: 'imagen-4-ultra', kind: 'download' }]);
    await recordDownload(gateway.db, rows[0]!.storage_key, new Date());
    await recordDownload(gateway.db, 'prints/fox-600x800-300dpi.png', new Date());
    expect(await feedbackRows(gateway.db, user.userId)).toEqual([{ model_id: 'imagen-4-ultra', kind: 'download' }]);
    // A key nobody stored is no one's signal.
    await recordDownload(gateway.db, 'prints/unknown.png', new Date());
    expect(await feedbackRows(gateway.db, user.userId)).toHaveLength(1);
  });

  test('writes a finalize or cancel signal in the same transaction as the final or the cancel', async ({
    gateway,
    newUser,
  }) => {
    const user = await newUser({ dailyBudgetMicros: 10_000_000 });
    const preview = await generate(gateway, user.key, { mode: 'PREVIEW', prompt: 'a windmill', count: 2 });
    await waitForEnd(gateway, user.key, preview.data!.id);
    const slow = await generate(gateway, user.key, {
      modelId: 'imagen-4',
      prompt: 'a slow storm [sim:cold] [sim:slow]',
    });
    await gateway.waitFor(user.key, slow.data!.id, (g) => g.status === 'STARTING' || g.status === 'PROCESSING');

    // While the signals cannot be written, neither can what they are about: no final is admitted
    // (no generation, hold or ledger row) and the running generation is not canceled.
    await sql`
      create function refuse_signal() returns trigger language plpgsql as $$
        begin raise exception 'signal refused'; end $$;
      create trigger refuse_signal before insert on model_feedback for each row
        when (new.kind in ('finalize', 'cancel')) execute function refuse_signal();
    `.execute(gateway.db);
    const before = await traces(gateway.db, user.userId);
    const refused = await finalize(gateway, user.key, { previewId: preview.data!.id, imageIndex: 0 });
    expect(refused.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const notCanceled = await gateway.app.graphql(CancelDocument, { id: slow.data!.id }, user.key);
    expect(notCanceled.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(await traces(gateway.db, user.userId)).toEqual(before);
    expect((await getGeneration(gateway, user.key, slow.data!.id)).status).toMatch(/^(STARTING|PROCESSING)$/);
    await sql`drop trigger refuse_signal on model_feedback; drop function refuse_signal()`.execute(gateway.db);

    const final = await finalize(gateway, user.key, { previewId: preview.data!.id, imageIndex: 0 });
    expect(final.errors).toBeUndefined();
    const canceled = await gateway.app.graphql(CancelDocument, { id: slow.data!.id }, user.key);
    expect(canceled.data!.cancelGeneration.status).toBe('CANCELED');
    expect(await feedbackRows(gateway.db, user.userId)).toEqual([
      { model_id: final.data!.model.id, kind: 'finalize' },
      { model_id: 'imagen-4', kind: 'cancel' },
    ]);
  });

  test('two instances agree on a preference after a rating on either', async ({ env, gateway, newUser }) => {
    const second = await env.startGateway();
    const user = await newUser({ dailyBudgetMicros: 10_000_000 });
    // The second instance caches what it knows first (nothing), then hears of the ratings.
    const cold = await generate(second, user.key, { prompt: MODERATE, iterations: 1 });
    expect(cold.data!.model.id).toBe('flux-1.1-pro');
    await rateModel(gateway, user.key, 'flux-dev', 'LIKE', 2);
    await rateModel(gateway, user.key, 'flux-1.1-pro', 'DISLIKE', 1);

    // Scores decay by the second (a 30-day half-life): instances agree to 4 decimals.
    const scores = async (gateway: typeof second) =>
      (await gateway.app.graphql(ModelPreferencesDocument, {}, user.key)).data!.viewer!.modelPreferences.map(
        (entry) => ({ ...entry, score: entry.score.toFixed(4) }),
      );
    const first = await scores(gateway);
    await eventually(
      () => scores(second),
      (seen) => JSON.stringify(seen) === JSON.stringify(first),
      5_000,
    );
    const learned = await generate(second, user.key, { prompt: MODERATE, iterations: 1 });
    expect(learned.data!.model.id).toBe('flux-dev');

    // And the other way round: a rating withdrawn on the second reaches the first.
    const [image] = await imagesOf(gateway, user.key, 'flux-dev', 'one more study');
    await rate(second, user.key, image!.id, 'LIKE');
    await eventually(
      () => scores(gateway),
      (seen) => seen.find((entry) => entry.modelId === 'flux-dev')?.likes === 3,
      5_000,
    );
  });

  test('shows operators each model’s runs, like rate, time to first image and typical cost', async ({
    gateway,
    newUser,
    admin,
  }) => {
    const user = await newUser({ dailyBudgetMicros: 10_000_000 });
    await rateModel(gateway, user.key, 'seedream-4', 'LIKE', 2);
    await rateModel(gateway, user.key, 'seedream-4', 'DISLIKE', 1);
    const asOperator = await admin(QualityDocument, {});
    expect(asOperator.errors).toBeUndefined();
    const seedream = asOperator.data!.modelQuality.find((row) => row.modelId === 'seedream-4')!;
    expect(seedream).toMatchObject({ runs: 3, succeeded: 3, failed: 0, successRate: 1, likes: 2, dislikes: 1 });
    expect(seedream.likeRate).toBeCloseTo(2 / 3);
    expect(seedream.typicalCostPerImageUsd).toBe('0.03');
    expect(seedream.firstImageP50Seconds).toBeGreaterThan(0);
    expect(seedream.firstImageP95Seconds).toBeGreaterThanOrEqual(seedream.firstImageP50Seconds!);

    const asUser = await gateway.app.graphql(QualityDocument, {}, user.key);
    expect(asUser.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooLong = await admin(QualityDocument, { since: '2020-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const metrics = await (await fetch(`${gateway.app.url}/metrics`)).text();
    expect(metrics).toMatch(/pixelgate_model_like_ratio\{model="seedream-4"\} 0\.66/);
    expect(metrics).toMatch(/pixelgate_model_cost_per_image_usd\{model="seedream-4"\} 0\.03/);
    expect(metrics).not.toContain(user.userId);
  });
});
