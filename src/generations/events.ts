/**
 * Live progress. Every committed change to a generation is published on the message bus
 * (Postgres NOTIFY or Redis) as `{ id, status, version }`; every instance hears it. Per instance,
 * one feed per followed generation reloads the generation once per change — however many
 * subscribers follow it — throttled to a few events per second (terminal states skip the
 * throttle), and fans the result out. Subscribers skip anything not newer than what they have.
 *
 * Delivery over the bus is best effort, so feeds also re-read their generation every few seconds
 * while nothing arrives, and after the bus reconnects: a missed event delays an update, it never
 * leaves a subscriber hanging.
 *
 * Every read made for live streams (the feeds' reloads here, the galleries' in `gallery.ts`) goes
 * through `read`: at most `maxConcurrentReads` at once, so however many generations change, live
 * streams hold a few of the pool's connections and a request's query waits behind at most those
 * few, not behind every feed's reload (150 running generations, most of them re-read whenever one
 * leaves the queue, once queued ~250 reloads ahead of every request). A feed has at most one
 * reload waiting, and changes that arrive meanwhile are coalesced into its next, so under load
 * feeds slow down to what those connections read instead of queueing more; terminal states and a
 * new subscriber's catch-up go first.
 */
import PQueue from 'p-queue';
import { Repeater, SlidingBuffer } from 'graphql-yoga';
import type { Db } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import type { MessageBus } from '../pubsub/index.ts';
import { loadGenerationView, type GenerationView } from './generation-view.ts';
import { isTerminalGeneration, type Generation, type GenerationChange } from './store.ts';

export const GENERATION_CHANNEL = 'generation-changes';

/** Newer than what a subscriber has: a later version, or the same one further up the queue. */
function isNewer(view: GenerationView, version: number, queuePosition: number | null | undefined): boolean {
  return view.version > version || (view.version === version && view.queuePosition !== queuePosition);
}

export interface FeedSettings {
  /** Minimum time between two non-terminal events of one generation (250 ms → ≤ 4/s). */
  readonly throttleMs: number;
  /** A followed generation is re-read when nothing arrived for this long. */
  readonly resyncMs: number;
  /** Reads for live streams running at once, at most (default `DEFAULT_MAX_CONCURRENT_LIVE_READS`). */
  readonly maxConcurrentReads?: number;
}

/** Database connections live streams' reads hold at once, at most: a fifth of the pool's 20. */
export const DEFAULT_MAX_CONCURRENT_LIVE_READS = 4;

type ViewListener = (view: GenerationView) => void;

interface Feed {
  readonly id: string;
  readonly listeners: Set<ViewListener>;
  /** Version of the last view fanned out; -1 before the first. */
  version: number;
  /** Status and queue position of the last view fanned out. */
  status: Generation['status'] | undefined;
  queuePosition: number | null | undefined;
  /** When the feed last read or fanned out (resyncs wait `resyncMs` after it). */
  lastEmitAt: number;
  /** When the feed last fanned out a view; 0 before the first, so the first change goes at once. */
  lastFanOutAt: number;
  trailing: NodeJS.Timeout | undefined;
  loading: boolean;
  /** A change arrived while loading: load again afterwards. */
  dirty: boolean;
  dirtyTerminal: boolean;
}

function parseChange(message: unknown): GenerationChange | null {
  if (typeof message !== 'object' || message === null) return null;
  const { id, status, version } = message as Record<string, unknown>;
  if (typeof id !== 'string' || typeof status !== 'string' || typeof version !== 'number') return null;
  return { id, status: status as GenerationChange['status'], version };
}

export class GenerationEvents {
  private readonly feeds = new Map<string, Feed>();
  private readonly stopBus: Array<() => void> = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly reads: PQueue;

  constructor(
    private readonly bus: MessageBus,
    private readonly db: Db,
    private readonly settings: FeedSettings,
    private readonly logger: Logger,
    /**
     * Told of this instance's committed changes at once, before the bus carries them anywhere
     * (the usage cache forgets their owners, so a client reads its own writes).
     */
    private readonly committedHere: (changes: readonly GenerationChange[]) => void = () => {},
  ) {
    this.reads = new PQueue({ concurrency: settings.maxConcurrentReads ?? DEFAULT_MAX_CONCURRENT_LIVE_READS });
    this.stopBus.push(
      bus.subscribe(GENERATION_CHANNEL, (message) => {
        const change = parseChange(message);
        if (change) this.onChange(change);
      }),
      bus.onReconnect(() => {
        for (const feed of this.feeds.values()) void this.refresh(feed);
      }),
    );
    this.resyncTimer = setInterval(() => this.resyncQuietFeeds(), Math.max(100, settings.resyncMs / 2));
    this.resyncTimer.unref();
  }

  /** Tells every instance about committed changes. Never throws: the resync covers a lost one. */
  publish(changes: readonly (GenerationChange | null | undefined)[]): void {
    // Only the newest change of each generation matters to subscribers.
    const newest = new Map<string, GenerationChange>();
    for (const change of changes) {
      if (!change) continue;
      const seen = newest.get(change.id);
      if (!seen || seen.version < change.version) newest.set(change.id, change);
    }
    if (newest.size === 0) return;
    try {
      this.committedHere([...newest.values()]);
    } catch (error) {
      this.logger.error({ err: error }, 'a listener of committed generation changes failed');
    }
    for (const change of newest.values()) {
      void this.bus.publish(GENERATION_CHANNEL, change); // never rejects: a failure is counted, and resync covers it
    }
  }

