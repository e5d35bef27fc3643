/**
 * A small cross-instance message bus: every instance hears every message published on a
 * channel, its own included. Postgres LISTEN/NOTIFY by default (no extra infrastructure), Redis
 * pub/sub when `REDIS_URL` is set. Delivery is best effort — a message published while an
 * instance is reconnecting is lost — so listeners are told after each reconnect and re-read
 * whatever they follow from the database.
 */
export type MessageListener = (message: unknown) => void;

export interface MessageBus {
  readonly kind: 'postgres' | 'redis';
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(channel: string, listener: MessageListener): () => void;
  /** Called after the bus reconnected (messages may have been missed meanwhile). */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
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
