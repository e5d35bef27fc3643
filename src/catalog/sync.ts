/**
 * Keeps this process's catalog (`setCatalog`) equal to the database's: loaded once at start,
 * reloaded whenever any instance (or the CLI, or psql) changes the catalog tables — their trigger
 * sends `NOTIFY pixelgate_catalog` on commit, heard on a dedicated connection — and again each
 * time LISTEN comes back after a drop (a notification may have been missed meanwhile). A change is
 * in force on every instance within one notification and one load (milliseconds). Reads stay
 * synchronous and cost nothing: they read the snapshot in memory. A periodic reload refreshes the
 * typical costs measured from settled runs, which change without a catalog write.
 */
import type { Executor } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import { PostgresListener } from '../pubsub/listener.ts';
import { setCatalog } from './models.ts';
import { CATALOG_CHANNEL, loadCatalog } from './store.ts';

/** Typical costs of time-billed models are re-measured this often without a change. */
const DEFAULT_REFRESH_MS = 60_000;

export class CatalogSync {
  private listener: PostgresListener | undefined;
  private loading: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: { db: Executor; logger: Logger; refreshMs?: number }) {}

  /** Loads the catalog (rejects when it cannot), then follows changes on a connection of its own. */
  async start(connectionString: string): Promise<void> {
    await this.reload();
    this.listener = new PostgresListener({
      connectionString,
      applicationName: 'pixelgate-catalog',
      channels: [CATALOG_CHANNEL],
      name: 'catalog listener',
      logger: this.deps.logger,
      onNotification: () => void this.reloadQuietly(),
      onConnected: (reconnected) => {
        if (reconnected) void this.reloadQuietly();
      },
    });
    await this.listener.startOrRetry();
    this.timer = setInterval(() => void this.reloadQuietly(), this.deps.refreshMs ?? DEFAULT_REFRESH_MS);
    this.timer.unref();
  }

  /**
   * Reads the catalog and puts it in force. Calls while a load runs are folded into one more load
   * after it, so the last change committed before a call is always in what it waits for.
   */
  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          setCatalog(await loadCatalog(this.deps.db));
        } while (this.again);
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.listener?.close();
    await this.loading?.catch(() => undefined);
  }

  private async reloadQuietly(): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'catalog reload failed; serving the catalog loaded before');
    }
  }
}
