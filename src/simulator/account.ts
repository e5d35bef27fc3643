/**
 * The simulated account: who `GET /v1/account` says you are, and an optional credit balance.
 * Official image models bill per output image, charged when a prediction succeeds (failed,
 * canceled and aborted predictions cost nothing), so a balance can run slightly negative when
 * several predictions were admitted before the first one was charged — as on Replicate, where the
 * check happens at create time and the charge afterwards.
 */
import type { Micros } from '../money.ts';

export const SIMULATED_ACCOUNT = {
  type: 'user',
  username: 'simulator',
  name: 'pixelgate Replicate simulator',
} as const;

export class CreditAccount {
  private spent: Micros = 0;

  /** `limit` undefined: unlimited credit, creates are never refused for money. */
  constructor(private readonly limit: Micros | undefined) {}

  get spentMicros(): Micros {
    return this.spent;
  }

  /** Remaining balance, or undefined when unlimited. */
  get remainingMicros(): Micros | undefined {
    return this.limit === undefined ? undefined : this.limit - this.spent;
  }

  /** Whether a prediction expected to cost `expectedMicros` may be created. */
  canAfford(expectedMicros: Micros): boolean {
    const remaining = this.remainingMicros;
    return remaining === undefined || (remaining > 0 && remaining >= expectedMicros);
  }

  charge(micros: Micros): void {
    this.spent += micros;
  }
}
