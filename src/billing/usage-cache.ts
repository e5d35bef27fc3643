/**
 * `viewer { usage }` without a database round trip, and still exact: a bounded in-process cache
 * of each user's row and usage figures (`userWithUsage`), dropped the moment anything they are read
 * from changes.
 *
 * - **Every writer is heard.** Triggers (migration 0006) `NOTIFY pixelgate_usage, '<user id>'` on
 *   each change to the user's row, budget windows, generation statuses and request log, whoever
 *   commits it; a dedicated LISTEN connection per instance drops that user's entry.
 * - **No listener, no cache.** While that connection is down every read goes to the database,
 *   and everything is dropped when it drops and again when LISTEN is back in force, so a
 *   notification missed in between can never leave a stale entry. (This holds with or without
 *   Redis: the triggers always notify through Postgres.)
 * - **No stale fill.** A read that was under way when its user was invalidated (or everything was)
 *   answers its callers but is not kept; the next read starts afresh rather than joining it.
 *   Concurrent misses for one user share one statement.
 * - **Time.** An entry holds until the figures could change without a write (the day's end, the
 *   oldest counted request leaving the sliding minute: `UserWithUsage.validUntil`), by the app's
 *   clock, and for at most `ttlMs` of real time.
 * - **Read your writes.** NOTIFY reaches this instance a little after a commit; the instance's
 *   own writers call `invalidate` right after they commit (generation changes, admin mutations).
 */
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import { PostgresListener } from '../pubsub/listener.ts';
import { userWithUsage, type UserWithUsage } from './usage.ts';

/** Also in migrations/0006_usage_notify.ts. An empty payload means every user. */
export const USAGE_CHANNEL = 'pixelgate_usage';

export interface UsageCacheSettings {
  /** Users remembered at once. */
  readonly maxEntries: number;
  /** Backstop: an entry is read again after this long (real time) whatever happened. */
  readonly ttlMs: number;
}

export const DEFAULT_USAGE_CACHE_SETTINGS: UsageCacheSettings = { maxEntries: 10_000, ttlMs: 30_000 };

interface Entry {
  readonly found: UserWithUsage;
  /** The app-clock instant the figures were read at, and the first one they no longer hold at. */
  readonly readAtMs: number;
  readonly validUntilMs: number;
}

interface Read {
  readonly promise: Promise<UserWithUsage | undefined>;
  /** Set when the user (or everyone) was invalidated while the statement ran: not to be kept. */
  stale: boolean;
}

export class UsageCache {
  private readonly entries: LRUCache<string, Entry>;
  private readonly reads = new Map<string, Read>();
  private listener: PostgresListener | undefined;

  constructor(
    private readonly deps: { db: Executor; config: Config; now: () => Date; logger: Logger },
    settings: UsageCacheSettings = DEFAULT_USAGE_CACHE_SETTINGS,
  ) {
    this.entries = new LRUCache<string, Entry>({ max: settings.maxEntries, ttl: settings.ttlMs });
  }

  /**
   * Starts listening for changes on a connection of its own (instead of any earlier one). Resolves
   * after the first attempt; when that fails, the cache stays bypassed and the connection is
   * retried in the background.
   */
  async listen(connectionString: string): Promise<void> {
    await this.listener?.close();
    this.clear();
    this.listener = new PostgresListener({
      connectionString,
      applicationName: 'pixelgate-usage',
      channels: [USAGE_CHANNEL],
      name: 'usage listener',
      logger: this.deps.logger,
      onNotification: ({ payload }) => (payload ? this.invalidate(payload) : this.clear()),
      onConnected: () => this.clear(),
      onDisconnected: () => this.clear(),
    });
    await this.listener.startOrRetry();
  }

  /** True while changes are heard, i.e. while entries are kept and served. */
  get listening(): boolean {
    return this.listener?.connected ?? false;
  }

  /** The user's row and usage now; undefined when there is no such user. */
  async read(userId: string): Promise<UserWithUsage | undefined> {
    const nowMs = this.deps.now().getTime();
    if (this.listening) {
      const entry = this.entries.get(userId);
      if (entry && nowMs >= entry.readAtMs && nowMs < entry.validUntilMs) return entry.found;
    }
    return (this.reads.get(userId) ?? this.startRead(userId)).promise;
  }

  /** Forgets the user: call right after committing anything their figures are read from. */
  invalidate(userId: string): void {
    this.entries.delete(userId);
    const read = this.reads.get(userId);
    if (read) {
      read.stale = true;
      this.reads.delete(userId);
    }
  }

  /** Forgets every user. */
  clear(): void {
    this.entries.clear();
    for (const read of this.reads.values()) read.stale = true;
    this.reads.clear();
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.clear();
  }

  private startRead(userId: string): Read {
    const now = this.deps.now();
    const read: Read = {
      stale: false,
      promise: userWithUsage(this.deps.db, this.deps.config, userId, now)
        .then((found) => {
          if (found && !read.stale && this.listening) {
            this.entries.set(userId, { found, readAtMs: now.getTime(), validUntilMs: found.validUntil.getTime() });
          }
          return found;
        })
        .finally(() => {
          if (this.reads.get(userId) === read) this.reads.delete(userId);
        }),
    };
    this.reads.set(userId, read);
    return read;
  }
}
