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
 * - **No listener, no cache; no stale fill** (`NotifiedCache`): while LISTEN is down every read
 *   goes to the database, and a read under way when its user is invalidated is not kept;
 *   concurrent misses share one statement.
 * - **Time.** Evidence is read with its decay as of the read; the estimator decays it further by
 *   the time elapsed since (`beliefOf`), so an entry never needs re-reading just because time passed.
 *   Entries still expire after `ttlMs` of real time as a backstop.
 */
import { LRUCache } from 'lru-cache';
import type { Executor } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import { NotifiedCache } from '../pubsub/notified-cache.ts';
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

/** The key of the fleet's ratings (no user id is empty or starts with a NUL). */
const FLEET = '\u0000fleet';

export class PreferenceCache extends NotifiedCache {
  private readonly evidence: LRUCache<string, { readAt: Date; evidence: Map<string, ModelEvidence> }>;
  private fleetEntry: Map<string, FleetRatings> | undefined;

  constructor(
    private readonly deps: { db: Executor; now: () => Date; logger: Logger },
    settings: PreferenceCacheSettings = DEFAULT_PREFERENCE_CACHE_SETTINGS,
  ) {
    super({
      channel: PREFERENCES_CHANNEL,
      applicationName: 'pixelgate-preferences',
      name: 'preferences listener',
      logger: deps.logger,
    });
    this.evidence = new LRUCache({ max: settings.maxEntries, ttl: settings.ttlMs });
  }

  /** The user's evidence and the fleet's ratings; no statement while both are cached. */
  async read(userId: string): Promise<UserPreferences> {
    const [own, fleet] = await Promise.all([this.userEvidence(userId), this.fleet()]);
    return { readAt: own.readAt, evidence: own.evidence, fleet };
  }

  /** Forgets the user, and the fleet's ratings, which their change may move. */
  override invalidate(userId: string): void {
    super.invalidate(userId);
    super.invalidate(FLEET);
  }

  protected forget(key: string): void {
    if (key === FLEET) this.fleetEntry = undefined;
    else this.evidence.delete(key);
  }

  protected forgetAll(): void {
    this.evidence.clear();
    this.fleetEntry = undefined;
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
}
