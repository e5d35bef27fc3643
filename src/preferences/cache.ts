/**
 * Each user's evidence per model, and the fleet's ratings (the prior), held per instance so an
 * automatic choice reads no statement while they are cached — the discipline of the usage cache
 * (`billing/usage-cache.ts`):
 *
 * - **Every writer is heard.** A trigger on `model_feedback` (migration 0013) sends
 *   `NOTIFY pixelgate_preferences, '<user id>'`; each instance's LISTEN connection drops that user
 *   and the fleet's ratings (any rating moves some model's prior), so two instances agree on a
 *   user's preference once the notification has arrived. The instance that commits a change drops
 *   them at once (`invalidate`), for read-your-writes.
 * - **No listener, no cache.** While LISTEN is down every read goes to the database, and
 *   everything is dropped when it drops and when it is back.
 * - **No stale fill.** A read under way when its user is invalidated answers its callers but is
 *   not kept; concurrent misses share one statement.
 * - **Time.** Evidence is read with its decay as of the read; the estimator decays it further by
 *   the time elapsed since (`beliefOf`), so an entry never needs re-reading just because time passed.
 *   Entries still expire after `ttlMs` of real time as a backstop.
 */
import { LRUCache } from 'lru-cache';
import type { Executor } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import { PostgresListener } from '../pubsub/listener.ts';
import type { FleetRatings, ModelEvidence } from './estimator.ts';
import { evidenceOf, fleetRatings } from './store.ts';

/** Also in migrations/0013_preferences.ts. An empty payload means every user. */
export const PREFERENCES_CHANNEL = 'pixelgate_preferences';

export interface UserPreferences {
  /** The app-clock instant the evidence's decay was computed for. */
  readonly readAt: Date;
  readonly evidence: ReadonlyMap<string, ModelEvidence>;
  readonly fleet: ReadonlyMap<string, FleetRatings>;
}

export interface PreferenceCacheSettings {
  readonly maxEntries: number;
  readonly ttlMs: number;
}

export const DEFAULT_PREFERENCE_CACHE_SETTINGS: PreferenceCacheSettings = { maxEntries: 10_000, ttlMs: 10 * 60_000 };

const FLEET = '\u0000fleet';

interface Read<T> {
  readonly promise: Promise<T>;
  stale: boolean;
}

export class PreferenceCache {
  private readonly evidence: LRUCache<string, { readAt: Date; evidence: Map<string, ModelEvidence> }>;
  private fleetEntry: Map<string, FleetRatings> | undefined;
  private readonly reads = new Map<string, Read<unknown>>();
  private listener: PostgresListener | undefined;

  constructor(
    private readonly deps: { db: Executor; now: () => Date; logger: Logger },
    settings: PreferenceCacheSettings = DEFAULT_PREFERENCE_CACHE_SETTINGS,
  ) {
    this.evidence = new LRUCache({ max: settings.maxEntries, ttl: settings.ttlMs });
  }

  /** Starts listening for changes on a connection of its own; retried in the background on failure. */
  async listen(connectionString: string): Promise<void> {
    await this.listener?.close();
    this.clear();
    this.listener = new PostgresListener({
      connectionString,
      applicationName: 'pixelgate-preferences',
      channels: [PREFERENCES_CHANNEL],
      name: 'preferences listener',
      logger: this.deps.logger,
      onNotification: ({ payload }) => (payload ? this.invalidate(payload) : this.clear()),
      onConnected: () => this.clear(),
      onDisconnected: () => this.clear(),
    });
    await this.listener.startOrRetry();
  }

  get listening(): boolean {
    return this.listener?.connected ?? false;
  }

  /** The user's evidence and the fleet's ratings; no statement while both are cached. */
  async read(userId: string): Promise<UserPreferences> {
    const [own, fleet] = await Promise.all([this.userEvidence(userId), this.fleet()]);
    return { readAt: own.readAt, evidence: own.evidence, fleet };
  }

  /** Forgets the user (and the fleet's ratings, which their change may move). */
  invalidate(userId: string): void {
    this.evidence.delete(userId);
    this.dropRead(userId);
    this.fleetEntry = undefined;
    this.dropRead(FLEET);
  }

  clear(): void {
    this.evidence.clear();
    this.fleetEntry = undefined;
    for (const read of this.reads.values()) read.stale = true;
    this.reads.clear();
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.clear();
  }

  private dropRead(key: string): void {
    const read = this.reads.get(key);
    if (read) {
      read.stale = true;
      this.reads.delete(key);
    }
  }

  private async userEvidence(userId: string): Promise<{ readAt: Date; evidence: Map<string, ModelEvidence> }> {
    const cached = this.listening ? this.evidence.get(userId) : undefined;
    if (cached) return cached;
    const readAt = this.deps.now();
    return this.shared(
      userId,
      async () => ({ readAt, evidence: await evidenceOf(this.deps.db, userId, readAt) }),
      (entry) => this.evidence.set(userId, entry),
    );
  }

  private async fleet(): Promise<Map<string, FleetRatings>> {
    if (this.listening && this.fleetEntry) return this.fleetEntry;
    return this.shared(
      FLEET,
      () => fleetRatings(this.deps.db),
      (entry) => (this.fleetEntry = entry),
    );
  }

  /** One statement for concurrent misses of `key`, kept only if nothing invalidated it meanwhile. */
  private shared<T>(key: string, load: () => Promise<T>, keep: (value: T) => void): Promise<T> {
    const running = this.reads.get(key) as Read<T> | undefined;
    if (running) return running.promise;
    const read: Read<T> = {
      stale: false,
      promise: load()
        .then((value) => {
          if (!read.stale && this.listening) keep(value);
          return value;
        })
        .finally(() => {
          if (this.reads.get(key) === read) this.reads.delete(key);
        }),
    };
    this.reads.set(key, read as Read<unknown>);
    return read.promise;
  }
}
