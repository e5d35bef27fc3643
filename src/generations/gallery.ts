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
 * Everything is shared per user per instance (`UserGallery`): one read of the running
 * generations when the user's first subscription starts (later ones get the latest states from
 * memory), one read per change, one resync per period — so N subscriptions of one user cost the
 * database what one does, and a user opening 1,000 of them adds no load on anyone else's queries.
 * A subscription itself is a listener and a bounded buffer.
 *
 * Bus delivery is best effort, so each user's gallery also re-reads the user's recently updated
 * generations every `resyncMs` and after a reconnect; versions make repeated sightings harmless.
 * A consumer that falls behind (a slow client, or its user's streams paced by
 * `WS_MAX_BYTES_PER_SECOND_PER_USER`) is handed the newest view of each generation that changed
 * meanwhile, not every view: a gallery is state, so a newer view replacing a waiting one loses
 * nothing, and each generation's final state is always delivered. At most 256 generations wait per
 * subscription (one stuck client must not hold unbounded memory; past it the oldest is dropped,
 * and `generation(id)` reads the current state).
 */
import { ACTIVE_GENERATION_STATUSES, type GenerationStatus } from '../db/types.ts';
import { GENERATION_CHANNEL, type FeedSettings, type GenerationEvents } from './events.ts';
import { loadGenerationView, type GenerationView } from './generation-view.ts';
import { isTerminalGeneration } from './store.ts';
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
  readonly events: GenerationEvents;
  readonly settings: FeedSettings;
  readonly logger: Logger;
  /** The clock that stamps `updated_at` (the app's). */
  readonly now: () => Date;
}

/** Resyncs look this far behind the newest change seen: clocks of instances differ a little. */
const RESYNC_SLACK_MS = 2_000;

/** Generations whose newest view waits for one subscription's consumer, at most. */
const MAX_WAITING_GENERATIONS = 256;

/** Versions remembered per user gallery: enough to skip repeats, bounded whatever the history. */
const MAX_REMEMBERED_VERSIONS = 2_000;

type ViewListener = (view: GenerationView) => void;

/** One user's gallery on this instance, shared by all of that user's subscriptions. */
class UserGallery {
  readonly listeners = new Set<ViewListener>();
  /** The newest version delivered per generation (insertion-ordered, oldest dropped first). */
  private readonly versions = new Map<string, number>();
  /** Latest views of the running generations, handed to subscriptions that join later. */
  private readonly running = new Map<string, GenerationView>();
  private readonly follows = new Map<string, () => void>();
  /** The first read of the running generations; subscriptions that join meanwhile wait for it. */
  readonly ready: Promise<void>;
  /** High-water mark of `updated_at` already looked at by resyncs. */
  private since: Date;
  private resyncing = false;
  private stopped = false;

  constructor(
    readonly userId: string,
    private readonly gallery: GalleryStreams,
    since: Date,
  ) {
    this.since = since;
    this.ready = this.loadRunning();
  }

  /** Adds a subscription: it gets the running generations' latest states now, then every change. */
  join(listener: ViewListener): void {
    this.listeners.add(listener);
    for (const view of this.running.values()) listener(view);
  }

  deliver(view: GenerationView): void {
    if (this.stopped) return;
    if ((this.versions.get(view.id) ?? -1) >= view.version) return;
    this.versions.delete(view.id);
    this.versions.set(view.id, view.version);
    if (this.versions.size > MAX_REMEMBERED_VERSIONS) this.versions.delete(this.versions.keys().next().value!);
    if (isTerminalGeneration(view.status)) {
      this.running.delete(view.id);
      this.unfollow(view.id);
    } else {
      this.running.set(view.id, view);
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(view);
      } catch (error) {
        this.gallery.logger.error({ err: error }, 'gallery subscriber failed');
      }
    }
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
    void this.gallery.load(change.id, isTerminalGeneration(change.status)).then((view) => view && this.deliver(view));
  }

  async resync(): Promise<void> {
    if (this.stopped || this.resyncing) return;
    this.resyncing = true;
    try {
      const rows = await this.gallery.events.read((db) =>
        db
          .selectFrom('generations')
          .select(['id', 'status', 'version', 'updated_at'])
          .where('user_id', '=', this.userId)
          .where('updated_at', '>=', new Date(this.since.getTime() - RESYNC_SLACK_MS))
          .orderBy('updated_at')
          .limit(RESYNC_LIMIT)
          .execute(),
      );
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
    this.listeners.clear();
    this.running.clear();
    for (const id of [...this.follows.keys()]) this.unfollow(id);
  }

  private async loadRunning(): Promise<void> {
    // A new subscriber waits for it: ahead of the feeds' reloads.
    const running = await this.gallery.events.read(
      (db) =>
        db
          .selectFrom('generations')
          .select(['id', 'status', 'version'])
          .where('user_id', '=', this.userId)
          .where('status', 'in', ACTIVE_GENERATION_STATUSES)
          .orderBy('created_at')
          .execute(),
      true,
    );
    for (const row of running) this.onChange({ ...row, userId: this.userId });
  }

  private unfollow(id: string): void {
    const stop = this.follows.get(id);
    this.follows.delete(id);
    stop?.();
  }
}

