/**
 * GraphQL for the admin reports: `usage` (grouped), the connections `generationCosts` and
 * `ledgerEntries` (keyset pages, newest first) and `ledgerReport`. Users referenced from rows load
 * through the User node's dataloader, so a page of 500 rows costs the same statements as one.
 */
import { UserRef } from '../auth/graphql.ts';
import { ImageModelRef, PriceKindEnum } from '../catalog/graphql.ts';
import type { PriceRule } from '../catalog/price-rule.ts';
import { findModel } from '../catalog/models.ts';
import { builder } from '../graphql/builder.ts';
import { pageCost, resolveKeysetConnection, type PageRules } from '../graphql/connections.ts';
import { badUserInput } from '../graphql/errors.ts';
import { globalId } from '../graphql/global-ids.ts';
import { LedgerEntryRef, optionalUserId } from './graphql.ts';
import { ledgerEntriesFor, verifyLedger, type LedgerEntry, type LedgerReport } from './ledger.ts';
import { generationCosts, usageReport, type GenerationCost, type UsageGroupBy, type UsageReportRow } from './usage.ts';

const MAX_REPORT_DAYS = 366;
/** The admin lists: 100 rows a page unless asked, at most 500. */
const GENERATION_COSTS_PAGE: PageRules = {
  defaultSize: 100,
  maxSize: 500,
  sizeMessage: 'must be from 1 to 500',
  id: /^[0-9a-f-]{36}$/i,
};
const LEDGER_PAGE: PageRules = { ...GENERATION_COSTS_PAGE, id: /^\d{1,19}$/ };

const UsageGroupByEnum = builder.enumType('UsageGroupBy', {
  values: {
    USER: { value: 'user' },
    MODEL: { value: 'model' },
    DAY: { value: 'day', description: 'UTC day.' },
    PRICING: {
      value: 'pricing',
      description: 'How the generation was billed: per image or per second (the rule it was admitted under).',
    },
  } as const,
});

const UsageRowRef = builder.objectRef<UsageReportRow & { groupBy: UsageGroupBy }>('UsageRow').implement({
  description: 'Generations created in the range, grouped; money from the ledger (settled holds).',
  fields: (t) => ({
    key: t.string({
      description: 'The user’s global id, the model slug, the UTC day (YYYY-MM-DD) or the pricing kind.',
      resolve: (row) => (row.groupBy === 'user' ? globalId('User', row.key) : row.key),
    }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: 'Grouped by USER: the user.',
      resolve: (row) => (row.groupBy === 'user' ? row.key : null),
    }),
    model: t.field({
      type: ImageModelRef,
      nullable: true,
      description: 'Grouped by MODEL: the model.',
      resolve: (row) => (row.groupBy === 'model' ? (findModel(row.key) ?? null) : null),
    }),
    day: t.string({ nullable: true, resolve: (row) => (row.groupBy === 'day' ? row.key : null) }),
    pricing: t.field({
      type: PriceKindEnum,
      nullable: true,
      description: 'Grouped by PRICING: per image or per second.',
      resolve: (row) => (row.groupBy === 'pricing' ? (row.key as PriceRule['kind']) : null),
    }),
    generations: t.exposeInt('generations'),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    canceled: t.exposeInt('canceled'),
    active: t.exposeInt('active'),
    successRate: t.float({
      nullable: true,
      description: 'succeeded ÷ (succeeded + failed); canceled generations are left out. Null when none finished.',
      resolve: (row) => (row.succeeded + row.failed === 0 ? null : row.succeeded / (row.succeeded + row.failed)),
    }),
    images: t.exposeInt('images'),
    costUsd: t.field({ type: 'USD', resolve: (row) => row.costMicros }),
    heldUsd: t.field({
      type: 'USD',
      description: 'Still held for unfinished generations.',
      resolve: (row) => row.heldMicros,
    }),
    adjustedUsd: t.field({
      type: 'USD',
      description: 'Adjustments in the range (by USER or DAY; 0 by MODEL).',
      resolve: (row) => row.adjustedMicros,
    }),
    averageProcessingSeconds: t.float({ nullable: true, resolve: (row) => row.averageProcessingSeconds }),
  }),
});

const HoldStateEnum = builder.enumType('HoldState', {
  values: { HELD: { value: 'held' }, SETTLED: { value: 'settled' }, RELEASED: { value: 'released' } } as const,
});

const GenerationCostRef = builder.objectRef<GenerationCost>('GenerationCost').implement({
  description: 'One generation with what it held and what it cost.',
  fields: (t) => ({
    generationId: t.id({ resolve: (row) => globalId('Generation', row.generationId) }),
    status: t.exposeString('status'),
    user: t.field({ type: UserRef, resolve: (row) => row.userId }),
    model: t.field({ type: ImageModelRef, nullable: true, resolve: (row) => findModel(row.modelId) ?? null }),
    imagesRequested: t.exposeInt('imageCount'),
    images: t.exposeInt('images'),
    estimatedCostUsd: t.field({ type: 'USD', resolve: (row) => row.estimatedCostMicros }),
    holdState: t.field({ type: HoldStateEnum, nullable: true, resolve: (row) => row.holdState }),
    heldUsd: t.field({ type: 'USD', nullable: true, resolve: (row) => row.heldMicros }),
    chargedUsd: t.field({
      type: 'USD',
      nullable: true,
      description: 'Null while the hold is open.',
      resolve: (row) => row.chargedMicros,
    }),
    processingSeconds: t.float({ nullable: true, resolve: (row) => row.processingSeconds }),
    createdAt: t.field({ type: 'DateTime', resolve: (row) => row.createdAt }),
    completedAt: t.field({ type: 'DateTime', nullable: true, resolve: (row) => row.completedAt }),
  }),
});

