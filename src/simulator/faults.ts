/**
 * Transport fault injection, so tests can break the connection to Replicate in each way the client
 * must survive (`POST /_simulator/faults`). A rule affects the next `times`
 * requests that match its method and path, then expires. Faults split in two groups:
 *
 * - refused before processing (`reset_before_response`, `status_429`, `status_500`, `status_503`):
 *   nothing happens upstream, exactly like a request that never reached Replicate;
 * - delivered badly after full processing (`reset_after_create`, `timeout`, `malformed_body`,
 *   `slow_body`): the prediction exists, the client just cannot know — the "outcome unknown" cases
 *   that must be reconciled, never blindly re-sent (a re-send would run, and bill, it twice).
 *
 * Path patterns: a pattern without `*` must equal the request path (query string excluded).
 * `*` matches any run of characters except `/` (one path segment or part of it) and `**` matches
 * anything including `/`. So `/v1/predictions` is only the create/list path,
 * `/v1/predictions/*` is one prediction, `/v1/models/**` is every path under `/v1/models/`.
 */
import { z } from 'zod';

export const FAULT_KINDS = [
  'status_429',
  'status_500',
  'status_503',
  'reset_before_response',
  'reset_after_create',
  'timeout',
  'malformed_body',
  'slow_body',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that stop the request before it is processed. */
export const PRE_PROCESSING_FAULTS: ReadonlySet<FaultKind> = new Set([
  'status_429',
  'status_500',
  'status_503',
  'reset_before_response',
]);

export const faultRuleSchema = z.strictObject({
  /** HTTP method to match, case-insensitive; absent or `*` matches any. */
  method: z.string().min(1).optional(),
  path: z.string().min(1),
  /** How many matching requests the rule affects before it expires. */
  times: z.number().int().min(1).default(1),
  fault: z.enum(FAULT_KINDS),
  /** `status_429` only: the `Retry-After` seconds (default 1). */
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** `slow_body` only: milliseconds between body chunks (default 1000 × speed). */
  chunkDelayMs: z.number().int().min(0).optional(),
});

export type FaultRuleInput = z.input<typeof faultRuleSchema>;

export const faultRulesRequestSchema = z.strictObject({ rules: z.array(faultRuleSchema).min(1) });

export interface ActiveFault {
  readonly fault: FaultKind;
  readonly retryAfterSeconds: number;
  readonly chunkDelayMs: number | undefined;
}

interface StoredRule {
  readonly method: string | undefined;
  readonly path: string;
  readonly matcher: RegExp;
  readonly fault: FaultKind;
  readonly retryAfterSeconds: number;
  readonly chunkDelayMs: number | undefined;
  remaining: number;
}

export interface FaultRuleView {
  readonly method: string;
  readonly path: string;
  readonly fault: FaultKind;
  readonly remaining: number;
}

export class FaultInjector {
  private rules: StoredRule[] = [];

  add(rules: readonly z.output<typeof faultRuleSchema>[]): void {
    for (const rule of rules) {
      this.rules.push({
        method: rule.method && rule.method !== '*' ? rule.method.toUpperCase() : undefined,
        path: rule.path,
        matcher: globToRegExp(rule.path),
        fault: rule.fault,
        retryAfterSeconds: rule.retryAfterSeconds ?? 1,
        chunkDelayMs: rule.chunkDelayMs,
        remaining: rule.times,
      });
    }
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this request, if a rule matches; consumes one of that rule's `times`. */
  take(method: string, path: string): ActiveFault | undefined {
    const rule = this.rules.find(
      (candidate) => (!candidate.method || candidate.method === method.toUpperCase()) && candidate.matcher.test(path),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== rule);
    return { fault: rule.fault, retryAfterSeconds: rule.retryAfterSeconds, chunkDelayMs: rule.chunkDelayMs };
  }

  list(): FaultRuleView[] {
    return this.rules.map((rule) => ({
      method: rule.method ?? '*',
      path: rule.path,
      fault: rule.fault,
      remaining: rule.remaining,
    }));
  }
}

export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*') {
      if (pattern[index + 1] === '*') {
        source += '.*';
        index++;
      } else {
        source += '[^/]*';
      }
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
