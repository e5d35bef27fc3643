/** `pixelgate keys create --user ID`: prints a new API key once (only its hash is stored). */
import { parseArgs } from 'node:util';
import { createApiKey } from '../auth/api-keys.ts';
import { findUser } from '../auth/users.ts';
import { localId } from '../graphql/global-ids.ts';
import { UsageError, withDatabase, type CliCommand } from './command.ts';

export const keysCommand: CliCommand = {
  name: 'keys',
  usage: `  keys create --user ID       create an API key and print it (shown once)`,
  async run([subcommand, ...rest], context) {
    if (subcommand !== 'create') throw new UsageError('expected: pixelgate keys create --user ID');
    const { values } = parseArgs({ args: rest, options: { user: { type: 'string' } } });
    if (!values.user) throw new UsageError('--user is required');
    const userId = values.user;
    const { config, logger } = context.server();
    const created = await withDatabase(config, logger, 'keys create', async (db) => {
      const user = await findUser(db, localId('User', userId) ?? '');
      if (!user) throw new UsageError(`no user with id ${userId}`);
      return createApiKey(db, user.id);
    });
    context.stdout.write(`${created.key}\n`);
  },
};
