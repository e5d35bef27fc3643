/**
 * What a composition started, closed in reverse order. A start that fails half-way closes what
 * had already started before it rethrows, so no command leaks a database, a socket or a timer.
 */
import type { Logger } from './logger.ts';

export class CloseStack {
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(
    private readonly logger: Logger,
    /** Logged with an error raised while closing (closing goes on with the rest). */
    private readonly failureMessage: string,
  ) {}

  push(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) {
      await close().catch((error: unknown) => this.logger.error({ err: error }, this.failureMessage));
    }
  }

  /** Runs `start`; when it throws, closes everything pushed so far and rethrows. */
  async unwindOnFailure<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      await this.closeAll();
      throw error;
    }
  }
}
