/**
 * The connections that stay open — WebSocket sockets and SSE (`text/event-stream`) subscriptions —
 * under one set of limits, whichever transport they use:
 *
 * - per instance (`WS_MAX_SOCKETS`): sockets and streams together;
 * - per user (`WS_MAX_SOCKETS_PER_USER`): a user's sockets and streams together;
 * - per API key, for revocation: a revoked key (here or on another instance, through the bus) ends
 *   every connection it opened at once, and a periodic re-check is the backstop for a lost push.
 *
 * Each transport says how it ends one of its connections (`end`); the bytes-waiting bound
 * (`WS_MAX_BUFFERED_BYTES`) is checked by each transport before it sends, with `isSlow` here.
 */
import type { Logger } from '../logger.ts';
import type { Viewer } from './context.ts';

export interface LiveConnectionLimits {
  /** Open sockets and streams on this instance. */
  readonly maxConnections: number;
  /** Open sockets and streams of one user on this instance. */
  readonly maxConnectionsPerUser: number;
  /** Bytes queued for one connection before it counts as a slow consumer and is ended. */
  readonly maxBufferedBytes: number;
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

  constructor(
    readonly limits: LiveConnectionLimits,
    private readonly logger: Logger,
  ) {}

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

  /** Whether `bufferedBytes` waiting for one connection passes the bound (logged once by the caller's end). */
  isSlow(bufferedBytes: number): boolean {
    return bufferedBytes > this.limits.maxBufferedBytes;
  }
}

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
