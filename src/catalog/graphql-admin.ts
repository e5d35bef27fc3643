/**
 * Admin mutations over the catalog: add a model from Replicate (per image or per second on a
 * hardware SKU, public or for named users), reprice, disable or enable it. Refusals are
 * BAD_USER_INPUT with `extensions.reason` (`ModelRefusalReason`) and write nothing. A change is
 * in force on every instance once its NOTIFY has been heard (`sync.ts`); this instance reloads
 * before answering, so the answer shows it.
 */
import { builder } from '../graphql/builder.ts';
import { localId } from '../graphql/global-ids.ts';
import { addModel, updateModel, type PriceStatement } from './admin.ts';
import { ImageModelRef } from './graphql.ts';
import { findModel, type ModelSpec } from './models.ts';
import { CatalogSync } from './sync.ts';
import type { GraphQLContext } from '../graphql/context.ts';

const AddModelInput = builder.inputType('AddModelInput', {
  fields: (t) => ({
    replicateModel: t.string({ required: true, description: 'owner/name (official) or owner/name:version.' }),
    slug: t.string({ required: true }),
    name: t.string({ required: false }),
    perImageUsd: t.field({ type: 'USD', required: false }),
    perSecondUsd: t.field({ type: 'USD', required: false }),
    hardware: t.string({ required: false, description: 'Replicate hardware SKU, e.g. gpu-h100.' }),
    maxSeconds: t.int({ required: false }),
    estimatedImageUsd: t.field({ type: 'USD', required: false }),
    priceSource: t.string({ required: false }),
    visibleToUserIds: t.idList({ required: false, description: 'Only these users may see and run it.' }),
    overrides: t.field({ type: 'JSON', required: false, description: 'What the schema cannot say.' }),
  }),
});

const UpdateModelInput = builder.inputType('UpdateModelInput', {
  fields: (t) => ({
    slug: t.string({ required: true }),
    enabled: t.boolean({ required: false }),
    perImageUsd: t.field({ type: 'USD', required: false }),
    maxSeconds: t.int({ required: false }),
    estimatedImageUsd: t.field({ type: 'USD', required: false }),
  }),
});

function priceStatementOf(input: {
  perImageUsd?: number | null;
  perSecondUsd?: number | null;
  hardware?: string | null;
  maxSeconds?: number | null;
}): PriceStatement | null {
  if (input.perImageUsd != null) return { perImageMicros: input.perImageUsd };
  if (input.perSecondUsd != null && input.hardware && input.maxSeconds != null) {
    return { perSecondMicros: input.perSecondUsd, hardware: input.hardware, maxSeconds: input.maxSeconds };
  }
  return null;
}

async function reloaded(context: GraphQLContext, slug: string): Promise<ModelSpec> {
  await new CatalogSync({ db: context.services.db, logger: context.logger }).reload();
  return findModel(slug)!;
}

builder.mutationFields((t) => ({
  addModel: t.withAuth({ admin: true }).field({
    type: ImageModelRef,
    description: 'Adds a Replicate model to the catalog (read from Replicate; refused with a reason, writing nothing).',
    args: { input: t.arg({ type: AddModelInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const visibleTo = (input.visibleToUserIds ?? []).map((id) => localId('User', String(id)) ?? String(id));
      await addModel(
        context.services,
        {
          ref: input.replicateModel,
          slug: input.slug,
          name: input.name,
          price: priceStatementOf(input),
          estimatedImageMicros: input.estimatedImageUsd,
          priceSource: input.priceSource,
          visibleToUserIds: visibleTo,
          overrides: (input.overrides ?? {}) as never,
        },
        'admin (GraphQL)',
      );
      return reloaded(context, input.slug);
    },
  }),
  updateModel: t.withAuth({ admin: true }).field({
    type: ImageModelRef,
    description: 'Reprices, disables or enables a model; generations already admitted keep their price.',
    args: { input: t.arg({ type: UpdateModelInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      await updateModel(
        context.services.db,
        input.slug,
        {
          ...(input.enabled == null ? {} : { enabled: input.enabled }),
          ...(input.perImageUsd == null ? {} : { perImageMicros: input.perImageUsd }),
          ...(input.maxSeconds == null ? {} : { maxSeconds: input.maxSeconds }),
          ...(input.estimatedImageUsd === undefined ? {} : { estimatedImageMicros: input.estimatedImageUsd }),
        },
        'admin (GraphQL)',
      );
      return reloaded(context, input.slug);
    },
  }),
}));
