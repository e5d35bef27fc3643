/**
 * What live streams — WebSocket subscriptions and SSE streams together — may make this instance
 * send, and when:
 *
 * - per user, `WS_MAX_BYTES_PER_SECOND_PER_USER`: a token bucket per user holding one second's
 *   worth;
 * - per instance, `WS_MAX_BYTES_PER_SECOND`: one bucket for every stream (admins' too), so many
 *   users each within their own limit still cannot take the instance;
 * - per turn of the event loop, `TURN_BYTES`: a burst (one change to 300 streams of 80 KB is 24
 *   MB) is written over several turns, and the requests that arrived meanwhile get theirs between
 *   them.
 *
 * Each event a stream emits is charged its serialized size to its user and to the instance. A
 * stream asks `ready` before it takes its next event and again before it sends the one it took:
 * while its user or the instance is in debt, or this turn has had its bytes, it waits in one queue
 * (first come, first served; a user in debt does not hold up the others), and waiters are let go a
 * turn's worth at a time.
 *
 * Executing a change is shared by a user's identical streams (`shared-execution.ts`), but its bytes
 * are written once per stream: 20 galleries of 80 KB events are 1.6 MB per change. Waiting loses
 * nothing for sources that hold state (the gallery keeps the newest view of each generation, a
 * generation's progress its newest state, while the stream waits): a stream that waited gets the
 * newest state, and the final state is always delivered, later.
 *
 * Memory: one entry per user that was charged and has not yet refilled (entries that refilled are
 * swept as others are charged), and one queue entry per waiting stream.
 */

interface Bucket {
  /** Bytes the streams may still send now; negative: in debt. */
  tokens: number;
  /** When `tokens` was last brought up to date (ms, monotonic). */
  at: number;
}

interface Waiter {
  readonly principal: string | undefined;
  /** The bytes it will send once let go (0: it only waits for the buckets). */
  readonly bytes: number;
  readonly resolve: () => void;
}

/** Charges between sweeps of the refilled buckets. */
const SWEEP_EVERY = 1_000;

/**
 * Bytes of events let go in one turn of the event loop before the next waits for the next turn:
 * a few milliseconds of writing, so a burst cannot hold the loop for long.
 */
export const TURN_BYTES = 512 * 1024;

/** Slots of waiters let go that the queue's array keeps before it is copied without them. */
const COMPACT_AFTER = 1_024;

export class LiveByteBudget {
  private readonly buckets = new Map<string, Bucket>();
  private readonly instance: Bucket;
  private charges = 0;
  /** The queue: `waiters[head]` is its first; the slots before it are let go (compacted now and then). */
  private readonly waiters: (Waiter | undefined)[] = [];
  private head = 0;
  /** The bytes of the events let go in this turn. */
  private turnBytes = 0;
  private turnEnd: NodeJS.Immediate | undefined;
  private pumpTimer: NodeJS.Timeout | undefined;
  private pumpDue = 0;
  private pumpSoon: NodeJS.Immediate | undefined;

  constructor(
    readonly bytesPerSecondPerUser: number,
    readonly bytesPerSecond: number = Number.POSITIVE_INFINITY,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.instance = { tokens: bytesPerSecond, at: now() };
  }

  /**
   * How long (ms) `principal`'s streams must wait before their next event for the per-user and
   * instance buckets: 0 when neither is in debt. `principal` undefined: the instance only.
   */
  waitMs(principal?: string): number {
    return Math.max(this.instanceWaitMs(), principal === undefined ? 0 : this.userWaitMs(principal));
  }

