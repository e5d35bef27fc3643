/**
 * Zero-setup Postgres for `npm start` and laptops: an embedded server in the data directory,
 * used only when DATABASE_URL is unset.
 *
 * One owner per data directory: the process that started (or adopted) the cluster records itself
 * in `owner.json` (pid, Postgres port, and for `serve` the address it serves). A second `serve`
 * on a directory whose owner is alive refuses at once and touches nothing; a CLI command shares
 * the live owner's cluster and never stops it. Only a dead owner's postmaster is adopted (it still
 * answers) or stopped (it does not).
 *
 * Postgres runs in a process group of its own (detached), so Ctrl-C in a terminal — SIGINT to the
 * whole foreground group — reaches only pixelgate, which stops its work first and Postgres last.
 * Its log goes to `postgres.log` in the data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import { clusterDirectory, importEmbeddedPostgres, postgresUserIds } from './embedded-install.ts';
import {
  DataDirectoryInUseError,
  type OwnerRecord,
  processIsAlive,
  bootedAt,
  readOwner,
  ownerIsAlive,
  inUseMessage,
  claimOwnership,
  rewriteOwnership,
  releaseOwnership,
} from './embedded-owner.ts';

const USER = 'pixelgate';
// Loopback-only and local to this machine; the password only keeps other local users out.
const PASSWORD = 'pixelgate-embedded';
const DATABASE = 'pixelgate';

export interface EmbeddedDatabase {
  readonly url: string;
  /**
   * True when the cluster was not started by this process: adopted from a dead owner, or shared
   * with a live one (then `stop` leaves it running).
   */
  readonly reused: boolean;
  /** Records the address this process serves the data directory at, for anyone who finds it busy. */
  announce(serverUrl: string): Promise<void>;
  stop(): Promise<void>;
}

