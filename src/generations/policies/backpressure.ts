/**
 * Backpressure before money: new predictions join the fleet-wide create queue behind every one
 * waiting; when the last of them could not start (at the shared upstream budget's rate) before its
 * generation's deadline or within `MAX_QUEUE_WAIT_SECONDS`, the request is refused before anything
 * is held (`UpstreamBusyError`), with the time after which it would fit.
 */
import type { Db } from '../../db/index.ts';
import { createsWaiting } from '../predictions-store.ts';
import { UpstreamBusyError } from '../errors.ts';

export interface CreateQueueGateDependencies {
  readonly db: Db;
  readonly maxQueueWaitSeconds: number;
  /** Milliseconds before `ahead` more creates can have started at the shared upstream budget's rate. */
  readonly expectedCreateWaitMs: (ahead: number) => number;
}

export class CreateQueueGate {
  private queueLengthInFlight: Promise<number> | undefined;

  constructor(private readonly deps: CreateQueueGateDependencies) {}

  /** Throws `UpstreamBusyError` when `creates` more could not all start by the earliest deadline. */
  async refuseWhenQueueTooLong(creates: number, deadlines: readonly Date[], now: Date): Promise<void> {
    if (creates === 0) return;
    const waitMs = this.deps.expectedCreateWaitMs((await this.queueLength()) + creates - 1);
    const allowedMs = Math.min(
      this.deps.maxQueueWaitSeconds * 1000,
      ...deadlines.map((deadline) => deadline.getTime() - now.getTime()),
    );
    if (waitMs > allowedMs) throw new UpstreamBusyError((waitMs - allowedMs) / 1000);
  }

  /**
   * The fleet-wide create queue's length. Requests that arrive while a count is in flight share
   * it rather than each scanning the queue: under a burst the answer is at most one query's
   * duration old, which backpressure (an estimate of start time) does not notice.
   */
  private queueLength(): Promise<number> {
    this.queueLengthInFlight ??= createsWaiting(this.deps.db).finally(() => {
      this.queueLengthInFlight = undefined;
    });
    return this.queueLengthInFlight;
  }
}
