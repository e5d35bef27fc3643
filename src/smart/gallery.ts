/**
 * The gallery stream (`Subscription.myGenerations`): every change to any of the viewer's
 * generations over one connection — new ones, progress, completion, settled cost.
 *
 * It rides on the same machinery as `generationProgress`: the change messages on the bus
 * (`GENERATION_CHANNEL`, which name the generation's owner) pick the generations to show, and
 * each running generation is followed through `GenerationEvents.follow`, so its updates get the
 * same per-generation throttle (≈ 4 a second, terminal states at once) and one database read per
 * change per instance however many subscribers watch it. A generation is followed until it ends;
 * a later change to it (rare: a cost recorded after the end) is read once directly.
 *
 * Bus delivery is best effort, so each subscriber also re-reads the user's recently updated
 * generations every `resyncMs` and after a reconnect; versions make repeated sightings harmless.
 * A consumer that falls more than 256 events behind loses the oldest of them (a bounded buffer:
 * one stuck client must not hold unbounded memory); `generation(id)` reads the current state.
 */
import { Repeater, SlidingBuffer } from 'graphql-yoga';
import type { Db } from '../db/index.ts';
import type { GenerationStatus } from '../db/types.ts';
import {
  GENERATION_CHANNEL,
  loadGenerationView,
  type FeedSettings,
  type GenerationEvents,
  type GenerationView,
} from '../generations/events.ts';
import { isTerminalGeneration } from '../generations/store.ts';
import type { Logger } from '../logger.ts';
import type { MessageBus } from '../pubsub/index.ts';

interface OwnedChange {
  readonly id: string;
  readonly status: GenerationStatus;
  readonly version: number;
  readonly userId: string | null;
}

function parseChange(message: unknown): OwnedChange | null {
  if (typeof message !== 'object' || message === null) return null;
  const { id, status, version, userId } = message as Record<string, unknown>;
  if (typeof id !== 'string' || typeof status !== 'string' || typeof version !== 'number') return null;
  return { id, status: status as GenerationStatus, version, userId: typeof userId === 'string' ? userId : null };
}

/** Owners never change, so they can be remembered (bounded). */
const MAX_REMEMBERED_OWNERS = 10_000;
/** Rows read per resync; more changes than this in one period are caught up by the next. */
const RESYNC_LIMIT = 200;

export interface GalleryDependencies {
  readonly bus: MessageBus;
  readonly db: Db;
  readonly events: GenerationEvents;
  readonly settings: FeedSettings;
  readonly logger: Logger;
  /** The clock that stamps `updated_at` (the app's). */
  readonly now: () => Date;
}

/** Resyncs look this far behind the newest change seen: clocks of instances differ a little. */
const RESYNC_SLACK_MS = 2_000;

class GallerySubscriber {
  private readonly versions = new Map<string, number>();
  private readonly follows = new Map<string, () => void>();
  /** High-water mark of `updated_at` already looked at by resyncs. */
  private since: Date;
  private resyncing = false;
  private stopped = false;

  constructor(
    readonly userId: string,
    private readonly gallery: GalleryStreams,
    private readonly push: (view: GenerationView) => void,
    since: Date,
  ) {
    this.since = since;
  }

  deliver(view: GenerationView): void {
    if (this.stopped) return;
    const { generation } = view;
    if ((this.versions.get(generation.id) ?? -1) >= generation.version) return;
    this.versions.set(generation.id, generation.version);
    this.push(view);
    if (isTerminalGeneration(generation.status)) this.unfollow(generation.id);
  }

  onChange(change: OwnedChange): void {
    if (this.stopped || (this.versions.get(change.id) ?? -1) >= change.version) return;
    // A followed generation's feed reloads it (throttled); it delivers through `deliver`.
    if (this.follows.has(change.id)) return;
    if (!isTerminalGeneration(change.status)) {
      this.follows.set(
        change.id,
        this.gallery.events.follow(change.id, (view) => this.deliver(view)),
      );
    }
    void this.gallery.load(change.id).then((view) => view && this.deliver(view));
  }

