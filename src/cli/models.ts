/**
 * `pixelgate models add | list | update | disable | rates | rate | changes`: the catalog without a
 * deploy (see docs/models.md). `add` reads the model from Replicate (REPLICATE_API_TOKEN, or
 * REPLICATE_API_BASE_URL pointing at a simulator) and refuses with the reason, writing nothing.
 * Running instances pick a change up through NOTIFY within a second.
 */
import { parseArgs } from 'node:util';
import { addModel, catalogChanges, setHardwareRate, updateModel, type PriceStatement } from '../catalog/admin.ts';
import { ModelRefusedError } from '../catalog/errors.ts';
import { hardwareRates } from '../catalog/store.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { localId } from '../graphql/global-ids.ts';
import type { Logger } from '../logger.ts';
import { formatMicrosAsUsd } from '../money.ts';
import { createReplicateClient } from '../replicate/index.ts';
import { UsageError, usdOption, withDatabase, type CliCommand, type CommandContext } from './command.ts';

const USAGE = `  models add REF --slug S (--per-image USD | --per-second USD --hardware SKU --max-seconds N) [--estimate USD] [--user ID ...] [--overrides JSON]
  models list                 every model: slug, enabled, visibility, price
  models update SLUG [--per-image USD] [--max-seconds N] [--enable]
  models disable SLUG
  models rates                the hardware rate table: SKU, USD per second, source, as-of date
  models rate SKU --per-second USD --source TEXT --as-of YYYY-MM-DD
  models changes [--subject model:SLUG|hardware:SKU] [--last N]`;

type Values = Record<string, string | boolean | string[] | undefined>;

