/**
 * What one request may send, checked before any work that grows with it — the one place for it,
 * so every way in (HTTP POST and GET, SSE, WebSocket, and any later request parser such as trusted
 * documents) uses the same bounds:
 *
 * - the body (`GRAPHQL_MAX_BODY_BYTES`): a `content-length` over it is refused before a byte is read,
 *   a chunked body as soon as it passes it (Yoga's `maxRequestBodySize`), a GET's query string by its
 *   length, a WebSocket message by `ws`'s `maxPayload`;
 * - variables and extensions: how deep they nest and how many values they hold, walked iteratively
 *   and stopping at the bound, before anything sorts, lists, stringifies or hashes them (the
 *   idempotency fingerprint, invalid-field lists, the cost memo and the catalog cache key all do).
 *
 * A refusal is BAD_USER_INPUT (HTTP 413 for the body, 400 otherwise) naming the bound, and costs
 * no more than reading up to it.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Deepest nesting of variables: inputs nest about 4 deep (`inputs[].settings.{…}`), settings are flat. */
export const MAX_VARIABLES_DEPTH = 16;
/**
 * Most values (objects, arrays and scalars, keys included) in one request's variables: the largest
 * legitimate request, a batch of generations with their settings, holds a few hundred.
 */
export const MAX_VARIABLES_VALUES = 2_000;

/** `status` is the HTTP answer's (Yoga reads `extensions.http` and never sends it). */
const refusal = (message: string, reason: string, status?: number) =>
  new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', reason, ...(status === undefined ? {} : { http: { status } }) },
  });

export const bodyTooLarge = (maxBytes: number) =>
  refusal(
    `The request is larger than ${maxBytes} bytes (GRAPHQL_MAX_BODY_BYTES): send a smaller document or fewer variables.`,
    'REQUEST_ENTITY_TOO_LARGE',
    413,
  );

/**
 * Why `value` is over the bounds (`name` is what the caller calls it), or undefined. Iterative and
 * stopping at the first bound it passes: a million keys cost no more than `MAX_VARIABLES_VALUES`.
 */
export function valueBoundsProblem(value: unknown, name: string): string | undefined {
  const tooMany = `${name} hold more than ${MAX_VARIABLES_VALUES} values`;
  const pending: Array<[unknown, number]> = [[value, 1]];
  let values = 1;
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > MAX_VARIABLES_DEPTH) return `${name} nest deeper than ${MAX_VARIABLES_DEPTH} levels`;
    if (Array.isArray(current)) {
      for (const item of current) {
        if ((values += 1) > MAX_VARIABLES_VALUES) return tooMany;
        pending.push([item, depth + 1]);
      }
      continue;
    }
    for (const key in current) {
      // The key is a value sent too.
      if ((values += 2) > MAX_VARIABLES_VALUES) return tooMany;
      pending.push([(current as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return undefined;
}

/** The refusal for a request's variables or extensions over the bounds, or undefined; `status` as HTTP answers it. */
export function paramsBoundsError(
  params: { readonly variables?: unknown; readonly extensions?: unknown },
  status?: number,
): GraphQLError | undefined {
  const problem =
    valueBoundsProblem(params.variables ?? null, 'the variables') ??
    valueBoundsProblem(params.extensions ?? null, 'the extensions');
  return problem === undefined ? undefined : refusal(`Request refused: ${problem}.`, 'VARIABLES_TOO_LARGE', status);
}

/**
 * Yoga's request parsers (JSON POST, GET), bounded. Yoga's own `maxRequestBodySize` (set to the
 * same limit) cuts a chunked body short; its refusal, and a body that is not JSON, are given the
 * contract's code and an explicit HTTP status here (400 for bad JSON whatever `Accept` says, as
 * graphql-http's audit expects).
 */
export function useRequestBounds(maxBodyBytes: number): Plugin {
  return {
    onRequestParse({ request, url, requestParser, setRequestParser }) {
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > maxBodyBytes || url.search.length > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (bodyRequest) => {
        let params;
        try {
          params = await parse(bodyRequest);
        } catch (error) {
          throw parseRefusal(error, maxBodyBytes);
        }
        // A parser may answer with a Response of its own (no variables to bound).
        for (const one of Array.isArray(params) ? params : [params]) {
          const tooLarge = 'variables' in one || 'extensions' in one ? paramsBoundsError(one, 400) : undefined;
          if (tooLarge) throw tooLarge;
        }
        return params;
      });
    },
  };
}

function parseRefusal(error: unknown, maxBodyBytes: number): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const code = error.extensions?.code;
  if (code === 'REQUEST_ENTITY_TOO_LARGE') return bodyTooLarge(maxBodyBytes);
  if (code === 'BAD_REQUEST') return refusal(error.message, 'BAD_REQUEST', 400);
  return error;
}
