/**
 * One owner per data directory: the process that started (or adopted) the cluster records itself
 * in `owner.json`, created exclusively so two processes starting at once cannot both own it. A
 * record from a dead process, or from before the machine's last boot, means nothing.
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';

/** The data directory belongs to another live pixelgate; nothing was touched. */
export class DataDirectoryInUseError extends Error {}

export interface OwnerRecord {
  readonly pid: number;
  readonly port: number;
  /** What the owner runs (`serve`, `migrate`, …). */
  readonly command: string;
  /** Where the owner serves GraphQL, once it listens. */
  readonly serverUrl?: string;
  /** When the machine booted, as the owner saw it: a pid from before a reboot means nothing. */
  readonly bootedAt: number;
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function bootedAt(): number {
  return Date.now() - os.uptime() * 1000;
}

export async function readOwner(file: string): Promise<OwnerRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<OwnerRecord>;
    if (!Number.isInteger(record.pid) || !Number.isInteger(record.port)) return undefined;
    return record as OwnerRecord;
  } catch {
    return undefined;
  }
}

/** Another process, alive, since this boot (a minute of slack for clock and uptime rounding). */
export function ownerIsAlive(owner: OwnerRecord): boolean {
  return owner.pid !== process.pid && processIsAlive(owner.pid) && Math.abs(owner.bootedAt - bootedAt()) < 60_000;
}

export function inUseMessage(owner: OwnerRecord): string {
  return owner.serverUrl
    ? `another pixelgate (pid ${owner.pid}) serves this data directory at ${owner.serverUrl}`
    : `another pixelgate (pid ${owner.pid}, \`${owner.command}\`) is using this data directory; try again when it has finished`;
}

/** Takes the data directory: exclusive create, so two processes starting at once cannot both own it. */
export async function claimOwnership(file: string, record: OwnerRecord): Promise<void> {
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

export async function rewriteOwnership(file: string, record: OwnerRecord): Promise<void> {
  const staging = `${file}.${process.pid}`;
  await writeFile(staging, `${JSON.stringify(record)}\n`);
  await rename(staging, file);
}

export async function releaseOwnership(file: string): Promise<void> {
  const current = await readOwner(file);
  if (current?.pid === process.pid) await unlink(file).catch(() => undefined);
}
