/**
 * Admin mutations over the catalog: add a model from Replicate (per image or per second on a
 * hardware SKU, public or for named users), reprice, disable or enable it. Refusals are
 * BAD_USER_INPUT with `extensions.reason` (`ModelRefusalReason`) and write nothing. A change is
 * in force on every instance once its NOTIFY has been heard (`sync.ts`); this instance reloads
 * before answering, so the answer shows it.
 */
import { builder } from '../graphql/builder.ts';
import { badUserInput } from '../graphql/errors.ts';
import { localId } from '../graphql/global-ids.ts';
import {
  addModel,
  catalogChanges,
  setHardwareRate,
  updateModel,
  type CatalogChange,
  type PriceStatement,
} from './admin.ts';
import { hardwareRates, type HardwareRate } from './store.ts';
import { ImageModelRef } from './graphql.ts';
import { findModel, type ModelSpec } from './models.ts';
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

const HardwareRateRef = builder.objectRef<HardwareRate>('HardwareRate').implement({
  description: 'Replicate’s price of a second on a hardware SKU: the operator’s statement, with its source and date.',
  fields: (t) => ({
    sku: t.exposeString('sku', { description: 'Replicate’s hardware SKU, e.g. gpu-h100.' }),
    name: t.exposeString('name'),
    perSecondUsd: t.field({ type: 'USD', resolve: (rate) => rate.micros_per_second }),
    source: t.exposeString('source', { description: 'Where the rate was read.' }),
    asOf: t.exposeString('as_of', { description: 'The date the rate was read as of (YYYY-MM-DD).' }),
    updatedAt: t.field({ type: 'DateTime', resolve: (rate) => rate.updated_at }),
  }),
});

const CatalogChangeRef = builder.objectRef<CatalogChange>('CatalogChange').implement({
  description: 'One change to the catalog: who, when, the row before and after.',
  fields: (t) => ({
    id: t.id({ resolve: (change) => String(change.id) }),
    subject: t.exposeString('subject', { description: '`model:<slug>` or `hardware:<sku>`.' }),
    actor: t.exposeString('actor'),
    changedAt: t.field({ type: 'DateTime', resolve: (change) => change.changed_at }),
    before: t.field({ type: 'JSON', nullable: true, description: 'Null when it was added.', resolve: (c) => c.before }),
    after: t.field({ type: 'JSON', nullable: true, resolve: (change) => change.after }),
  }),
});

const SetHardwareRateInput = builder.inputType('SetHardwareRateInput', {
  fields: (t) => ({
    sku: t.string({ required: true }),
    perSecondUsd: t.field({ type: 'USD', required: true }),
    source: t.string({ required: true, description: 'Where the rate was read, e.g. replicate.com/pricing.' }),
    asOf: t.string({ required: true, description: 'The date the rate was read as of (YYYY-MM-DD), not after today.' }),
  }),
});

/** `catalogChanges(last:)`: 50 unless asked, at most 500. */
const MAX_CHANGES = 500;

builder.queryFields((t) => ({
  hardwareRates: t.withAuth({ admin: true }).field({
    type: [HardwareRateRef],
    description: 'The rate table time-billed models are priced from, cheapest first.',
    complexity: { field: 1, multiplier: 32 },
    resolve: (_root, _args, context) => hardwareRates(context.services.db),
  }),
  catalogChanges: t.withAuth({ admin: true }).field({
    type: [CatalogChangeRef],
    description: 'Changes to models and hardware rates, newest first.',
    args: {
      subject: t.arg.string({ required: false, description: '`model:<slug>` or `hardware:<sku>`.' }),
      last: t.arg.int({ required: false, defaultValue: 50, description: `At most ${MAX_CHANGES}.` }),
    },
    complexity: (args) => ({ field: 1, multiplier: Math.min(Math.max(args.last ?? 50, 1), MAX_CHANGES) }),
    resolve: (_root, args, context) => {
      const last = args.last ?? 50;
      if (!Number.isInteger(last) || last < 1 || last > MAX_CHANGES) {
        throw badUserInput(`last must be from 1 to ${MAX_CHANGES}.`, [
          { path: 'last', message: `must be from 1 to ${MAX_CHANGES}` },
        ]);
      }
      return catalogChanges(context.services.db, { subject: args.subject, limit: last });
    },
  }),
}));

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
  await context.services.catalog.reload();
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
          overrides: input.overrides,
        },
        'admin (GraphQL)',
      );
      return reloaded(context, input.slug);
    },
  }),
  setHardwareRate: t.withAuth({ admin: true }).field({
    type: HardwareRateRef,
    description:
      'Changes a hardware rate (with its source and as-of date); models on it are priced at the new rate from the ' +
      'next admission, generations already admitted keep theirs.',
    args: { input: t.arg({ type: SetHardwareRateInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { sku, perSecondUsd, source, asOf } = input;
      const rate = await setHardwareRate(
        context.services.db,
        { sku, microsPerSecond: perSecondUsd, source, asOf },
        'admin (GraphQL)',
        context.services.now(),
      );
      await context.services.catalog.reload();
      return rate;
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