  async resync(): Promise<void> {
    if (this.stopped || this.resyncing) return;
    this.resyncing = true;
    try {
      const rows = await this.gallery.db
        .selectFrom('generations')
        .select(['id', 'status', 'version', 'updated_at'])
        .where('user_id', '=', this.userId)
        .where('updated_at', '>=', new Date(this.since.getTime() - RESYNC_SLACK_MS))
        .orderBy('updated_at')
        .limit(RESYNC_LIMIT)
        .execute();
      for (const row of rows) {
        this.onChange({ id: row.id, status: row.status, version: row.version, userId: this.userId });
        if (row.updated_at > this.since) this.since = row.updated_at;
      }
    } catch (error) {
      this.gallery.logger.warn({ err: error }, 'gallery resync failed; the next one retries');
    } finally {
      this.resyncing = false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.follows.keys()]) this.unfollow(id);
  }

  private unfollow(id: string): void {
    const stop = this.follows.get(id);
    this.follows.delete(id);
    stop?.();
  }
}

export class GalleryStreams {
  private readonly subscribers = new Map<string, Set<GallerySubscriber>>();
  private readonly owners = new Map<string, string>();
  private readonly stopBus: Array<() => void> = [];
  private readonly resyncTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: GalleryDependencies) {
    this.stopBus.push(
      deps.bus.subscribe(GENERATION_CHANNEL, (message) => {
        const change = parseChange(message);
        if (change) void this.onChange(change);
      }),
      deps.bus.onReconnect(() => this.resyncAll()),
    );
    this.resyncTimer = setInterval(() => this.resyncAll(), Math.max(100, deps.settings.resyncMs));
    this.resyncTimer.unref();
  }

  get db(): Db {
    return this.deps.db;
  }

  get events(): GenerationEvents {
    return this.deps.events;
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  load(id: string): Promise<GenerationView | undefined> {
    return loadGenerationView(this.deps.db, id).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, generationId: id }, 'could not load a generation for a gallery');
      return undefined;
    });
  }

  /**
   * The user's running generations at once, then every change to any of their generations,
   * until the client unsubscribes. Slow consumers get the newest states, not a backlog.
   */
  stream(userId: string): AsyncIterableIterator<GenerationView> {
    return new Repeater<GenerationView>(async (push, stop) => {
      const startedAt = this.deps.now();
      const subscriber = new GallerySubscriber(userId, this, (view) => void push(view), startedAt);
      let set = this.subscribers.get(userId);
      if (!set) {
        set = new Set();
        this.subscribers.set(userId, set);
      }
      set.add(subscriber);
      try {
        const running = await this.deps.db
          .selectFrom('generations')
          .select(['id', 'status', 'version'])
          .where('user_id', '=', userId)
          .where('status', 'in', ['QUEUED', 'STARTING', 'PROCESSING'])
          .orderBy('created_at')
          .execute();
        for (const row of running) subscriber.onChange({ ...row, userId });
        await stop;
      } finally {
        subscriber.stop();
        set.delete(subscriber);
        if (set.size === 0 && this.subscribers.get(userId) === set) this.subscribers.delete(userId);
      }
    }, new SlidingBuffer(256));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.resyncTimer);
    for (const stop of this.stopBus.splice(0)) stop();
    for (const set of this.subscribers.values()) for (const subscriber of set) subscriber.stop();
    this.subscribers.clear();
  }

  private async onChange(change: OwnedChange): Promise<void> {
    if (this.closed || this.subscribers.size === 0) return;
    const owner = change.userId ?? (await this.ownerOf(change.id));
    if (!owner) return;
    for (const subscriber of this.subscribers.get(owner) ?? []) subscriber.onChange(change);
  }

  /** Fallback for change messages that do not name the owner. */
  private async ownerOf(id: string): Promise<string | undefined> {
    const known = this.owners.get(id);
    if (known) return known;
    const row = await this.deps.db
      .selectFrom('generations')
      .select('user_id')
      .where('id', '=', id)
      .executeTakeFirst()
      .catch(() => undefined);
    if (!row) return undefined;
    if (this.owners.size >= MAX_REMEMBERED_OWNERS) this.owners.clear();
    this.owners.set(id, row.user_id);
    return row.user_id;
  }

  private resyncAll(): void {
    for (const set of this.subscribers.values()) for (const subscriber of set) void subscriber.resync();
  }
}
