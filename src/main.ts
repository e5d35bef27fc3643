#!/usr/bin/env node
/**
 * The `pixelgate` command line. Tracing starts first, when configured (`OTEL_*`, src/tracing.ts):
 * its instrumentations patch graphql, pg and node:http as they load, so the commands (and all they
 * import) are imported after it.
 */
import { loadTracingConfig } from './config.ts';
import { startTracing, type Tracing } from './tracing.ts';

/** The long-running commands; one-shot commands are never traced. */
const TRACED_COMMANDS = new Set(['serve', 'worker', 'simulator']);

const argv = process.argv.slice(2);
let tracing: Tracing | undefined;
try {
  if (TRACED_COMMANDS.has(argv[0] ?? '')) tracing = await startTracing({ config: loadTracingConfig() });
} catch (error) {
  process.stderr.write(`pixelgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const { runMain } = await import('./cli/run.ts');
await runMain(argv, tracing);