  /**
   * Runs a read made for live streams once fewer than `maxConcurrentReads` run (`urgent` ones —
   * a final state, a new subscriber's first read — ahead of the others).
   */
  read<T>(load: (db: Db) => Promise<T>, urgent = false): Promise<T> {
    return this.reads.add(() => load(this.db), { priority: urgent ? 1 : 0 });
  }

  /** Live reads running now and waiting to run. */
  get liveReads(): { readonly running: number; readonly waiting: number } {
    return { running: this.reads.pending, waiting: this.reads.size };
  }

  /** Calls `listener` with each newer view of the generation until the returned function is called. */
  follow(id: string, listener: ViewListener): () => void {
    let feed = this.feeds.get(id);
    if (!feed) {
      feed = {
        id,
        listeners: new Set(),
        version: -1,
        status: undefined,
        queuePosition: undefined,
        lastEmitAt: Date.now(),
        lastFanOutAt: 0,
        trailing: undefined,
        loading: false,
        dirty: false,
        dirtyTerminal: false,
      };
      this.feeds.set(id, feed);
    }
    feed.listeners.add(listener);
    const current = feed;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && this.feeds.get(id) === current) {
        clearTimeout(current.trailing);
        this.feeds.delete(id);
      }
    };
  }

  /**
   * The generation's current state at once, then each newer state, ending after a terminal one.
   * Slow consumers get the newest state rather than a backlog (a sliding buffer of one).
   */
  stream(initial: GenerationView): AsyncIterableIterator<GenerationView> {
    const id = initial.id;
    // Handed over once: an idle subscriber keeps neither its first view nor the re-read one (rows
    // with prompts, inputs and images), only what `deliver` compares.
    let first: GenerationView | undefined = initial;
    return new Repeater<GenerationView>(async (push, stop) => {
      let lastVersion = -1;
      let lastPosition: number | null | undefined;
      const deliver = (view: GenerationView) => {
        if (!isNewer(view, lastVersion, lastPosition)) return;
        lastVersion = view.version;
        lastPosition = view.queuePosition;
        void push(view);
        if (isTerminalGeneration(view.status)) stop();
      };
      const unfollow = this.follow(id, deliver);
      try {
        // In a function of its own, whose frame (holding both views) is gone once it returns.
        const catchUp = async () => {
          const view = first!;
          first = undefined;
          deliver(view);
          // The state may have moved between the caller's read and `follow`: read once more.
          if (isTerminalGeneration(view.status)) return;
          const latest = await this.read((db) => loadGenerationView(db, id), true);
          if (latest) deliver(latest);
        };
        await catchUp();
        await stop;
      } finally {
        unfollow();
      }
    }, new SlidingBuffer(1));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.resyncTimer);
    for (const stop of this.stopBus.splice(0)) stop();
    for (const feed of this.feeds.values()) clearTimeout(feed.trailing);
    this.feeds.clear();
  }

  private onChange(change: GenerationChange): void {
    // A generation that left the queue moves every queued one up: their positions are re-read.
    if (change.status !== 'QUEUED') {
      for (const queued of this.feeds.values()) {
        if (queued.id !== change.id && (queued.status ?? 'QUEUED') === 'QUEUED') this.schedule(queued, false);
      }
    }
    const feed = this.feeds.get(change.id);
    if (!feed || change.version <= feed.version) return;
    this.schedule(feed, isTerminalGeneration(change.status));
  }

  private schedule(feed: Feed, terminal: boolean): void {
    if (terminal) {
      clearTimeout(feed.trailing);
      feed.trailing = undefined;
      void this.refresh(feed, true);
      return;
    }
    if (feed.trailing) return;
    // Leading edge: the first change of a window goes at once; later ones in it are coalesced
    // into one trailing read at the window's end (terminal states skip the wait, above).
    const wait = feed.lastFanOutAt + this.settings.throttleMs - Date.now();
    if (wait <= 0) {
      void this.refresh(feed);
      return;
    }
    feed.trailing = setTimeout(() => {
      feed.trailing = undefined;
      void this.refresh(feed);
    }, wait);
  }

  private async refresh(feed: Feed, terminal = false): Promise<void> {
    if (this.closed) return;
    if (feed.loading) {
      feed.dirty = true;
      feed.dirtyTerminal ||= terminal;
      return;
    }
    feed.loading = true;
    try {
      const view = await this.read((db) => loadGenerationView(db, feed.id), terminal);
      if (view && isNewer(view, feed.version, feed.queuePosition) && !this.closed) {
        feed.version = view.version;
        feed.status = view.status;
        feed.queuePosition = view.queuePosition;
        feed.lastEmitAt = Date.now();
        feed.lastFanOutAt = feed.lastEmitAt;
        for (const listener of [...feed.listeners]) {
          try {
            listener(view);
          } catch (error) {
            this.logger.error({ err: error }, 'generation subscriber failed');
          }
        }
      }
    } catch (error) {
      this.logger.warn({ err: error, generationId: feed.id }, 'could not reload a followed generation');
    } finally {
      feed.loading = false;
    }
    if (feed.dirty && this.feeds.get(feed.id) === feed) {
      const dirtyTerminal = feed.dirtyTerminal;
      feed.dirty = false;
      feed.dirtyTerminal = false;
      this.schedule(feed, dirtyTerminal);
    }
  }

  private resyncQuietFeeds(): void {
    const now = Date.now();
    for (const feed of this.feeds.values()) {
      if (!feed.loading && !feed.trailing && now - feed.lastEmitAt >= this.settings.resyncMs) {
        feed.lastEmitAt = now;
        void this.refresh(feed);
      }
    }
  }
}
