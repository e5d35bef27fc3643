/**
 * A small cross-instance message bus: every instance hears every message published on a
 * channel, its own included. Postgres LISTEN/NOTIFY by default (no extra infrastructure), Redis
 * pub/sub when `REDIS_URL` is set. Delivery is best effort — a message published while an
 * instance is reconnecting is lost — so listeners are told after each reconnect and re-read
 * whatever they follow from the database.
 */
import type { Logger } from '../logger.ts';

export type MessageListener = (message: unknown) => void;

export interface MessageBus {
  readonly kind: 'postgres' | 'redis';
  /**
   * Best effort, and never rejects: a message that cannot be sent (the bus is away or hangs) is
   * counted in `publishFailures` and lost; subscribers resync from the database.
   */
  publish(channel: string, message: unknown): Promise<void>;
  /** Messages this process could not publish since it started. */
  readonly publishFailures: number;
  /** True when the bus answers now (for /readyz), within its command timeout. */
  reachable(): Promise<boolean>;
  /** Returns the unsubscribe function. */
  subscribe(channel: string, listener: MessageListener): () => void;
  /** Called after the bus reconnected (messages may have been missed meanwhile). */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * Publishing that fails is counted and logged: one warn line when publishing starts failing, one
 * info line when it works again, debug lines in between (an outage must not write a line per event).
 */
export class PublishFailures {
  count = 0;
  private failing = false;

  constructor(
    private readonly logger: Logger,
    private readonly bus: MessageBus['kind'],
  ) {}

  async attempt(channel: string, publish: () => Promise<unknown>): Promise<void> {
    try {
      await publish();
    } catch (error) {
      this.count += 1;
      if (this.failing) return this.logger.debug({ err: error, channel }, 'could not publish a message');
      this.failing = true;
      this.logger.warn({ err: error, channel, bus: this.bus }, 'could not publish a message; subscribers will resync');
      return;
    }
    if (!this.failing) return;
    this.failing = false;
    this.logger.info({ bus: this.bus }, 'publishing works again');
  }
}

/** Channel → listeners, shared by the implementations. */
export class ListenerRegistry {
  private readonly channels = new Map<string, Set<MessageListener>>();
  private readonly reconnectListeners = new Set<() => void>();

  add(channel: string, listener: MessageListener): { first: boolean; remove: () => { last: boolean } } {
    let listeners = this.channels.get(channel);
    const first = listeners === undefined;
    if (!listeners) {
      listeners = new Set();
      this.channels.set(channel, listeners);
    }
    listeners.add(listener);
    return {
      first,
      remove: () => {
        const current = this.channels.get(channel);
        if (!current?.delete(listener)) return { last: false };
        if (current.size > 0) return { last: false };
        this.channels.delete(channel);
        return { last: true };
      },
    };
  }

  channelNames(): string[] {
    return [...this.channels.keys()];
  }

  dispatch(channel: string, message: unknown, onError: (error: unknown) => void): void {
    for (const listener of [...(this.channels.get(channel) ?? [])]) {
      try {
        listener(message);
      } catch (error) {
        onError(error);
      }
    }
  }

  addReconnectListener(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  reconnected(onError: (error: unknown) => void): void {
    for (const listener of [...this.reconnectListeners]) {
      try {
        listener();
      } catch (error) {
        onError(error);
      }
    }
  }
}
