/**
 * A dedicated Postgres LISTEN connection: outside the pool (a pooled connection would be handed
 * to queries), reconnecting with backoff whenever it drops. Whoever listens is told when the
 * connection is lost and when LISTEN is in force again, since notifications sent in between are
 * never delivered. Used by the message bus (`postgres.ts`), the catalog's sync and the caches
 * that NOTIFY invalidates (`notified-cache.ts`).
 */
import pg from 'pg';
import type { Logger } from '../logger.ts';

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

export interface PostgresListenerOptions {
  readonly connectionString: string;
  /** `application_name` of the connection (what `pg_stat_activity` shows). */
  readonly applicationName: string;
  readonly channels: readonly string[];
  /** What listens, for log lines ("event listener"). */
  readonly name: string;
  readonly logger: Logger;
  readonly onNotification: (notification: pg.Notification) => void;
  /** LISTEN is in force on a new connection; `reconnected` is false for the first one. */
  readonly onConnected?: (reconnected: boolean) => void;
  /** The connection dropped: notifications are missed until the next `onConnected`. */
  readonly onDisconnected?: () => void;
}

/** Ends a connection nobody listens on any more; its late errors are of no interest. */
async function endQuietly(client: pg.Client): Promise<void> {
  client.removeAllListeners();
  client.on('error', () => undefined);
  await client.end().catch(() => undefined);
}

export class PostgresListener {
  private client: pg.Client | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoffMs = RECONNECT_MIN_MS;
  private connections = 0;

  constructor(private readonly options: PostgresListenerOptions) {}

  /** True while LISTEN is in force: every notification committed from now on arrives. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /** The first connection; rejects when it fails, and then nothing retries. */
  start(): Promise<void> {
    return this.connect();
  }

  /** The first connection, retried with backoff in the background when it fails. */
  async startOrRetry(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      this.options.logger.warn({ err: error }, `${this.options.name} could not connect; retrying`);
      this.scheduleReconnect();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const current = this.client;
    this.client = undefined;
    if (current) await endQuietly(current);
  }

  private async connect(): Promise<void> {
    const { connectionString, applicationName, channels, logger, name } = this.options;
    const next = new pg.Client({ connectionString, application_name: applicationName, keepAlive: true });
    next.on('notification', this.options.onNotification);
    next.on('error', (error) => {
      logger.warn({ err: error }, `${name} connection failed; reconnecting`);
      this.dropAndReconnect(next);
    });
    next.on('end', () => this.dropAndReconnect(next));
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await endQuietly(next);
      throw error;
    }
    if (this.closed) {
      await endQuietly(next);
      return;
    }
    this.client = next;
    this.backoffMs = RECONNECT_MIN_MS;
    this.connections += 1;
    this.options.onConnected?.(this.connections > 1);
  }

  private dropAndReconnect(dropped: pg.Client): void {
    if (this.closed || this.client !== dropped) return;
    this.client = undefined;
    dropped.removeAllListeners('notification');
    dropped.end().catch(() => undefined);
    this.options.onDisconnected?.();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(async () => {
      this.reconnectTimer = undefined;
      try {
        await this.connect();
      } catch (error) {
        this.options.logger.warn({ err: error }, `${this.options.name} could not reconnect; retrying`);
        this.backoffMs = Math.min(RECONNECT_MAX_MS, this.backoffMs * 2);
        this.scheduleReconnect();
      }
    }, this.backoffMs);
  }
}
