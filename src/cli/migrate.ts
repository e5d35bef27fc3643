/** `pixelgate migrate`: applies the database migrations and exits. */
import { migrateToLatest } from '../db/migrate.ts';
import { withDatabase, type CliCommand } from './command.ts';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  usage: `  migrate                     apply database migrations and exit`,
  async run(_args, context) {
    const { config, logger } = context.server();
    await withDatabase(config, logger, 'migrate', async (db) => {
      const applied = await migrateToLatest(db);
      context.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'migrations are current\n');
    });
  },
};
