#!/usr/bin/env node
/**
 * The `pixelgate` command line: a dispatcher over the commands in src/cli/, one file each.
 */
import { generateCommand, ClientError } from './cli/generate.ts';
import type { CliCommand } from './cli/command.ts';
import { UsageError } from './cli/command.ts';
import { keysCommand } from './cli/keys.ts';
import { ledgerCommand } from './cli/ledger.ts';
import { migrateCommand } from './cli/migrate.ts';
import { createCommandContext } from './cli/process.ts';
import { serveCommand } from './cli/serve.ts';
import { simulatorCommand } from './cli/simulator.ts';
import { usersCommand } from './cli/users.ts';
import { workerCommand } from './cli/worker.ts';
import { ConfigError } from './config.ts';

const COMMANDS: readonly CliCommand[] = [
  serveCommand,
  migrateCommand,
  workerCommand,
  simulatorCommand,
  usersCommand,
  keysCommand,
  ledgerCommand,
  generateCommand,
];

const USAGE = `Usage: pixelgate <command>

Commands:
${COMMANDS.map((command) => command.usage).join('\n')}
`;

async function runCommand([name, ...args]: readonly string[]): Promise<void> {
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(name ? `unknown command "${name}"` : 'a command is required');
  await command.run(args, createCommandContext(process.stdout));
}

runCommand(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`pixelgate: ${error.message}\n`);
  } else if (error instanceof ClientError) {
    process.stderr.write(`pixelgate generate: ${error.message}\n`);
  } else if (error instanceof UsageError) {
    process.stderr.write(`pixelgate: ${error.message}\n\n${USAGE}`);
  } else {
    process.stderr.write(`pixelgate: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
