/** `pixelgate serve [--no-worker]`: the gateway, all-in-one or (with --no-worker) HTTP and WebSocket only. */
import { parseArgs } from 'node:util';
import { startApp } from '../app.ts';
import type { CliCommand } from './command.ts';

export const serveCommand: CliCommand = {
  name: 'serve',
  usage: `  serve [--no-worker]         start the gateway (migrations and a job worker included; --no-worker:
                              HTTP and WebSocket only, for a fleet's API processes)`,
  async run(args, context) {
    const { values } = parseArgs({ args: [...args], options: { 'no-worker': { type: 'boolean' } } });
    const { config, logger } = context.server({ logToStdout: true });
    const app = await startApp({ config, logger, role: values['no-worker'] ? 'api' : 'all' });
    context.runUntilSignal(
      logger,
      () => app.close(),
      () => app.reloadSecrets(),
    );
    logger.info({ url: `${app.url}/graphql`, role: app.role }, 'pixelgate is listening');
    const where = config.nodeEnv === 'production' ? `GraphQL at ${app.url}/graphql` : `GraphiQL at ${app.url}/graphql`;
    context.stdout.write(`\npixelgate is ready: ${where}, pixelgate Studio at ${app.url}/studio\n\n`);
    if (app.simulatorUrl) {
      context.stdout.write(
        `*** SIMULATED REPLICATE at ${app.simulatorUrl}: REPLICATE_API_TOKEN is not set, so images come from the\n` +
          `*** built-in simulator (no real models, no charges). Set REPLICATE_API_TOKEN to use Replicate.\n\n`,
      );
    }
  },
};
