/**
 * How many client connections (HTTP and WebSocket alike: each is one socket) one server accepts.
 * Past its file-descriptor limit a process fails everything that opens one — database and Redis
 * connections, calls to Replicate, stored images — so the cap sits below the limit with headroom
 * for those; a connection over it is dropped at once by Node (`server.maxConnections`), and the
 * instance keeps answering the connections it has, `/readyz` included.
 */
import { readFileSync } from 'node:fs';

/** Descriptors kept for everything but clients: the database pool, Redis, Replicate, files, the worker. */
export const DESCRIPTOR_HEADROOM = 512;
/** The cap when the descriptor limit cannot be read (not Linux) and none is configured. */
const FALLBACK_CAP = 10_000;

/** The soft "Max open files" limit of this process (`ulimit -n`), when the platform says. */
export function openFileLimit(limitsFile = '/proc/self/limits'): number | undefined {
  try {
    const line = readFileSync(limitsFile, 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** The connection cap: the configured one, never above the descriptor limit less the headroom. */
export function connectionCap(configured: number | undefined, fileLimit = openFileLimit()): number {
  const ceiling = fileLimit === undefined ? undefined : Math.max(1, fileLimit - DESCRIPTOR_HEADROOM);
  const wanted = configured ?? ceiling ?? FALLBACK_CAP;
  return ceiling === undefined ? wanted : Math.min(wanted, ceiling);
}
