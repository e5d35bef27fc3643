/**
 * The connections that stay open — WebSocket sockets and SSE (`text/event-stream`) subscriptions —
 * under one set of limits, whichever transport they use:
 *
 * - per instance (`WS_MAX_SOCKETS`): sockets and streams together;
 * - per user (`WS_MAX_SOCKETS_PER_USER`): a user's sockets and streams together;
 * - per API key, for revocation: a revoked key (here or on another instance, through the bus) ends
 *   every connection it opened at once, and a periodic re-check is the backstop for a lost push.
 *
 * Each transport says how it ends one of its connections (`end`). Bytes waiting for slow clients
 * are bounded per connection (`WS_MAX_BUFFERED_BYTES`) and for all of them together
 * (`WS_MAX_BUFFERED_BYTES_TOTAL`): each transport asks `slowConsumer` before it sends, with the
 * bytes that would then wait, and tells `drained` when its client took some.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { Viewer } from './context.ts';

export interface LiveConnectionLimits {
  /** Open sockets and streams on this instance. */
  readonly maxConnections: number;
  /** Open sockets and streams of one user on this instance. */
  readonly maxConnectionsPerUser: number;
  /** Bytes queued for one connection before it counts as a slow consumer and is ended. */
  readonly maxBufferedBytes: number;
  /** Bytes queued for all of this instance's connections together: past it, the ones furthest behind are ended. */
  readonly maxBufferedBytesTotal: number;
}

/** Why a connection is ended by the registry rather than by its client. */
export type EndReason = 'revoked' | 'slowConsumer';

export interface LiveConnection {
  readonly transport: 'websocket' | 'sse';
  /** The credential it presented, re-checked periodically; null for an anonymous one. */
  readonly authorization: string | null;
  /** Ends the connection in its transport's way (a close code, the end of the stream). */
  end(reason: EndReason, message: string): void;
}

type UserViewer = Extract<Viewer, { kind: 'user' }>;

export class LiveConnections {
  private readonly all = new Set<LiveConnection>();
  private readonly byUser = new Map<string, Set<LiveConnection>>();
  private readonly byKey = new Map<string, Set<LiveConnection>>();
  private readonly owners = new Map<LiveConnection, UserViewer>();
  /** Each connection's bytes waiting, as last checked (none: 0), and their sum. */
  private readonly waiting = new Map<LiveConnection, number>();
  private waitingTotal = 0;
  private readonly slowConsumers: Counter<'bound'>;

  constructor(
    readonly limits: LiveConnectionLimits,
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    const registers = registry ? [registry] : [];
    this.slowConsumers = new Counter({
      name: 'pixelgate_live_slow_consumers_total',
      help: 'Sockets and SSE streams ended as slow consumers, by the bound they passed (connection: WS_MAX_BUFFERED_BYTES, instance: WS_MAX_BUFFERED_BYTES_TOTAL).',
      labelNames: ['bound'],
      registers,
    });
    const buffered: Gauge = new Gauge({
      name: 'pixelgate_live_buffered_bytes',
      help: 'Bytes waiting in the process for the clients of all sockets and SSE streams, as last checked (bounded by WS_MAX_BUFFERED_BYTES_TOTAL).',
      registers,
      collect: () => buffered.set(this.bufferedBytes),
    });
  }

  /** Bytes waiting for every connection's client together, as each was last checked. */
  get bufferedBytes(): number {
    return this.waitingTotal;
  }

  get size(): number {
    return this.all.size;
  }

  /** Whether one more connection fits this instance. */
  hasRoom(): boolean {
    return this.all.size < this.limits.maxConnections;
  }

  /** Why this viewer may not open one more connection (a message for the client), or undefined. */
  refusalFor(viewer: Viewer | null): string | undefined {
    if (!this.hasRoom()) {
      return `This instance holds its maximum of ${this.limits.maxConnections} sockets and streams; retry shortly.`;
    }
    return this.userRefusal(viewer);
  }

  /** Why this viewer's user may not hold one more connection, or undefined (always, for admins). */
  userRefusal(viewer: Viewer | null): string | undefined {
    if (viewer?.kind !== 'user') return undefined;
    if ((this.byUser.get(viewer.userId)?.size ?? 0) < this.limits.maxConnectionsPerUser) return undefined;
    return `Too many open sockets and streams for this user (limit ${this.limits.maxConnectionsPerUser}); close one first.`;
  }

  /** Counts a connection (call `refusalFor` first); `remove` when it ends. */
  add(connection: LiveConnection): void {
    this.all.add(connection);
  }

