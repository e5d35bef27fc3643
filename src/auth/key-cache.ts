/**
 * API keys resolved without a database round trip on the hot path.
 *
 * - A bounded LRU of presented-key hashes → owner (or "no such key"), each entry living at most
 *   `ttlMs`: the TTL is the backstop for a revocation whose push was lost (the bus is best effort);
 *   the push itself (`forget`) drops an entry at once on every instance.
 * - Concurrent look-ups of one key share a single query.
 * - `last_used_at` is a hint for humans: uses are remembered in memory and written in one statement
 *   per flush, at most once per `lastUsedResolutionMs` per key.
 * The raw key is never kept: entries are indexed by its SHA-256.
 */
import { LRUCache } from 'lru-cache';
import { sql } from 'kysely';
import type { Executor } from '../db/index.ts';
import type { MessageBus } from '../pubsub/index.ts';
import { API_KEY_PATTERN, hashApiKey, lookUpApiKey, type VerifiedApiKey } from './api-keys.ts';

export interface ApiKeyCacheSettings {
  /** Keys (valid or not) remembered at once. */
  readonly maxEntries: number;
  /** How long a resolved key is trusted without asking the database again. */
  readonly ttlMs: number;
  /** `last_used_at` moves at most this often per key. */
  readonly lastUsedResolutionMs: number;
}

const API_KEY_REVOKED_CHANNEL = 'auth:api-key-revoked';

/** Called with the revoked key's id, or with null when revocations may have been missed. */
export type RevocationListener = (apiKeyId: string | null) => void;

export const DEFAULT_API_KEY_CACHE_SETTINGS: ApiKeyCacheSettings = {
  maxEntries: 10_000,
  ttlMs: 30_000,
  lastUsedResolutionMs: 60_000,
};

interface Resolution {
  readonly verified: VerifiedApiKey | null;
  /** The last use written (or read) for this key, in ms. */
  lastUseWrittenMs: number | undefined;
}

export class ApiKeyCache {
  private readonly entries: LRUCache<string, Resolution>;
  /**
   * Keys that are unknown (or revoked), remembered apart from real ones: a flood of random
   * well-formed keys costs one lookup each, then fills only this cache, never evicting a real key.
   */
  private readonly misses: LRUCache<string, Resolution>;
  private readonly inFlight = new Map<string, Promise<Resolution>>();
  /** apiKeyId → hash of the presented key, to forget an entry by id. */
  private readonly hashById = new Map<string, string>();
  /** apiKeyId → last use not yet written. */
  private readonly pendingUses = new Map<string, Date>();
  private generation = 0;
  private bus: MessageBus | undefined;
  private readonly revocationListeners = new Set<RevocationListener>();

  constructor(
    private readonly db: Executor,
    private readonly now: () => Date,
    private readonly settings: ApiKeyCacheSettings = DEFAULT_API_KEY_CACHE_SETTINGS,
  ) {
    this.entries = new LRUCache<string, Resolution>({
      max: settings.maxEntries,
      ttl: settings.ttlMs,
      dispose: (resolution, hash) => {
        const id = resolution.verified?.apiKeyId;
        if (id !== undefined && this.hashById.get(id) === hash) this.hashById.delete(id);
      },
    });
    this.misses = new LRUCache<string, Resolution>({ max: settings.maxEntries, ttl: settings.ttlMs });
  }

  /** The key's owner, or null for a malformed, unknown or revoked key. */
  async verify(key: string): Promise<VerifiedApiKey | null> {
    if (!API_KEY_PATTERN.test(key)) return null;
    const hash = hashApiKey(key).toString('hex');
    const resolution = this.entries.get(hash) ?? this.misses.get(hash) ?? (await this.lookUp(key, hash));
    if (resolution.verified) this.recordUse(resolution);
    return resolution.verified;
  }

  /**
   * Hears revocations announced by every instance (this one included) over the bus; after the bus
   * reconnects (messages may have been lost) everything cached is dropped.
   */
  follow(bus: MessageBus): () => void {
    this.bus = bus;
    const unsubscribe = bus.subscribe(API_KEY_REVOKED_CHANNEL, (message) => {
      const apiKeyId = (message as { apiKeyId?: unknown } | null)?.apiKeyId;
      if (typeof apiKeyId === 'string') this.revoked(apiKeyId);
    });
    const stopReconnects = bus.onReconnect(() => {
      this.clear();
      this.notify(null);
    });
    return () => {
      unsubscribe();
      stopReconnects();
    };
  }

  /** Tells every instance that a key was revoked (after the revocation committed). */
  async announceRevocation(apiKeyId: string): Promise<void> {
    this.revoked(apiKeyId);
    await this.bus?.publish(API_KEY_REVOKED_CHANNEL, { apiKeyId });
  }

  onRevocation(listener: RevocationListener): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  private revoked(apiKeyId: string): void {
    this.forget(apiKeyId);
    this.notify(apiKeyId);
  }

  private notify(apiKeyId: string | null): void {
    for (const listener of this.revocationListeners) listener(apiKeyId);
  }

  /** Drops what is known of a key (revoked here or on another instance). */
  forget(apiKeyId: string): void {
    this.generation += 1;
    const hash = this.hashById.get(apiKeyId);
    if (hash !== undefined) this.entries.delete(hash);
    this.hashById.delete(apiKeyId);
    this.pendingUses.delete(apiKeyId);
  }

  /** Drops everything, e.g. after the bus reconnected and revocations may have been missed. */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
    this.misses.clear();
    this.hashById.clear();
  }

  /** Flushes last uses every `intervalMs`; the returned stop function flushes once more. */
  flushEvery(intervalMs: number, onError: (error: unknown) => void): () => Promise<void> {
    const timer = setInterval(() => this.flushLastUsed().catch(onError), intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await this.flushLastUsed().catch(onError);
    };
  }

  /** Writes the remembered uses in one statement. */
  async flushLastUsed(): Promise<void> {
    if (this.pendingUses.size === 0) return;
    const uses = [...this.pendingUses.entries()];
    this.pendingUses.clear();
    const rows = uses.map(([id, at]) => sql`(${id}::uuid, ${at}::timestamptz)`);
    await sql`
      update api_keys set last_used_at = uses.at
      from (values ${sql.join(rows)}) as uses(id, at)
      where api_keys.id = uses.id and (api_keys.last_used_at is null or api_keys.last_used_at < uses.at)
    `.execute(this.db);
  }

  private lookUp(key: string, hash: string): Promise<Resolution> {
    const pending = this.inFlight.get(hash);
    if (pending) return pending;
    const generation = this.generation;
    const lookup = lookUpApiKey(this.db, key)
      .then((found): Resolution => {
        const resolution: Resolution = {
          verified: found?.verified ?? null,
          lastUseWrittenMs: found?.lastUsedAt?.getTime(),
        };
        // A revocation (or a clear) that arrived while the query ran must not be undone by it.
        if (generation === this.generation) {
          if (!resolution.verified) this.misses.set(hash, resolution);
          else {
            this.entries.set(hash, resolution);
            this.hashById.set(resolution.verified.apiKeyId, hash);
          }
        }
        return resolution;
      })
      .finally(() => this.inFlight.delete(hash));
    this.inFlight.set(hash, lookup);
    return lookup;
  }

  private recordUse(resolution: Resolution): void {
    const { apiKeyId } = resolution.verified!;
    const now = this.now();
    const written = resolution.lastUseWrittenMs;
    if (written !== undefined && now.getTime() - written < this.settings.lastUsedResolutionMs) return;
    resolution.lastUseWrittenMs = now.getTime();
    this.pendingUses.set(apiKeyId, now);
  }
}
