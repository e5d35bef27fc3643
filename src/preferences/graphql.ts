/**
 * GraphQL for preferences: `rateImage`, `User.modelPreferences` (so `viewer.modelPreferences`) and
 * `resetModelPreferences`, and the operators' `modelQuality`. `GeneratedImage.id`/`rating` are
 * declared with the type (`generations/graphql.ts`; the rating's enum and loader in
 * `graphql-ratings.ts`). A user rates only their own images; anyone else's is NOT_FOUND, as if it
 * did not exist.
 */
import { UserRef } from '../auth/graphql.ts';
import { ImageModelRef } from '../catalog/graphql.ts';
import { findModel } from '../catalog/models.ts';
import type { UserRow } from '../db/types.ts';
import { GeneratedImageRef, imageIdOf } from '../generations/graphql.ts';
import { builder } from '../graphql/builder.ts';
import { beliefOf, evidenceInWords, type FeedbackCounts } from './estimator.ts';
import { ImageRatingEnum } from './graphql-ratings.ts';
import { modelQuality, type ModelQuality } from './quality.ts';
import { forgetPreferences, rateImage } from './store.ts';

const DAY_MS = 24 * 3600_000;

interface PreferenceEntry {
  readonly modelId: string;
  readonly counts: FeedbackCounts;
  readonly score: number;
  readonly evidence: string;
}

const ModelPreferenceRef = builder.objectRef<PreferenceEntry>('ModelPreference').implement({
  description:
    'What automatic choice has learned about one model for this user (docs/preferences.md): the signals and the expected preference.',
  fields: (t) => ({
    modelId: t.exposeString('modelId'),
    model: t.field({
      type: ImageModelRef,
      nullable: true,
      description: 'Null when the model has left the catalog.',
      resolve: (entry) => findModel(entry.modelId) ?? null,
    }),
    likes: t.int({ resolve: (entry) => entry.counts.like }),
    dislikes: t.int({ resolve: (entry) => entry.counts.dislike }),
    finalizes: t.int({ resolve: (entry) => entry.counts.finalize }),
    downloads: t.int({ resolve: (entry) => entry.counts.download }),
    cancels: t.int({
      description: 'Generations you canceled while they ran.',
      resolve: (entry) => entry.counts.cancel,
    }),
    score: t.float({
      description:
        'Expected preference, 0..1: the Beta posterior mean over your decayed signals with the fleet’s like rate as prior.',
      resolve: (entry) => entry.score,
    }),
    evidence: t.string({ description: 'The evidence in words.', resolve: (entry) => entry.evidence }),
  }),
});

builder.objectFields(UserRef, (t) => ({
  modelPreferences: t.field({
    type: [ModelPreferenceRef],
    description: 'Models this user has taught pixelgate about, best liked first (visible to the user and admins).',
    resolve: async (user: UserRow, _args, context) => {
      const preferences = await context.services.preferences.read(user.id);
      const elapsed = context.services.now().getTime() - preferences.readAt.getTime();
      return [...preferences.evidence.values()]
        .map((evidence) => ({
          modelId: evidence.modelId,
          counts: evidence.counts,
          score: beliefOf(evidence, preferences.fleet.get(evidence.modelId), elapsed).expected,
          evidence: evidenceInWords(findModel(evidence.modelId)?.name ?? evidence.modelId, evidence.counts),
        }))
        .sort((a, b) => b.score - a.score || a.modelId.localeCompare(b.modelId));
    },
  }),
}));

const ResetModelPreferencesPayload = builder
  .objectRef<{ forgotten: number }>('ResetModelPreferencesPayload')
  .implement({
    fields: (t) => ({
      forgottenSignals: t.int({ description: 'Ratings and signals deleted.', resolve: (payload) => payload.forgotten }),
    }),
  });

const ModelQualityRef = builder.objectRef<ModelQuality>('ModelQuality').implement({
  description: 'How one model did over the period (no user appears in any figure).',
  fields: (t) => ({
    modelId: t.exposeString('modelId'),
    model: t.field({ type: ImageModelRef, nullable: true, resolve: (row) => findModel(row.modelId) ?? null }),
    runs: t.int({ description: 'Generations that ended (cache hits are not runs).', resolve: (row) => row.runs }),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    canceled: t.exposeInt('canceled'),
    successRate: t.float({ nullable: true, resolve: (row) => (row.runs === 0 ? null : row.succeeded / row.runs) }),
    failureRate: t.float({ nullable: true, resolve: (row) => (row.runs === 0 ? null : row.failed / row.runs) }),
    likes: t.exposeInt('likes'),
    dislikes: t.exposeInt('dislikes'),
    likeRate: t.float({
      nullable: true,
      description: 'Likes over ratings given in the period; null without ratings.',
      resolve: (row) => (row.likes + row.dislikes === 0 ? null : row.likes / (row.likes + row.dislikes)),
    }),
    firstImageP50Seconds: t.float({ nullable: true, resolve: (row) => row.firstImageP50Seconds }),
    firstImageP95Seconds: t.float({ nullable: true, resolve: (row) => row.firstImageP95Seconds }),
    typicalCostPerImageUsd: t.field({
      type: 'USD',
      nullable: true,
      description: 'Settled cost over images produced by successful runs (the measured typical cost).',
      resolve: (row) => row.costPerImageMicros,
    }),
  }),
});

builder.queryFields((t) => ({
  modelQuality: t.withAuth({ admin: true }).field({
    type: [ModelQualityRef],
    description: 'Per model over [since, until) (default: the last 30 days, at most 366 days): admin only.',
    args: {
      since: t.arg({ type: 'DateTime', required: false }),
      until: t.arg({ type: 'DateTime', required: false }),
    },
    resolve: (_root, args, context) => {
      const until = args.until ?? context.services.now();
      const since = args.since ?? new Date(until.getTime() - 30 * DAY_MS);
      return modelQuality(context.services.db, since, until);
    },
  }),
}));

builder.mutationFields((t) => ({
  rateImage: t.withAuth({ user: true }).field({
    type: GeneratedImageRef,
    description:
      'Rates one of your images (LIKE or DISLIKE replaces an earlier rating, NONE withdraws it); automatic model choice learns from it. Anyone else’s image is NOT_FOUND.',
    args: {
      imageId: t.arg.id({ required: true }),
      rating: t.arg({ type: ImageRatingEnum, required: true }),
    },
    resolve: async (_root, { imageId, rating }, context) => {
      const { userId } = context.viewer;
      const image = await rateImage(context.services.db, {
        userId,
        imageId: imageIdOf(imageId),
        rating,
        now: context.services.now(),
      });
      context.services.preferences.invalidate(userId);
      return image;
    },
  }),
  resetModelPreferences: t.withAuth({ user: true }).field({
    type: ResetModelPreferencesPayload,
    description: 'Forgets what automatic choice learned about you: every rating and implicit signal.',
    resolve: async (_root, _args, context) => {
      const { userId } = context.viewer;
      const forgotten = await forgetPreferences(context.services.db, userId);
      context.services.preferences.invalidate(userId);
      return { forgotten };
    },
  }),
}));
