#!/usr/bin/env node
/**
 * The `pixelgate` command line: serve | migrate | worker | simulator | users create | keys create |
 * ledger verify | generate (the terminal client, in src/cli/).
 */
import { parseArgs } from 'node:util';
import { openDatabase, startApp } from './app.ts';
import { createApiKey } from './auth/api-keys.ts';
import { createUser, findUser, userNameSchema } from './auth/users.ts';
import { formatLedgerReport, verifyLedger } from './billing/ledger.ts';
import { ClientError, runGenerate } from './cli/generate.ts';
import { ConfigError, loadClientConfig, loadConfig, type Config } from './config.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { Db } from './db/index.ts';
import { startGenerationsRuntime } from './runtime.ts';
import { startJobWorker } from './jobs/worker.ts';
import { createLogger, type Logger } from './logger.ts';
import { MAX_USD_AMOUNT, MoneyFormatError, parseUsdToMicros } from './money.ts';
import { installProcessPolicy } from './process-policy.ts';
import { globalId, localId } from './graphql/global-ids.ts';

const USAGE = `Usage: pixelgate <command>

Commands:
  serve                       start the gateway (migrations and a job worker included)
  migrate                     apply database migrations and exit
  worker                      run only the durable job worker
  simulator --port N [--creates-per-minute C] [--other-per-minute O]
                              run the built-in Replicate simulator alone (rate limits per
                              token; default 600 creates and 3000 other requests a minute)
  users create --name NAME [--daily-budget-usd X] [--monthly-budget-usd Y]
                              create a user and print its id
  keys create --user ID       create an API key and print it (shown once)
  ledger verify               prove every budget balance equals its ledger sum (exit 1 if not)
  generate PROMPT [--model ID] [--count N] [--mode PREVIEW|STANDARD|FINAL] [--transparent] [--out DIR] [--url URL]
                              generate images on a running gateway (API key from PIXELGATE_API_KEY):
                              estimate, live progress, saved images, settled cost
`;

class UsageError extends Error {}

/** Past this, a stop that has not finished exits anyway. */
const STOP_DEADLINE_MS = 10_000;

/** Set once a command runs a service: what a signal or a fatal error stops. */
let stopService: (() => Promise<void>) | undefined;
let stopping = false;

function stopProcess(logger: Logger, exitCode: number): void {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => {
    logger.error(`stopping took longer than ${STOP_DEADLINE_MS / 1000} s; exiting`);
    process.exit(1);
  }, STOP_DEADLINE_MS);
  force.unref();
  (stopService ?? (async () => undefined))().then(
    () => {
      logger.info('stopped');
      process.exit(exitCode);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}

/**
 * SIGINT (Ctrl-C reaches the whole process group) and SIGTERM stop the service in order. A
 * repeated signal is ignored: `npm start` forwards the one the terminal already delivered.
 */
function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  stopService = stop;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    logger.info({ signal }, 'shutting down');
    stopProcess(logger, 0);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function withDatabase<T>(
  config: Config,
  logger: Logger,
  command: string,
  work: (db: Db) => Promise<T>,
): Promise<T> {
  const { handle, embedded } = await openDatabase(config, logger, command);
  try {
    await migrateToLatest(handle.db);
    return await work(handle.db);
  } finally {
    await handle.close();
    // A cluster shared with a live pixelgate, or adopted from a dead one, stays up for the next.
    if (embedded && !embedded.reused) await embedded.stop();
  }
}

function usdOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    const micros = parseUsdToMicros(value);
    if (micros < 0) throw new MoneyFormatError('negative');
    return micros;
  } catch {
    throw new UsageError(
      `--${name} expects a non-negative USD amount with at most 6 decimals, up to ${MAX_USD_AMOUNT}, e.g. 5 or 0.25`,
    );
  }
}

function perMinuteOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} expects a positive whole number`);
  return Number(value);
}

async function serve(config: Config, logger: Logger): Promise<void> {
  const app = await startApp({ config, logger });
  onShutdownSignal(logger, () => app.close());
  logger.info({ url: `${app.url}/graphql` }, 'pixelgate is listening');
  const where = config.nodeEnv === 'production' ? `GraphQL at ${app.url}/graphql` : `GraphiQL at ${app.url}/graphql`;
  process.stdout.write(`\npixelgate is ready: ${where}, pixelgate Studio at ${app.url}/studio\n\n`);
  if (app.simulatorUrl) {
    process.stdout.write(
      `*** SIMULATED REPLICATE at ${app.simulatorUrl}: REPLICATE_API_TOKEN is not set, so images come from the\n` +
        `*** built-in simulator (no real models, no charges). Set REPLICATE_API_TOKEN to use Replicate.\n\n`,
    );
  }
}

async function runCommand(argv: string[]): Promise<void> {
  const [command, subcommand, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  // The terminal client is an app of the gateway's public API: no server configuration.
  if (command === 'generate') {
    process.exitCode = await runGenerate(
      [subcommand, ...rest].filter((arg) => arg !== undefined),
      loadClientConfig(),
      {
        out: process.stdout,
      },
    );
    return;
  }
  const config = loadConfig();
  // Commands that print a result keep stdout for it; logs go to stderr.
  const logger = createLogger(config.logLevel, command === 'serve' ? undefined : process.stderr);
  installProcessPolicy(logger, () => stopProcess(logger, 1));

  switch (command) {
    case 'serve':
      return serve(config, logger);
    case 'migrate': {
      await withDatabase(config, logger, 'migrate', async (db) => {
        const applied = await migrateToLatest(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'migrations are current\n');
      });
      return;
    }
    case 'worker': {
      const { handle, embedded } = await openDatabase(config, logger, 'worker');
      await migrateToLatest(handle.db);
      const generations = await startGenerationsRuntime({
        config,
        db: handle.db,
        pool: handle.pool,
        logger,
        now: () => new Date(),
        allowInProcessSimulator: false,
      });
      const worker = await startJobWorker({ pool: handle.pool, logger, taskList: generations.taskList });
      generations.attachWorker(worker);
      await generations.start();
      onShutdownSignal(logger, async () => {
        await worker.stop();
        await generations.close();
        await handle.close();
        if (embedded && !embedded.reused) await embedded.stop();
      });
      logger.info('job worker running');
      return;
    }
    case 'simulator': {
      const { values } = parseArgs({
        args: [subcommand, ...rest].filter(Boolean) as string[],
        options: {
          port: { type: 'string' },
          host: { type: 'string' },
          'creates-per-minute': { type: 'string' },
          'other-per-minute': { type: 'string' },
        },
      });
      const port = Number(values.port ?? 8787);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port expects a port number');
      const { startSimulator, DEFAULT_RATE_LIMITS } = await import('./simulator/index.ts');
      const simulator = await startSimulator({
        port,
        host: values.host ?? '127.0.0.1',
        speed: config.simulatorSpeed,
        rateLimits: {
          createsPerMinute:
            perMinuteOption(values['creates-per-minute'], 'creates-per-minute') ?? DEFAULT_RATE_LIMITS.createsPerMinute,
          otherPerMinute:
            perMinuteOption(values['other-per-minute'], 'other-per-minute') ?? DEFAULT_RATE_LIMITS.otherPerMinute,
        },
        logger,
      });
      onShutdownSignal(logger, () => simulator.close());
      process.stdout.write(`Replicate simulator listening: ${simulator.baseUrl}\n`);
      return;
    }
    case 'users': {
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
      const user = await withDatabase(config, logger, 'users create', (db) =>
        createUser(db, { name: name.data, dailyBudgetMicros, monthlyBudgetMicros }),
      );
      // The id the API uses (a global id), so it can go straight into `keys create` or a query.
      process.stdout.write(`${globalId('User', user.id)}\n`);
      return;
    }
    case 'keys': {
      if (subcommand !== 'create') throw new UsageError('expected: pixelgate keys create --user ID');
      const { values } = parseArgs({ args: rest, options: { user: { type: 'string' } } });
      if (!values.user) throw new UsageError('--user is required');
      const userId = values.user;
      const created = await withDatabase(config, logger, 'keys create', async (db) => {
        const user = await findUser(db, localId('User', userId) ?? '');
        if (!user) throw new UsageError(`no user with id ${userId}`);
        return createApiKey(db, user.id);
      });
      process.stdout.write(`${created.key}\n`);
      return;
    }
    case 'ledger': {
      if (subcommand !== 'verify') throw new UsageError('expected: pixelgate ledger verify');
      const report = await withDatabase(config, logger, 'ledger verify', (db) => verifyLedger(db));
      process.stdout.write(formatLedgerReport(report));
      if (!report.ok) process.exitCode = 1;
      return;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
  }
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
