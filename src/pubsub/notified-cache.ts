/**
 * The invalidation half of a per-instance cache that a Postgres trigger keeps exact: the trigger
 * sends `NOTIFY <channel>, '<key>'` on every change, and a dedicated LISTEN connection
 * (`PostgresListener`) drops that key (an empty payload drops everything). Billing's usage cache and
 * the preferences cache are built on it; each keeps its entries its own way (`forget`, `forgetAll`).
 *
 * - **No listener, no cache.** `listening` is false while the connection is down, when callers
 *   must not serve entries; everything is dropped when it drops and again when LISTEN is back in
 *   force, so a notification missed in between can never leave a stale entry.
 * - **No stale fill.** `shared` runs one statement for concurrent misses of a key; a read under
 *   way when its key (or everything) is invalidated answers its callers but is not kept, and the
 *   next read starts afresh rather than joining it.
 */
import type { Logger } from '../logger.ts';
import { PostgresListener } from './listener.ts';

export interface NotifiedCacheChannel {
  /** The channel the trigger notifies, with the key as payload. */
  readonly channel: string;
  /** `application_name` of the LISTEN connection. */
  readonly applicationName: string;
  /** What listens, for log lines ("usage listener"). */
  readonly name: string;
  readonly logger: Logger;
}

interface Read<T> {
  readonly promise: Promise<T>;
  /** Set when the key (or everything) was invalidated while the statement ran: not to be kept. */
  stale: boolean;
}

export abstract class NotifiedCache {
  private listener: PostgresListener | undefined;
  private readonly reads = new Map<string, Read<unknown>>();

  protected constructor(private readonly source: NotifiedCacheChannel) {}

  /** Drops the entry of `key`. */
  protected abstract forget(key: string): void;
  /** Drops every entry. */
  protected abstract forgetAll(): void;

  /**
   * Starts listening for changes on a connection of its own (instead of any earlier one). Resolves
   * after the first attempt; when that fails, the cache stays bypassed and the connection is
   * retried in the background.
   */
  async listen(connectionString: string): Promise<void> {
    await this.listener?.close();
    this.clear();
    const { channel, applicationName, name, logger } = this.source;
    this.listener = new PostgresListener({
      connectionString,
      applicationName,
      channels: [channel],
      name,
      logger,
      onNotification: ({ payload }) => (payload ? this.invalidate(payload) : this.clear()),
      onConnected: () => this.clear(),
      onDisconnected: () => this.clear(),
    });
    await this.listener.startOrRetry();
  }

  /** True while changes are heard, i.e. while entries may be kept and served. */
  get listening(): boolean {
    return this.listener?.connected ?? false;
  }

  /** Forgets `key`: call right after committing anything its entry is read from. */
  invalidate(key: string): void {
    this.forget(key);
    const read = this.reads.get(key);
    if (read) {
      read.stale = true;
      this.reads.delete(key);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.forgetAll();
    for (const read of this.reads.values()) read.stale = true;
    this.reads.clear();
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.clear();
  }

  /**
   * One `load` for concurrent misses of `key`; its value is handed to `keep` only if nothing
   * invalidated the key meanwhile and changes are still heard.
   */
  protected shared<T>(key: string, load: () => Promise<T>, keep: (value: T) => void): Promise<T> {
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
