#!/usr/bin/env node
/**
 * The `pixelgate` command line: a dispatcher over the commands in src/cli/ (listed in `commands.ts`).
 */
import { UsageError } from './cli/command.ts';
import { COMMANDS, USAGE } from './cli/commands.ts';
import { ClientError } from './cli/generate.ts';
import { createCommandContext } from './cli/process.ts';
import { ConfigError } from './config.ts';

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