interface Run {
  readonly config: Config;
  readonly logger: Logger;
  readonly out: CommandContext['stdout'];
  readonly actor: string;
  /** Opens the database for this subcommand. */
  db<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function wholeNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${name} expects a whole number`);
  return Number(value);
}

function priceOf(values: Values): PriceStatement | null {
  const perImage = usdOption(text(values, 'per-image'), 'per-image');
  if (perImage !== undefined) return { perImageMicros: perImage };
  const perSecond = usdOption(text(values, 'per-second'), 'per-second');
  if (perSecond === undefined) return null;
  const hardware = text(values, 'hardware');
  const maxSeconds = wholeNumber(text(values, 'max-seconds'), 'max-seconds');
  if (!hardware || maxSeconds === undefined)
    throw new UsageError('--per-second needs --hardware SKU and --max-seconds N');
  return { perSecondMicros: perSecond, hardware, maxSeconds };
}

function overridesOf(values: Values): unknown {
  const json = text(values, 'overrides');
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new UsageError('--overrides expects a JSON object, e.g. {"tier":"high"}');
  }
}

async function add(run: Run, args: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      slug: { type: 'string' },
      'per-image': { type: 'string' },
      'per-second': { type: 'string' },
      hardware: { type: 'string' },
      'max-seconds': { type: 'string' },
      estimate: { type: 'string' },
      user: { type: 'string', multiple: true },
      overrides: { type: 'string' },
    },
  });
  const ref = positionals[0];
  if (!ref || !values.slug) throw new UsageError('expected: pixelgate models add REF --slug S (price)');
  const request = {
    ref,
    slug: values.slug,
    price: priceOf(values),
    estimatedImageMicros: usdOption(values.estimate, 'estimate') ?? null,
    visibleToUserIds: (values.user ?? []).map((id) => localId('User', id) ?? id),
    overrides: overridesOf(values),
  };
  const token = run.config.replicateApiToken ?? 'simulator';
  const replicate = createReplicateClient({ token, baseUrl: run.config.replicateApiBaseUrl, logger: run.logger });
  try {
    await run.db((db) => addModel({ db, replicate }, request, run.actor));
  } finally {
    await replicate.close();
  }
  run.out.write(`${values.slug} added\n`);
}

async function list(run: Run): Promise<void> {
  const rows = await run.db((db) => db.selectFrom('catalog_models').selectAll().orderBy('slug').execute());
  for (const row of rows) {
    const price =
      row.price_kind === 'per_image'
        ? `${formatMicrosAsUsd(row.per_image_micros ?? 0)} USD/image`
        : `per second on ${row.hardware_sku}, at most ${row.max_seconds} s`;
    run.out.write(`${row.slug}\t${row.enabled ? 'enabled' : 'disabled'}\t${row.visibility}\t${price}\n`);
  }
}

async function change(run: Run, subcommand: 'update' | 'disable', args: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { 'per-image': { type: 'string' }, 'max-seconds': { type: 'string' }, enable: { type: 'boolean' } },
  });
  const slug = positionals[0];
  if (!slug) throw new UsageError(`expected: pixelgate models ${subcommand} SLUG`);
  const perImage = usdOption(values['per-image'], 'per-image');
  const maxSeconds = wholeNumber(values['max-seconds'], 'max-seconds');
  const modelChange =
    subcommand === 'disable'
      ? { enabled: false }
      : {
          ...(values.enable ? { enabled: true } : {}),
          ...(perImage === undefined ? {} : { perImageMicros: perImage }),
          ...(maxSeconds === undefined ? {} : { maxSeconds }),
        };
  if (Object.keys(modelChange).length === 0)
    throw new UsageError('models update needs --per-image, --max-seconds or --enable');
  await run.db((db) => updateModel(db, slug, modelChange, run.actor));
  run.out.write(`${slug} ${subcommand === 'disable' ? 'disabled' : 'updated'}\n`);
}

async function rates(run: Run): Promise<void> {
  for (const rate of await run.db((db) => hardwareRates(db))) {
    run.out.write(`${rate.sku}\t${formatMicrosAsUsd(rate.micros_per_second)} USD/s\t${rate.source}\t${rate.as_of}\n`);
  }
}

async function rate(run: Run, args: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { 'per-second': { type: 'string' }, source: { type: 'string' }, 'as-of': { type: 'string' } },
  });
  const sku = positionals[0];
  const microsPerSecond = usdOption(values['per-second'], 'per-second');
  if (!sku || microsPerSecond === undefined || values.source === undefined || values['as-of'] === undefined) {
    throw new UsageError('expected: pixelgate models rate SKU --per-second USD --source TEXT --as-of YYYY-MM-DD');
  }
  const change = { sku, microsPerSecond, source: values.source, asOf: values['as-of'] };
  await run.db((db) => setHardwareRate(db, change, run.actor, new Date()));
  run.out.write(`${sku} is ${formatMicrosAsUsd(microsPerSecond)} USD per second\n`);
}

async function changes(run: Run, args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: { subject: { type: 'string' }, last: { type: 'string' } },
  });
  const last = wholeNumber(values.last, 'last') ?? 50;
  if (last < 1 || last > 500) throw new UsageError('--last must be from 1 to 500');
  for (const entry of await run.db((db) => catalogChanges(db, { subject: values.subject, limit: last }))) {
    const when = entry.changed_at.toISOString();
    run.out.write(
      `${when}\t${entry.subject}\t${entry.actor}\t${JSON.stringify({ before: entry.before, after: entry.after })}\n`,
    );
  }
}

async function dispatch(run: Run, subcommand: string | undefined, rest: readonly string[]): Promise<void> {
  switch (subcommand) {
    case 'add':
      return add(run, rest);
    case 'list':
      return list(run);
    case 'update':
    case 'disable':
      return change(run, subcommand, rest);
    case 'rates':
      return rates(run);
    case 'rate':
      return rate(run, rest);
    case 'changes':
      return changes(run, rest);
    default:
      throw new UsageError(`expected one of:\n${USAGE}`);
  }
}

export const modelsCommand: CliCommand = {
  name: 'models',
  usage: USAGE,
  async run([subcommand, ...rest], context) {
    const { config, logger } = context.server();
    const run: Run = {
      config,
      logger,
      out: context.stdout,
      actor: `cli (${process.env.USER ?? 'operator'})`,
      db: (work) => withDatabase(config, logger, `models ${subcommand ?? ''}`.trim(), work),
    };
    try {
      await dispatch(run, subcommand, rest);
    } catch (error) {
      // The refusal's reason leads, as `extensions.reason` does over GraphQL.
      if (error instanceof ModelRefusedError) throw new Error(`${error.reason}: ${error.message}`, { cause: error });
      throw error;
    }
  },
};
