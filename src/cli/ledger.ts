/** `pixelgate ledger verify`: proves every budget balance equals its ledger sum (exit 1 if not). */
import { formatLedgerReport, verifyLedger } from '../billing/ledger.ts';
import { UsageError, withDatabase, type CliCommand } from './command.ts';

export const ledgerCommand: CliCommand = {
  name: 'ledger',
  usage: `  ledger verify               prove every budget balance equals its ledger sum (exit 1 if not)`,
  async run([subcommand], context) {
    if (subcommand !== 'verify') throw new UsageError('expected: pixelgate ledger verify');
    const { config, logger } = context.server();
    const report = await withDatabase(config, logger, 'ledger verify', (db) => verifyLedger(db));
    context.stdout.write(formatLedgerReport(report));
    if (!report.ok) process.exitCode = 1;
  },
};
