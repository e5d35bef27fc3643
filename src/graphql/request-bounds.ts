/**
 * What one request may send, checked before any work that grows with it — the one place for it,
 * so every way in (HTTP POST and GET, SSE, WebSocket, and any later request parser such as trusted
 * documents) uses the same bounds:
 *
 * - the body (`GRAPHQL_MAX_BODY_BYTES`): a `content-length` over it is refused before a byte is read,
 *   a chunked body as soon as it passes it (Yoga's `maxRequestBodySize`), a GET's query string by its
 *   length, a WebSocket message by `ws`'s `maxPayload`; nothing of a refused body is kept, and at
 *   most a bounded drain of the rest is read (src/http/lingering-close.ts);
 * - variables and extensions: how deep they nest and how many values they hold — read off the JSON
 *   text before it is parsed (src/graphql/json-scan.ts: HTTP POST, GET and SSE here, WebSocket
 *   messages in ws-message-bounds.ts), then on the parsed values, walked iteratively and stopping
 *   at the bound — before anything sorts, lists, stringifies or hashes them (the idempotency
 *   fingerprint, invalid-field lists, the cost memo and the catalog cache key all do).
 *
 * A refusal is BAD_USER_INPUT (HTTP 413 for the body, 400 otherwise) naming the bound, and costs
 * no more than reading up to it.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { scanJsonBounds, type ScanProblem } from './json-scan.ts';

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

/**
 * Refused by its declared length before a byte of it is parsed or kept. The rest of the body is
 * not read: the answer closes the connection after a bounded drain (src/http/lingering-close.ts),
 * so a client still sending reads this 413 and a 16 MB sender costs a few hundred KB of reading.
 */
export const bodyTooLarge = (maxBytes: number) =>
  refusal(
    `The request is larger than ${maxBytes} bytes (GRAPHQL_MAX_BODY_BYTES): send a smaller document or fewer variables.`,
    'REQUEST_ENTITY_TOO_LARGE',
    413,
  );

/**
 * Why `value` is over the bounds (`name` is what the caller calls it), or undefined: the first
 * bound passed in document order, as `scanJsonBounds` finds it in the text. Iterative and stopping
 * at that bound: a million keys cost no more than `MAX_VARIABLES_VALUES`.
 */
export function valueBoundsProblem(value: unknown, name: string): string | undefined {
  const open: Array<{ children: readonly unknown[]; weight: number; next: number; depth: number }> = [];
  // A container's children, or a nesting problem; scalars hold nothing.
  const enter = (current: unknown, depth: number): string | undefined => {
    if (typeof current !== 'object' || current === null) return undefined;
    if (depth > MAX_VARIABLES_DEPTH) return `${name} nest deeper than ${MAX_VARIABLES_DEPTH} levels`;
    // An object's key is a value sent too.
    const isArray = Array.isArray(current);
    open.push({ children: isArray ? current : Object.values(current), weight: isArray ? 1 : 2, next: 0, depth });
    return undefined;
  };
  let values = 1;
  let problem = enter(value, 1);
  while (problem === undefined && open.length > 0) {
    const frame = open[open.length - 1]!;
    if (frame.next === frame.children.length) {
      open.pop();
      continue;
    }
    if ((values += frame.weight) > MAX_VARIABLES_VALUES) return `${name} hold more than ${MAX_VARIABLES_VALUES} values`;
    problem = enter(frame.children[frame.next++], frame.depth + 1);
  }
  return problem;
}

/** The refusal of variables or extensions over the bounds (`problem` says which bound); `status` as HTTP answers it. */
export const variablesTooLarge = (problem: string, status?: number) =>
  refusal(`Request refused: ${problem}.`, 'VARIABLES_TOO_LARGE', status);

/** The refusal for a request's variables or extensions over the bounds, or undefined; `status` as HTTP answers it. */
export function paramsBoundsError(
  params: { readonly variables?: unknown; readonly extensions?: unknown },
  status?: number,
): GraphQLError | undefined {
  const problem =
    valueBoundsProblem(params.variables ?? null, 'the variables') ??
    valueBoundsProblem(params.extensions ?? null, 'the extensions');
  return problem === undefined ? undefined : variablesTooLarge(problem, status);
}

/**
 * Yoga's request parsers (JSON POST, GET), bounded. Yoga's own `maxRequestBodySize` (set to the
 * same limit) cuts a chunked body short; its refusal, and a body that is not JSON, are given the
 * contract's code and an explicit HTTP status here (400 for bad JSON whatever `Accept` says, as
 * graphql-http's audit expects). Variables and extensions are bounded twice: on the text before
 * it is parsed (`scanJsonBounds`: parsing deep nesting or many keys is what costs), and on the
 * parsed values (what a text scan cannot see, such as a member name spelled with escapes).
 */
export function useRequestBounds(maxBodyBytes: number): Plugin {
  return {
    onRequestParse({ request, url, requestParser, setRequestParser, fetchAPI }) {
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > maxBodyBytes || url.search.length > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (bodyRequest) => {
        let params;
        try {
          params = await parse(await scannedRequest(bodyRequest, fetchAPI.Request));
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

export const SCAN_BOUNDS = { maxDepth: MAX_VARIABLES_DEPTH, maxValues: MAX_VARIABLES_VALUES };
/** The members of a request that nest, and what a refusal calls them. */
const BOUNDED_MEMBERS = { variables: 'the variables', extensions: 'the extensions' } as const;

function scanRefusal(found: ScanProblem | undefined): GraphQLError | undefined {
  if (found === undefined) return undefined;
  // Nesting outside variables and extensions is never a valid request (nothing else nests).
  if (found.inBoundedValue) return variablesTooLarge(found.problem, 400);
  return refusal(`Request refused: ${found.problem}.`, 'BAD_REQUEST', 400);
}

/**
 * The request, its bounded values read off the text first: a GET's `variables` and `extensions`
 * parameters, or a POST's whole body (read here once, and handed on as text for Yoga to parse).
 */
async function scannedRequest(request: Request, RequestClass: typeof Request): Promise<Request> {
  if (request.method === 'GET') {
    const params = new URL(request.url).searchParams;
    for (const [member, name] of Object.entries(BOUNDED_MEMBERS)) {
      const text = params.get(member);
      const refused =
        text === null ? undefined : scanRefusal(scanJsonBounds(text, SCAN_BOUNDS, 'whole', { [member]: name }));
      if (refused) throw refused;
    }
    return request;
  }
  if (request.method !== 'POST' || request.body === null) return request;
  const text = await request.text();
  const refused = scanRefusal(scanJsonBounds(text, SCAN_BOUNDS, 'members', BOUNDED_MEMBERS));
  if (refused) throw refused;
  return new RequestClass(request.url, { method: 'POST', headers: request.headers, body: text });
}

function parseRefusal(error: unknown, maxBodyBytes: number): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const code = error.extensions?.code;
  if (code === 'REQUEST_ENTITY_TOO_LARGE') return bodyTooLarge(maxBodyBytes);
  if (code === 'BAD_REQUEST') return refusal(error.message, 'BAD_REQUEST', 400);
  return error;
}