const LedgerTotalsRef = builder.objectRef<LedgerReport['totals']>('LedgerTotals').implement({
  fields: (t) => ({
    entries: t.exposeInt('entries'),
    holds: t.exposeInt('holds'),
    openHolds: t.exposeInt('openHolds'),
    windows: t.exposeInt('windows'),
    heldUsd: t.field({ type: 'USD', resolve: (totals) => totals.heldMicros }),
    settledUsd: t.field({ type: 'USD', resolve: (totals) => totals.settledMicros }),
    releasedUsd: t.field({ type: 'USD', resolve: (totals) => totals.releasedMicros }),
    adjustedUsd: t.field({ type: 'USD', resolve: (totals) => totals.adjustedMicros }),
    openUsd: t.field({ type: 'USD', resolve: (totals) => totals.openMicros }),
  }),
});

const LedgerReportRef = builder.objectRef<LedgerReport>('LedgerReport').implement({
  description: 'Whether every budget balance equals its ledger sum (what `pixelgate ledger verify` prints).',
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    problems: t.exposeStringList('problems'),
    problemCount: t.exposeInt('problemCount'),
    totals: t.field({ type: LedgerTotalsRef, resolve: (report) => report.totals }),
  }),
});

function requireRange(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime()) {
    throw badUserInput('`from` must be before `to`.', [{ path: 'from', message: 'must be before `to`' }]);
  }
  if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * 86_400_000) {
    throw badUserInput(`A report covers at most ${MAX_REPORT_DAYS} days.`, [{ path: 'to', message: 'range too long' }]);
  }
}

builder.queryFields((t) => ({
  usage: t.withAuth({ admin: true }).field({
    type: [UsageRowRef],
    description: 'Generations created in [from, to) grouped by user, model, UTC day or pricing kind.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      groupBy: t.arg({ type: UsageGroupByEnum, required: true }),
      userId: t.arg.id({ required: false }),
    },
    resolve: async (_root, args, context) => {
      requireRange(args.from, args.to);
      const rows = await usageReport(context.services.db, {
        from: args.from,
        to: args.to,
        groupBy: args.groupBy,
        userId: optionalUserId(args.userId),
      });
      return rows.map((row) => ({ ...row, groupBy: args.groupBy }));
    },
  }),
  generationCosts: t.withAuth({ admin: true }).connection(
    {
      type: GenerationCostRef,
      description: 'Generations created in [from, to), newest first, with their user, model, hold and cost.',
      args: {
        from: t.arg({ type: 'DateTime', required: true }),
        to: t.arg({ type: 'DateTime', required: true }),
        userId: t.arg.id({ required: false }),
      },
      complexity: pageCost(GENERATION_COSTS_PAGE),
      resolve: (_root, args, context) => {
        requireRange(args.from, args.to);
        const userId = optionalUserId(args.userId);
        return resolveKeysetConnection(
          args,
          GENERATION_COSTS_PAGE,
          (row: GenerationCost) => ({ createdAt: row.createdAt, id: row.generationId }),
          (page) => generationCosts(context.services.db, { from: args.from, to: args.to, userId, page }),
        );
      },
    },
    { name: 'GenerationCostConnection' },
    { name: 'GenerationCostEdge' },
  ),
  ledgerEntries: t.withAuth({ admin: true }).connection(
    {
      type: LedgerEntryRef,
      description: 'Ledger rows, newest first.',
      args: {
        userId: t.arg.id({ required: false }),
        from: t.arg({ type: 'DateTime', required: false }),
        to: t.arg({ type: 'DateTime', required: false }),
      },
      complexity: pageCost(LEDGER_PAGE),
      resolve: (_root, args, context) => {
        const filter = { userId: optionalUserId(args.userId), from: args.from ?? undefined, to: args.to ?? undefined };
        return resolveKeysetConnection(
          args,
          LEDGER_PAGE,
          (entry: LedgerEntry) => ({ createdAt: entry.created_at, id: String(entry.id) }),
          (page) => ledgerEntriesFor(context.services.db, { ...filter, page }),
        );
      },
    },
    { name: 'LedgerEntryConnection' },
    { name: 'LedgerEntryEdge' },
  ),
  ledgerReport: t.withAuth({ admin: true }).field({
    type: LedgerReportRef,
    description: 'Verifies that every budget balance equals its ledger sum.',
    resolve: (_root, _args, context) => verifyLedger(context.services.db),
  }),
}));