  /**
   * Resolves, in the order streams asked (at once, without a timer, when nothing waits): with no
   * `bytes`, before a stream takes its next event, once `principal`'s streams and the instance are
   * out of debt; with `bytes`, before it sends the event it took, once this turn has room for them.
   */
  ready(principal?: string, bytes = 0): Promise<void> {
    if (this.waiting === 0 && this.mayGo(principal, bytes) === 0) {
      this.release(bytes);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push({ principal, bytes, resolve });
      this.schedulePump(0);
    });
  }

  /** 0 when a waiter may go now; else how long (ms) its buckets' debt lasts, or -1: the turn is full. */
  private mayGo(principal: string | undefined, bytes: number): number {
    if (bytes > 0) return this.turnHasRoom(bytes) ? 0 : -1;
    return this.waitMs(principal);
  }

  /** Charges `bytes` sent to one of `principal`'s streams (it may go into debt). */
  charge(principal: string | undefined, bytes: number): void {
    this.refill(this.instance, this.bytesPerSecond);
    this.instance.tokens -= bytes;
    if (principal === undefined) return;
    const bucket = this.refilled(principal) ?? { tokens: this.bytesPerSecondPerUser, at: this.now() };
    bucket.tokens -= bytes;
    this.buckets.set(principal, bucket);
    if (++this.charges % SWEEP_EVERY === 0) this.sweep();
  }

  private instanceWaitMs(): number {
    this.refill(this.instance, this.bytesPerSecond);
    return debtMs(this.instance, this.bytesPerSecond);
  }

  private userWaitMs(principal: string): number {
    const bucket = this.refilled(principal);
    return bucket ? debtMs(bucket, this.bytesPerSecondPerUser) : 0;
  }

  /** Whether `bytes` more fit this turn (a turn always lets one event go, however large). */
  private turnHasRoom(bytes: number): boolean {
    return this.turnBytes === 0 || this.turnBytes + bytes <= TURN_BYTES;
  }

  private release(bytes: number): void {
    this.turnBytes += bytes;
    this.startTurn();
  }

  /** Counts from now until the loop has run its I/O: then the next turn starts empty. */
  private startTurn(): void {
    this.turnEnd ??= setImmediate(() => {
      this.turnEnd = undefined;
      this.turnBytes = 0;
    });
  }

  /** Streams waiting in the queue. */
  private get waiting(): number {
    return this.waiters.length - this.head;
  }

  /**
   * Lets waiters go, in order, while the turn has room; those whose buckets are in debt wait on, in
   * their order, at the front. Each waiter looked at costs O(1): none is moved up one by one.
   */
  private readonly pump = (): void => {
    this.pumpTimer = undefined;
    this.pumpSoon = undefined;
    let debtWait = Number.POSITIVE_INFINITY;
    let turnFull = false;
    const waiters = this.waiters;
    // Waiters that stay (in debt) are gathered at waiters[head .. head + kept).
    let kept = 0;
    let index = this.head;
    for (; index < waiters.length; index++) {
      const waiter = waiters[index]!;
      const wait = this.mayGo(waiter.principal, waiter.bytes);
      if (wait === -1) {
        turnFull = true;
        break;
      }
      waiters[index] = undefined;
      if (wait > 0) {
        debtWait = Math.min(debtWait, wait);
        waiters[this.head + kept++] = waiter;
        continue;
      }
      this.release(waiter.bytes);
      waiter.resolve();
    }
    // The ones kept go just before the first not looked at, so the queue stays one run, in order.
    for (let moved = kept - 1; moved >= 0; moved--) {
      const waiter = waiters[this.head + moved];
      waiters[this.head + moved] = undefined;
      waiters[index - kept + moved] = waiter;
    }
    this.head = index - kept;
    this.compact();
    if (this.waiting === 0) return;
    // The turn is full (go on after the loop's I/O), or every waiter left waits for a debt.
    this.schedulePump(turnFull ? 0 : debtWait);
  };

  /** Drops the slots of waiters let go once they are most of the array (each slot moves O(1) times). */
  private compact(): void {
    if (this.head < COMPACT_AFTER && this.head < this.waiters.length) return;
    if (this.head * 2 < this.waiters.length) return;
    this.waiters.copyWithin(0, this.head);
    this.waiters.length -= this.head;
    this.head = 0;
  }

  /** Pumps after the loop's I/O (`delayMs` 0), else after `delayMs`, whichever pump is due first. */
  private schedulePump(delayMs: number): void {
    if (this.pumpSoon) return;
    if (delayMs <= 0) {
      clearTimeout(this.pumpTimer);
      this.pumpTimer = undefined;
      this.pumpSoon = setImmediate(this.pump);
      return;
    }
    const due = this.now() + delayMs;
    if (this.pumpTimer && this.pumpDue <= due) return;
    clearTimeout(this.pumpTimer);
    this.pumpDue = due;
    this.pumpTimer = setTimeout(this.pump, delayMs);
  }

  private refill(bucket: Bucket, perSecond: number): void {
    if (perSecond === Number.POSITIVE_INFINITY) return;
    const now = this.now();
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1_000) * perSecond);
    bucket.at = now;
  }

  /** The user's bucket brought up to date, or undefined for a full one (which needs no entry). */
  private refilled(principal: string): Bucket | undefined {
    const bucket = this.buckets.get(principal);
    if (!bucket) return undefined;
    this.refill(bucket, this.bytesPerSecondPerUser);
    if (bucket.tokens < this.bytesPerSecondPerUser) return bucket;
    this.buckets.delete(principal);
    return undefined;
  }

  private sweep(): void {
    for (const principal of [...this.buckets.keys()]) this.refilled(principal);
  }
}

function debtMs(bucket: Bucket, perSecond: number): number {
  return bucket.tokens < 0 ? Math.ceil((-bucket.tokens / perSecond) * 1_000) : 0;
}
