/** `pixelgate users create --name N [--daily-budget-usd X] [--monthly-budget-usd Y]`: prints the new user's id. */
import { parseArgs } from 'node:util';
import { createUser, userNameSchema } from '../auth/users.ts';
import { globalId } from '../graphql/global-ids.ts';
import { usdOption, UsageError, withDatabase, type CliCommand } from './command.ts';

export const usersCommand: CliCommand = {
  name: 'users',
  usage: `  users create --name NAME [--daily-budget-usd X] [--monthly-budget-usd Y]
                              create a user and print its id`,
  async run([subcommand, ...rest], context) {
    if (subcommand !== 'create') throw new UsageError('expected: pixelgate users create --name NAME');
    const { values } = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        'daily-budget-usd': { type: 'string' },
        'monthly-budget-usd': { type: 'string' },
      },
    });
    const name = userNameSchema.safeParse(values.name ?? '');
    if (!name.success) throw new UsageError('--name is required (1 to 200 characters)');
    const dailyBudgetMicros = usdOption(values['daily-budget-usd'], 'daily-budget-usd');
    const monthlyBudgetMicros = usdOption(values['monthly-budget-usd'], 'monthly-budget-usd');
    const { config, logger } = context.server();
    const user = await withDatabase(config, logger, 'users create', (db) =>
      createUser(db, { name: name.data, dailyBudgetMicros, monthlyBudgetMicros }),
    );
    // The id the API uses (a global id), so it can go straight into `keys create` or a query.
    context.stdout.write(`${globalId('User', user.id)}\n`);
  },
};
