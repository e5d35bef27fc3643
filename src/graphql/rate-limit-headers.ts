/**
 * HTTP side of cost control: `useRateLimitHeaders()` (a Yoga plugin) puts `RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` on responses to requests that went through admission,
 * and `Retry-After` on any response whose errors carry `retryAfterSeconds`. Admission reports its
 * state into a slot this plugin opens around each execution (`billing/rate-limit-report.ts`), so
 * neither admission nor the generation code needs the HTTP context.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { collectRateLimitReport, type RateLimitReport } from '../billing/rate-limit-report.ts';

function retryAfterIn(result: ExecutionResult): number | undefined {
  let seconds: number | undefined;
  for (const error of result.errors ?? []) {
    const value = error.extensions?.retryAfterSeconds;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) seconds = Math.max(seconds ?? 0, value);
  }
  return seconds;
}

export function useRateLimitHeaders(): Plugin {
  const byRequest = new WeakMap<Request, RateLimitReport>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (!request) return undefined;
      let sink = byRequest.get(request);
      if (!sink) byRequest.set(request, (sink = {}));
      const current = sink;
      setExecuteFn((executionArgs) => collectRateLimitReport(current, () => executeFn(executionArgs)));
    },
    // After execution and error masking: a domain error's `retryAfterSeconds` is an extension only
    // once the contract mapper (`errors.ts`) has turned it into its GraphQL error.
    onExecutionResult({ request, result }) {
      const sink = byRequest.get(request);
      if (!sink || result === undefined || Symbol.asyncIterator in result) return;
      const seconds = retryAfterIn(result);
      if (seconds !== undefined) sink.retryAfterSeconds = Math.max(sink.retryAfterSeconds ?? 0, seconds);
    },
    onResponse({ request, response }) {
      const sink = byRequest.get(request);
      if (!sink) return;
      const { state } = sink;
      if (state) {
        response.headers.set('RateLimit-Limit', String(state.limit));
        response.headers.set('RateLimit-Remaining', String(state.remaining));
        response.headers.set('RateLimit-Reset', String(state.resetSeconds));
        response.headers.set('RateLimit-Policy', `${state.limit};w=60`);
      }
      const retryAfter = sink.retryAfterSeconds ?? state?.retryAfterSeconds;
      if (retryAfter !== undefined) response.headers.set('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
    },
  };
}
