/**
 * `pixelgate documents add FILE --app NAME --version V | list | revoke --app NAME --version V`:
 * trusted documents (persisted operations) per app version. FILE is graphql-codegen's
 * `persisted-documents.json` or an Apollo persisted-query manifest; every document is checked
 * against this build's schema and nothing is written if one is refused. In force on every instance
 * at once (lookups read the database).
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildSchema } from '../graphql/schema.ts';
import { documentChecker } from '../graphql/trusted-documents.ts';
import { documentsOfManifest } from '../trusted-documents/manifest.ts';
import { DocumentRegistrationError } from '../trusted-documents/errors.ts';
import { listAppVersions, registerDocuments, revokeAppVersion } from '../trusted-documents/store.ts';
import { UsageError, withDatabase, type CliCommand, type CommandContext } from './command.ts';

/** The largest manifest read (a few thousand documents). */
const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
const ADD_USAGE = 'pixelgate documents add FILE --app NAME --version V';
const REVOKE_USAGE = 'pixelgate documents revoke --app NAME --version V';

async function readManifest(file: string): Promise<unknown> {
  const size = (await stat(file).catch(() => undefined))?.size;
  if (size === undefined) throw new UsageError(`cannot read ${file}`);
  if (size > MAX_MANIFEST_BYTES) throw new UsageError(`${file} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
}

/** The refusal with the documents it names, one line each. */
function explained(error: unknown): unknown {
  if (!(error instanceof DocumentRegistrationError)) return error;
  const lines = error.invalidFields.map((field) => `  ${field.path}: ${field.message}`);
  return new Error([error.message, ...lines].join('\n'));
}

function appVersionOf(args: readonly string[], usage: string) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { app: { type: 'string' }, version: { type: 'string' } },
  });
  if (!values.app || !values.version) throw new UsageError(`expected: ${usage}`);
  return { app: values.app, version: values.version, positionals };
}

async function add(args: readonly string[], context: CommandContext): Promise<void> {
  const { app, version, positionals } = appVersionOf(args, ADD_USAGE);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`expected: ${ADD_USAGE}`);
  const manifest = await readManifest(file);
  const { config, logger } = context.server();
  const result = await withDatabase(config, logger, 'documents add', async (db) => {
    const documents = documentsOfManifest(manifest);
    return registerDocuments(db, { app, version, documents }, documentChecker(buildSchema()));
  }).catch((error: unknown) => {
    throw explained(error);
  });
  context.stdout.write(`${app}@${version}: ${result.documents} documents (${result.added} new)\n`);
}

export const documentsCommand: CliCommand = {
  name: 'documents',
  usage: `  documents add FILE --app NAME --version V
                              register an app version's trusted documents (codegen or Apollo manifest)
  documents list | documents revoke --app NAME --version V`,
  async run([subcommand, ...rest], context) {
    if (subcommand === 'add') return add(rest, context);
    const { config, logger } = context.server();
    if (subcommand === 'list') {
      const versions = await withDatabase(config, logger, 'documents list', (db) => listAppVersions(db));
      for (const row of versions) {
        context.stdout.write(
          `${row.app}\t${row.version}\t${row.documents} documents\t${row.registeredAt.toISOString()}\n`,
        );
      }
      return;
    }
    if (subcommand !== 'revoke') throw new UsageError(`expected: ${ADD_USAGE}, documents list or ${REVOKE_USAGE}`);
    const { app, version } = appVersionOf(rest, REVOKE_USAGE);
    const { deleted } = await withDatabase(config, logger, 'documents revoke', (db) =>
      revokeAppVersion(db, app, version),
    );
    context.stdout.write(`${app}@${version} revoked (${deleted} documents no other version uses were deleted)\n`);
  },
};
