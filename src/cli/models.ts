/**
 * `pixelgate models add | list | update | disable`: the catalog without a deploy (see
 * docs/models.md). `add` reads the model from Replicate (REPLICATE_API_TOKEN, or
 * REPLICATE_API_BASE_URL pointing at a simulator) and refuses with the reason, writing nothing.
 * Running instances pick a change up through NOTIFY within a second.
 */
import { parseArgs } from 'node:util';
import { addModel, updateModel, type PriceStatement } from '../catalog/admin.ts';
import { localId } from '../graphql/global-ids.ts';
import { formatMicrosAsUsd } from '../money.ts';
import { createReplicateClient } from '../replicate/index.ts';
import { UsageError, usdOption, withDatabase, type CliCommand } from './command.ts';

const ADD_USAGE =
  'pixelgate models add owner/name[:version] --slug S (--per-image USD | --per-second USD --hardware SKU --max-seconds N) [--estimate USD] [--user ID ...]';

function priceOf(values: Record<string, string | string[] | undefined>): PriceStatement | null {
  const perImage = usdOption(values['per-image'] as string | undefined, '--per-image');
  if (perImage !== undefined) return { perImageMicros: perImage };
  const perSecond = usdOption(values['per-second'] as string | undefined, '--per-second');
  if (perSecond === undefined) return null;
  const maxSeconds = Number(values['max-seconds']);
  if (!values.hardware || !Number.isInteger(maxSeconds))
    throw new UsageError('--per-second needs --hardware SKU and --max-seconds N');
  return { perSecondMicros: perSecond, hardware: String(values.hardware), maxSeconds };
}

export const modelsCommand: CliCommand = {
  name: 'models',
  usage: `  models add owner/name[:version] --slug S (--per-image USD | --per-second USD --hardware SKU --max-seconds N)
  models list | models update SLUG [--per-image USD] [--max-seconds N] | models disable SLUG`,
  async run([subcommand, ...rest], context) {
    const { config, logger } = context.server();
    const actor = `cli (${process.env.USER ?? 'operator'})`;
    if (subcommand === 'list') {
      const rows = await withDatabase(config, logger, 'models list', (db) =>
        db.selectFrom('catalog_models').selectAll().orderBy('slug').execute(),
      );
      for (const row of rows) {
        const price =
          row.price_kind === 'per_image'
            ? `${formatMicrosAsUsd(row.per_image_micros ?? 0)} USD/image`
            : `per second on ${row.hardware_sku}, at most ${row.max_seconds} s`;
        context.stdout.write(`${row.slug}\t${row.enabled ? 'enabled' : 'disabled'}\t${row.visibility}\t${price}\n`);
      }
      return;
    }
    if (subcommand === 'disable' || subcommand === 'update') {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { 'per-image': { type: 'string' }, 'max-seconds': { type: 'string' } },
      });
      const slug = positionals[0];
      if (!slug) throw new UsageError(`expected: pixelgate models ${subcommand} SLUG`);
      const perImage = usdOption(values['per-image'], '--per-image');
      const change =
        subcommand === 'disable'
          ? { enabled: false }
          : {
              ...(perImage === undefined ? {} : { perImageMicros: perImage }),
              ...(values['max-seconds'] === undefined ? {} : { maxSeconds: Number(values['max-seconds']) }),
            };
      await withDatabase(config, logger, `models ${subcommand}`, (db) => updateModel(db, slug, change, actor));
      context.stdout.write(`${slug} ${subcommand === 'disable' ? 'disabled' : 'updated'}\n`);
      return;
    }
    if (subcommand !== 'add') throw new UsageError(`expected: ${ADD_USAGE}`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        slug: { type: 'string' },
        'per-image': { type: 'string' },
        'per-second': { type: 'string' },
        hardware: { type: 'string' },
        'max-seconds': { type: 'string' },
        estimate: { type: 'string' },
        user: { type: 'string', multiple: true },
      },
    });
    const ref = positionals[0];
    if (!ref || !values.slug) throw new UsageError(`expected: ${ADD_USAGE}`);
    const token = config.replicateApiToken ?? 'simulator';
    const replicate = createReplicateClient({ token, baseUrl: config.replicateApiBaseUrl, logger });
    try {
      await withDatabase(config, logger, 'models add', (db) =>
        addModel(
          { db, replicate },
          {
            ref,
            slug: values.slug!,
            price: priceOf(values),
            estimatedImageMicros: usdOption(values.estimate, '--estimate') ?? null,
            visibleToUserIds: (values.user ?? []).map((id) => localId('User', id) ?? id),
          },
          actor,
        ),
      );
    } finally {
      await replicate.close();
    }
    context.stdout.write(`${values.slug} added\n`);
  },
};
