/**
 * Error bodies in Replicate's dialect: RFC 9457 problem details served as
 * `application/problem+json`, with Replicate's extensions (`invalid_fields` on 422, `retry_after`
 * on 429). The titles and details follow the wording Replicate's API uses, so clients that match
 * on them (or just log them) behave as they would upstream. Replicate publishes no stable problem
 * type URIs, so `type` is `about:blank` and the status code carries the meaning, as RFC 9457 allows.
 */
import type { SimResponse } from './http.ts';

/** One entry of a 422 problem body's `invalid_fields` (a wire shape, as Replicate sends it). */
export interface ProblemInvalidField {
  /** The JSON Schema keyword that failed: `required`, `enum`, `type`, `minimum`, `maximum`, … */
  readonly type: string;
  /** Dotted path from the request body root, e.g. `input.aspect_ratio`. */
  readonly field: string;
  readonly description: string;
}

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly invalid_fields?: readonly ProblemInvalidField[];
  readonly retry_after?: number;
}

export function problemResponse(problem: Omit<ProblemBody, 'type'>, headers: Record<string, string> = {}): SimResponse {
  const body: ProblemBody = { type: 'about:blank', ...problem };
  return {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export function unauthenticated(): SimResponse {
  return problemResponse(
    {
      title: 'Unauthenticated',
      status: 401,
      detail:
        'You did not pass a valid authentication token. Learn how to authenticate and get your API token here: https://replicate.com/docs/reference/http#authentication',
    },
    { 'www-authenticate': 'Bearer' },
  );
}

export function insufficientCredit(): SimResponse {
  return problemResponse({
    title: 'Insufficient credit',
    status: 402,
    detail:
      'You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit. Once you purchase credit, please wait a few minutes before trying again.',
  });
}

export function notFound(detail = 'The requested resource could not be found.'): SimResponse {
  return problemResponse({ title: 'Not found', status: 404, detail });
}

export function methodNotAllowed(allowed: readonly string[]): SimResponse {
  return problemResponse(
    { title: 'Method not allowed', status: 405, detail: `Allowed methods: ${allowed.join(', ')}.` },
    { allow: allowed.join(', ') },
  );
}

export function badRequest(detail: string): SimResponse {
  return problemResponse({ title: 'Bad request', status: 400, detail });
}

export function payloadTooLarge(detail: string): SimResponse {
  return problemResponse({ title: 'Request body too large', status: 413, detail });
}

export function invalidInput(fields: readonly ProblemInvalidField[], title = 'Input validation failed'): SimResponse {
  const detail = fields.map((field) => `- ${field.field}: ${field.description}\n`).join('');
  return problemResponse({ title, status: 422, detail, invalid_fields: fields });
}

export function throttled(retryAfterSeconds: number): SimResponse {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return problemResponse(
    {
      title: 'Request was throttled.',
      status: 429,
      detail: `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      retry_after: seconds,
    },
    { 'retry-after': String(seconds) },
  );
}

export function serverError(status: 500 | 503): SimResponse {
  return status === 500
    ? problemResponse({ title: 'Internal server error', status, detail: 'An unexpected error occurred.' })
    : problemResponse({
        title: 'Service unavailable',
        status,
        detail: 'The service is temporarily unavailable. Please try again later.',
      });
}
