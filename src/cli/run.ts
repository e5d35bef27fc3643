/**
 * The `pixelgate` command line: a dispatcher over the commands in src/cli/ (listed in `commands.ts`),
 * imported by main.ts once tracing has started.
 */
import { UsageError } from './command.ts';
import { COMMANDS, USAGE } from './commands.ts';
import { ClientError } from './generate.ts';
import { createCommandContext } from './process.ts';
import { ConfigError } from '../config.ts';
import type { Tracing } from '../tracing.ts';

async function runCommand([name, ...args]: readonly string[], tracing: Tracing | undefined): Promise<void> {
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(name ? `unknown command "${name}"` : 'a command is required');
  await command.run(args, createCommandContext(process.stdout, tracing));
}

/** Runs a command line; a failure prints what went wrong and exits 1. */
export function runMain(argv: readonly string[], tracing: Tracing | undefined): Promise<void> {
  return runCommand(argv, tracing).catch(exitWithError);
}

function exitWithError(error: unknown): never {
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
}
