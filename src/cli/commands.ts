/**
 * Every `pixelgate` command, one file each in this folder; `run.ts` dispatches over this list and
 * prints its usage. A new command is a file exporting a `CliCommand` and one line here.
 */
import type { CliCommand } from './command.ts';
import { documentsCommand } from './documents.ts';
import { generateCommand } from './generate.ts';
import { keysCommand } from './keys.ts';
import { ledgerCommand } from './ledger.ts';
import { migrateCommand } from './migrate.ts';
import { modelsCommand } from './models.ts';
import { serveCommand } from './serve.ts';
import { simulatorCommand } from './simulator.ts';
import { usersCommand } from './users.ts';
import { workerCommand } from './worker.ts';

export const COMMANDS: readonly CliCommand[] = [
  serveCommand,
  migrateCommand,
  workerCommand,
  simulatorCommand,
  usersCommand,
  keysCommand,
  ledgerCommand,
  generateCommand,
  modelsCommand,
  documentsCommand,
];

export const USAGE = `Usage: pixelgate <command>

Commands:
${COMMANDS.map((command) => command.usage).join('\n')}
`;