  /** Files a counted connection under its user and key once it is known who it is. */
  identify(connection: LiveConnection, viewer: Viewer | null): void {
    if (viewer?.kind !== 'user' || !this.all.has(connection)) return;
    this.owners.set(connection, viewer);
    indexUnder(this.byUser, viewer.userId, connection);
    indexUnder(this.byKey, viewer.apiKeyId, connection);
  }

  remove(connection: LiveConnection): void {
    if (!this.all.delete(connection)) return;
    this.record(connection, 0);
    const owner = this.owners.get(connection);
    if (!owner) return;
    this.owners.delete(connection);
    unindex(this.byUser, owner.userId, connection);
    unindex(this.byKey, owner.apiKeyId, connection);
  }

  /** Ends at once every connection opened with this API key (revoked here or on another instance). */
  endConnectionsOfKey(apiKeyId: string, message = 'The API key has been revoked.'): void {
    for (const connection of [...(this.byKey.get(apiKeyId) ?? [])]) {
      this.logger.info({ apiKeyId, transport: connection.transport }, 'ending a connection whose API key was revoked');
      connection.end('revoked', message);
    }
  }

  /**
   * Re-checks every authenticated connection's credential (`resolve` throws for one no longer
   * valid, `isCredentialError` tells that from an outage): those refused are ended.
   */
  async recheckAll(
    resolve: (authorization: string) => Promise<unknown>,
    isCredentialError: (error: unknown) => boolean,
  ): Promise<void> {
    for (const connection of [...this.owners.keys()]) {
      if (connection.authorization === null) continue;
      try {
        await resolve(connection.authorization);
      } catch (error) {
        if (isCredentialError(error)) connection.end('revoked', (error as Error).message);
      }
    }
  }

  /**
   * Why a connection would be a slow consumer with `bufferedBytes` waiting for its client (what
   * waits now and what it is about to send), or undefined: it may send, and its bytes count in
   * the instance's total until its next check, `drained` or `remove`.
   *
   * One rule for both transports: past `WS_MAX_BUFFERED_BYTES` it is a slow consumer. Past
   * `WS_MAX_BUFFERED_BYTES_TOTAL` with every other connection's bytes, the connections with the
   * most bytes waiting are ended until the total fits — this one (answered here; its caller ends
   * it) or others (ended here): the clients that fell furthest behind go first, while one that
   * reads, holding next to nothing, is not ended for the bytes others leave waiting. A connection
   * ended as a slow consumer leaves the total at once, so the total never passes its bound.
   */
  slowConsumer(connection: LiveConnection, bufferedBytes: number): string | undefined {
    if (bufferedBytes > this.limits.maxBufferedBytes) {
      this.slowConsumers.inc({ bound: 'connection' });
      this.record(connection, 0);
      return 'Slow consumer: too many bytes waiting to be sent.';
    }
    if (!this.all.has(connection)) return undefined;
    this.record(connection, bufferedBytes);
    while (this.waitingTotal > this.limits.maxBufferedBytesTotal) {
      const largest = this.largestWaiting();
      this.slowConsumers.inc({ bound: 'instance' });
      this.record(largest, 0);
      if (largest === connection) return INSTANCE_FULL;
      largest.end('slowConsumer', INSTANCE_FULL);
    }
    return undefined;
  }

  private largestWaiting(): LiveConnection {
    let largest: [LiveConnection, number] | undefined;
    for (const entry of this.waiting) if (!largest || entry[1] > largest[1]) largest = entry;
    return largest![0];
  }

  /** Notes that a connection's client took some of what waited: `bufferedBytes` wait now. */
  drained(connection: LiveConnection, bufferedBytes: number): void {
    if (bufferedBytes < (this.waiting.get(connection) ?? 0)) this.record(connection, bufferedBytes);
  }

  private record(connection: LiveConnection, bufferedBytes: number): void {
    this.waitingTotal += bufferedBytes - (this.waiting.get(connection) ?? 0);
    if (bufferedBytes > 0) this.waiting.set(connection, bufferedBytes);
    else this.waiting.delete(connection);
  }
}

const INSTANCE_FULL = "Slow consumer: the instance's bytes waiting for slow clients are at their maximum.";

function indexUnder(index: Map<string, Set<LiveConnection>>, key: string, connection: LiveConnection): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(connection);
}

function unindex(index: Map<string, Set<LiveConnection>>, key: string, connection: LiveConnection): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(connection);
  if (set.size === 0) index.delete(key);
}
