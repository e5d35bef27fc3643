/** `pixelgate simulator --port N`: the built-in Replicate simulator alone, serving `/v1/...`. */
import { parseArgs } from 'node:util';
import { perMinuteOption, UsageError, type CliCommand } from './command.ts';

export const simulatorCommand: CliCommand = {
  name: 'simulator',
  usage: `  simulator --port N [--creates-per-minute C] [--other-per-minute O]
                              run the built-in Replicate simulator alone (rate limits per
                              token; default 600 creates and 3000 other requests a minute)`,
  async run(args, context) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'creates-per-minute': { type: 'string' },
        'other-per-minute': { type: 'string' },
      },
    });
    const port = Number(values.port ?? 8787);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port expects a port number');
    const createsPerMinute = perMinuteOption(values['creates-per-minute'], 'creates-per-minute');
    const otherPerMinute = perMinuteOption(values['other-per-minute'], 'other-per-minute');
    const { config, logger } = context.server();
    const { startSimulator, DEFAULT_RATE_LIMITS } = await import('../simulator/index.ts');
    const simulator = await startSimulator({
      port,
      host: values.host ?? '127.0.0.1',
      speed: config.simulatorSpeed,
      rateLimits: {
        createsPerMinute: createsPerMinute ?? DEFAULT_RATE_LIMITS.createsPerMinute,
        otherPerMinute: otherPerMinute ?? DEFAULT_RATE_LIMITS.otherPerMinute,
      },
      logger,
    });
    context.runUntilSignal(logger, () => simulator.close());
    context.stdout.write(`Replicate simulator listening: ${simulator.baseUrl}\n`);
  },
};