const OWNER_FILE = 'owner.json';
const POSTGRES_LOG_FILE = 'postgres.log';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function urlFor(port: number, database = DATABASE): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function stopStalePostmaster(pidFile: string, logger: Logger): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processIsAlive(pid)) return;
  logger.warn({ pid }, 'stopping an embedded Postgres left behind by a previous process');
  process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, exits cleanly
  for (let waited = 0; waited < 15_000 && processIsAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (processIsAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * Starts the postmaster detached (its own session and process group), logging to a file so that
 * nothing ties it to this process's pipes; resolves once it accepts connections.
 */
async function spawnPostgres(
  binary: string,
  databaseDir: string,
  port: number,
  logFile: string,
): Promise<ChildProcess> {
  const log = await open(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(binary, ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], {
      ...postgresUserIds(),
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
  } finally {
    await log.close();
  }
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', () => {
    exited = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(urlFor(port, 'postgres')))) {
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill('SIGKILL');
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
      throw new Error(`embedded Postgres did not start in ${databaseDir}${tail ? `:\n${tail}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT'); // fast shutdown: rolls back open transactions, exits cleanly
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function createDatabaseIfMissing(port: number): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(port, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(DATABASE)}`);
  } finally {
    await client.end();
  }
}

export interface EmbeddedPostgresOptions {
  /**
   * What this process runs, for the ownership record. `serve` refuses a data directory a live
   * pixelgate owns; anything else (CLI commands, tests) shares the live owner's cluster.
   */
  readonly command?: string;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  logger: Logger,
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedDatabase> {
  const command = options.command ?? 'embedded';
  const root = path.resolve(dataDir);
  const ownerFile = path.join(root, OWNER_FILE);

  // A live owner first, before anything in the directory is touched.
  const shared = await shareLiveOwner(ownerFile, command, logger);
  if (shared) return shared;

  await mkdir(root, { recursive: true });
  // The `postgres` system user (see clusterDirectory) must be able to enter the data directory.
  await chmod(root, 0o755).catch(() => undefined);
  const databaseDir = await clusterDirectory(root, logger);
  const cluster: Cluster = {
    root,
    databaseDir,
    ownerFile,
    portFile: path.join(root, 'postgres.port'),
    pidFile: path.join(databaseDir, 'postmaster.pid'),
    command,
    logger,
  };
  return (await adoptLeftover(cluster)) ?? (await startOwnPostgres(cluster));
}

/** One data directory's cluster as this process sees it. */
interface Cluster {
  readonly root: string;
  readonly databaseDir: string;
  readonly ownerFile: string;
  /** The port the cluster last ran on (kept across starts, so clients' URLs stay valid). */
  readonly portFile: string;
  readonly pidFile: string;
  readonly command: string;
  readonly logger: Logger;
}

/**
 * A live pixelgate owns the directory: `serve` refuses, anything else uses its database and never
 * stops it. Undefined when no live owner is recorded.
 */
async function shareLiveOwner(
  ownerFile: string,
  command: string,
  logger: Logger,
): Promise<EmbeddedDatabase | undefined> {
  const owner = await readOwner(ownerFile);
  if (!owner || !ownerIsAlive(owner)) return undefined;
  if (command === 'serve') throw new DataDirectoryInUseError(inUseMessage(owner));
  if (!(await answers(urlFor(owner.port)))) {
    throw new DataDirectoryInUseError(`${inUseMessage(owner)}, and its database does not answer`);
  }
  logger.debug({ pid: owner.pid }, 'sharing the embedded Postgres of the pixelgate that owns the data directory');
  return { url: urlFor(owner.port), reused: true, announce: async () => undefined, stop: async () => undefined };
}

/**
 * The owner is dead: adopt its postmaster if it still answers (undefined otherwise, after stopping
 * what is left of it).
 */
async function adoptLeftover(cluster: Cluster): Promise<EmbeddedDatabase | undefined> {
  const { ownerFile, pidFile, logger } = cluster;
  const recordedPort = await recordedPortOf(cluster);
  if (!recordedPort || !existsSync(pidFile)) return undefined;
  if (!(await answers(urlFor(recordedPort)))) {
    await stopStalePostmaster(pidFile, logger);
    return undefined;
  }
  await claimOwnership(ownerFile, ownerRecord(cluster, recordedPort));
  logger.warn({ port: recordedPort }, 'adopting the embedded Postgres a stopped pixelgate left running');
  return {
    url: urlFor(recordedPort),
    reused: true,
    announce: (serverUrl) => rewriteOwnership(ownerFile, ownerRecord(cluster, recordedPort, serverUrl)),
    async stop() {
      await stopStalePostmaster(pidFile, logger);
      await releaseOwnership(ownerFile);
    },
  };
}

/** Claims the directory, initialises the cluster on first start, and runs a postmaster of our own. */
async function startOwnPostgres(cluster: Cluster): Promise<EmbeddedDatabase> {
  const { root, databaseDir, ownerFile, logger } = cluster;
  const recordedPort = await recordedPortOf(cluster);
  const port = recordedPort && (await portIsFree(recordedPort)) ? recordedPort : await freePort();
  await claimOwnership(ownerFile, ownerRecord(cluster, port));
  try {
    const { EmbeddedPostgres, postgresBinary } = await importEmbeddedPostgres(logger);
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      logger.info({ dataDir: root }, 'initialising embedded Postgres (first start)');
      const initdb = new EmbeddedPostgres({
        databaseDir,
        port,
        user: USER,
        password: PASSWORD,
        persistent: true,
        createPostgresUser: true,
        onLog: (message: string) => logger.trace({ postgres: message.trim() }, 'embedded postgres'),
        onError: (error: unknown) => logger.debug({ err: error }, 'embedded postgres'),
      });
      await initdb.initialise();
    }
    const child = await spawnPostgres(postgresBinary, databaseDir, port, path.join(root, POSTGRES_LOG_FILE));
    await writeFile(cluster.portFile, String(port));
    await createDatabaseIfMissing(port);
    return {
      url: urlFor(port),
      reused: false,
      announce: (serverUrl) => rewriteOwnership(ownerFile, ownerRecord(cluster, port, serverUrl)),
      async stop() {
        await stopChild(child);
        await releaseOwnership(ownerFile);
      },
    };
  } catch (error) {
    await releaseOwnership(ownerFile);
    throw error;
  }
}

async function recordedPortOf(cluster: Cluster): Promise<number | undefined> {
  return existsSync(cluster.portFile) ? Number(await readFile(cluster.portFile, 'utf8')) : undefined;
}

function ownerRecord(cluster: Cluster, port: number, serverUrl?: string): OwnerRecord {
  return {
    pid: process.pid,
    port,
    command: cluster.command,
    bootedAt: bootedAt(),
    ...(serverUrl ? { serverUrl } : {}),
  };
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
