/**
 * What one user's live streams — WebSocket subscriptions and SSE streams together — may make this
 * instance send: `WS_MAX_BYTES_PER_SECOND_PER_USER`, a token bucket per user holding one second's
 * worth. Each event a stream emits is charged its serialized size; a stream whose user is in debt
 * waits before it takes its next event, until the bucket has refilled past zero.
 *
 * Executing a change is shared by a user's identical streams (`shared-execution.ts`), but its
 * bytes are written once per stream: 20 galleries of 80 KB events are 1.6 MB per change. The wait
 * is what bounds that; it loses nothing for sources that hold state (the gallery keeps the newest
 * view of each generation while its stream waits, so the final state is always delivered, later).
 * Admins are not bounded (as they are not counted per user).
 *
 * Memory: one entry per user that was charged and has not yet refilled; entries that refilled are
 * swept as others are charged.
 */
import { setTimeout as sleep } from 'node:timers/promises';

interface Bucket {
  /** Bytes the user's streams may still send now; negative: in debt. */
  tokens: number;
  /** When `tokens` was last brought up to date (ms, monotonic). */
  at: number;
}

/** Charges between sweeps of the refilled buckets. */
const SWEEP_EVERY = 1_000;

export class LiveByteBudget {
  private readonly buckets = new Map<string, Bucket>();
  private charges = 0;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How long (ms) `principal`'s streams must wait before their next event: 0 when not in debt. */
  waitMs(principal: string): number {
    const bucket = this.refilled(principal);
    return bucket && bucket.tokens < 0 ? Math.ceil((-bucket.tokens / this.bytesPerSecond) * 1_000) : 0;
  }

  /** Resolves once `principal`'s streams are out of debt (at once, without a timer, when they are). */
  async ready(principal: string): Promise<void> {
    for (let wait = this.waitMs(principal); wait > 0; wait = this.waitMs(principal)) await sleep(wait);
  }

  /** Charges `bytes` sent to one of `principal`'s streams (it may go into debt). */
  charge(principal: string, bytes: number): void {
    const bucket = this.refilled(principal) ?? { tokens: this.bytesPerSecond, at: this.now() };
    bucket.tokens -= bytes;
    this.buckets.set(principal, bucket);
    if (++this.charges % SWEEP_EVERY === 0) this.sweep();
  }

  /** The bucket brought up to date, or undefined for a full one (which needs no entry). */
  private refilled(principal: string): Bucket | undefined {
    const bucket = this.buckets.get(principal);
    if (!bucket) return undefined;
    const now = this.now();
    bucket.tokens = Math.min(this.bytesPerSecond, bucket.tokens + ((now - bucket.at) / 1_000) * this.bytesPerSecond);
    bucket.at = now;
    if (bucket.tokens < this.bytesPerSecond) return bucket;
    this.buckets.delete(principal);
    return undefined;
  }

  private sweep(): void {
    for (const principal of [...this.buckets.keys()]) this.refilled(principal);
  }
}
