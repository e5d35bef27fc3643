/**
 * The one place the simulator creates timers. Everything time-driven (lifecycles, deadlines, data
 * removal, webhook retries, throttles, slow bodies, `Prefer: wait`) goes through here so that
 * `close()` can clear every pending timer and settle every pending wait: a closed simulator must
 * leave no handle behind, and unref'd timers would only hide the leak.
 */
import type { Logger } from '../logger.ts';

export type CancelTimer = () => void;

export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pendingDelays = new Set<() => void>();
  private closed = false;

  constructor(private readonly logger: Logger) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `task` after `ms`; errors are logged, never thrown into the timer loop. */
  after(ms: number, task: () => void | Promise<void>): CancelTimer {
    if (this.closed) return noop;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        try {
          const result = task();
          if (result instanceof Promise) result.catch((error: unknown) => this.logTaskError(error));
        } catch (error) {
          this.logTaskError(error);
        }
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /**
   * Resolves after `ms`, when `signal` aborts, or at once when the scheduler closes — whichever
   * comes first (callers re-check their state afterwards). Never rejects.
   */
  delay(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const settle = (): void => {
        this.pendingDelays.delete(settle);
        signal?.removeEventListener('abort', settle);
        cancel();
        resolve();
      };
      const cancel = this.after(ms, settle);
      this.pendingDelays.add(settle);
      signal?.addEventListener('abort', settle, { once: true });
    });
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const settle of [...this.pendingDelays]) settle();
  }

  private logTaskError(error: unknown): void {
    this.logger.error({ err: error }, 'simulator: scheduled task failed');
  }
}

function noop(): void {}
