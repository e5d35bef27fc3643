/** `pixelgate worker`: durable jobs only (plus /healthz, /readyz and /metrics on PORT), from the same composition as `serve`. */
import { startProcess } from '../app.ts';
import type { CliCommand } from './command.ts';

export const workerCommand: CliCommand = {
  name: 'worker',
  usage: `  worker                      run only the durable job worker (health routes on PORT)`,
  async run(_args, context) {
    const { config, logger } = context.server();
    const worker = await startProcess({ config, logger, role: 'worker' });
    context.runUntilSignal(
      logger,
      () => worker.close(),
      () => worker.reloadSecrets(),
    );
    logger.info({ health: `${worker.url}/readyz` }, 'job worker running');
  },
};