export class GalleryStreams {
  private readonly users = new Map<string, UserGallery>();
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
      deps.bus.onReconnect(() => void this.resyncAll()),
    );
    this.resyncTimer = setInterval(() => void this.resyncAll(), Math.max(100, deps.settings.resyncMs));
    this.resyncTimer.unref();
  }

  get events(): GenerationEvents {
    return this.deps.events;
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  /** The generation's view, read through the live reads' bound (`GenerationEvents.read`). */
  load(id: string, urgent = false): Promise<GenerationView | undefined> {
    return this.deps.events
      .read((db) => loadGenerationView(db, id), urgent)
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error, generationId: id }, 'could not load a generation for a gallery');
        return undefined;
      });
  }

  /**
   * The user's running generations at once, then every change to any of their generations,
   * until the client unsubscribes. Slow consumers get the newest states, not a backlog.
   */
  stream(userId: string): AsyncIterableIterator<GenerationView> {
    let gallery = this.users.get(userId);
    if (!gallery) {
      gallery = new UserGallery(userId, this, this.deps.now());
      this.users.set(userId, gallery);
    }
    const joined = gallery;
    const subscription = new GallerySubscription(() => this.leave(joined, subscription.listener));
    joined.join(subscription.listener);
    joined.ready.catch((error: unknown) => {
      // The next subscription of this user starts a fresh gallery rather than this failed one.
      if (this.users.get(userId) === joined) this.users.delete(userId);
      subscription.fail(error);
    });
    return subscription;
  }

  private leave(gallery: UserGallery, listener: ViewListener): void {
    gallery.listeners.delete(listener);
    if (gallery.listeners.size > 0) return;
    gallery.stop();
    if (this.users.get(gallery.userId) === gallery) this.users.delete(gallery.userId);
  }

  /** Re-reads every followed user's recent changes now (also run every `resyncMs` and after a bus reconnect). */
  async resyncAll(): Promise<void> {
    await Promise.all([...this.users.values()].map((gallery) => gallery.resync()));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.resyncTimer);
    for (const stop of this.stopBus.splice(0)) stop();
    for (const gallery of this.users.values()) gallery.stop();
    this.users.clear();
  }

  private async onChange(change: OwnedChange): Promise<void> {
    if (this.closed || this.users.size === 0) return;
    const owner = change.userId ?? (await this.ownerOf(change.id));
    if (!owner) return;
    this.users.get(owner)?.onChange(change);
  }

  /** Fallback for change messages that do not name the owner. */
  private async ownerOf(id: string): Promise<string | undefined> {
    const known = this.owners.get(id);
    if (known) return known;
    const row = await this.deps.events
      .read((db) => db.selectFrom('generations').select('user_id').where('id', '=', id).executeTakeFirst())
      .catch(() => undefined);
    if (!row) return undefined;
    if (this.owners.size >= MAX_REMEMBERED_OWNERS) this.owners.clear();
    this.owners.set(id, row.user_id);
    return row.user_id;
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One subscription: a listener on its user's gallery, and the views its consumer has not taken
 * yet — the newest of each generation, in the order the generations first waited.
 */
class GallerySubscription implements AsyncIterableIterator<GenerationView> {
  private readonly waiting = new Map<string, GenerationView>();
  private taker: { resolve(step: IteratorResult<GenerationView>): void; reject(error: unknown): void } | undefined;
  private failure: { readonly error: unknown } | undefined;
  private ended = false;
  readonly listener: ViewListener = (view) => this.offer(view);

  constructor(private readonly leave: () => void) {}

  private offer(view: GenerationView): void {
    if (this.ended) return;
    const taker = this.taker;
    if (taker) {
      this.taker = undefined;
      return taker.resolve({ done: false, value: view });
    }
    const { id, version } = view;
    if ((this.waiting.get(id)?.version ?? -1) > version) return;
    this.waiting.set(id, view);
    if (this.waiting.size > MAX_WAITING_GENERATIONS) this.waiting.delete(this.waiting.keys().next().value!);
  }

  /** Ends the subscription with `error` (its gallery could not be read). */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.end();
    this.taker?.reject(error);
    this.taker = undefined;
  }

  next(): Promise<IteratorResult<GenerationView>> {
    const first = this.waiting.entries().next();
    if (!first.done) {
      this.waiting.delete(first.value[0]);
      return Promise.resolve({ done: false, value: first.value[1] });
    }
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.taker = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<GenerationView>> {
    this.end();
    this.taker?.resolve(DONE);
    this.taker = undefined;
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<GenerationView>> {
    this.end();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.waiting.clear();
    this.leave();
  }
}
