/**
 * How admission tells the transport about a request's rate-limit state without knowing the
 * transport. Admission runs deep inside a resolver and a transaction; it reports into an
 * AsyncLocalStorage slot that the GraphQL layer opens around each execution
 * (`graphql/rate-limit-headers.ts` turns it into `RateLimit-*` headers). Outside such a slot a
 * report is a no-op.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RateLimitState } from './errors.ts';

export interface RateLimitReport {
  state?: RateLimitState;
  retryAfterSeconds?: number;
}

const reports = new AsyncLocalStorage<RateLimitReport>();

/** Called by admission: the rate-limit state of the current request (no-op outside a request). */
export function reportRateLimit(state: RateLimitState): void {
  const report = reports.getStore();
  if (report) report.state = state;
}

/** Runs `work` with `report` receiving what admission reports inside it. */
export function collectRateLimitReport<T>(report: RateLimitReport, work: () => T): T {
  return reports.run(report, work);
}
