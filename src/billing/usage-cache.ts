/**
 * `viewer { usage }` without a database round trip, and still exact: a bounded in-process cache
 * of each user's row and usage figures (`userWithUsage`), dropped the moment anything they are read
 * from changes.
 *
 * - **Every writer is heard.** Triggers (migration 0006) `NOTIFY pixelgate_usage, '<user id>'` on
 *   each change to the user's row, budget windows, generation statuses and request log, whoever
 *   commits it; a dedicated LISTEN connection per instance drops that user's entry.
 * - **No listener, no cache; no stale fill** (`NotifiedCache`): while that connection is down every
 *   read goes to the database, and a read under way when its user is invalidated is not kept.
 *   Concurrent misses for one user share one statement. (This holds with or without Redis: the
 *   triggers always notify through Postgres.)
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
import { NotifiedCache } from '../pubsub/notified-cache.ts';
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

export class UsageCache extends NotifiedCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(
    private readonly deps: { db: Executor; config: Config; now: () => Date; logger: Logger },
    settings: UsageCacheSettings = DEFAULT_USAGE_CACHE_SETTINGS,
  ) {
    super({ channel: USAGE_CHANNEL, applicationName: 'pixelgate-usage', name: 'usage listener', logger: deps.logger });
    this.entries = new LRUCache<string, Entry>({ max: settings.maxEntries, ttl: settings.ttlMs });
  }

  /** The user's row and usage now; undefined when there is no such user. */
  async read(userId: string): Promise<UserWithUsage | undefined> {
    const now = this.deps.now();
    const nowMs = now.getTime();
    if (this.listening) {
      const entry = this.entries.get(userId);
      if (entry && nowMs >= entry.readAtMs && nowMs < entry.validUntilMs) return entry.found;
    }
    return this.shared(
      userId,
      () => userWithUsage(this.deps.db, this.deps.config, userId, now),
      (found) => {
        if (found) this.entries.set(userId, { found, readAtMs: nowMs, validUntilMs: found.validUntil.getTime() });
      },
    );
  }

  protected forget(userId: string): void {
    this.entries.delete(userId);
  }

  protected forgetAll(): void {
    this.entries.clear();
  }
}
