/**
 * Which requests /graphql executes, and for which browser origins.
 *
 * - Only POSTs with a JSON body (`application/json`, or the spec's older `application/graphql+json`)
 *   and GET queries run; answers are JSON or, when asked, `application/graphql-response+json`. Form and multipart POSTs are what a foreign web page can send without a CORS
 *   preflight; refusing them (415) closes cross-site request forgery, and pixelgate takes no
 *   uploads. Yoga itself refuses GET mutations (405).
 * - CORS comes from an allowlist (CORS_ORIGINS). Credentials are never allowed: pixelgate
 *   authenticates with a bearer header, never with cookies, so no origin — not even `*` — gets
 *   `Access-Control-Allow-Credentials`.
 */
import type { CORSOptions, Plugin } from 'graphql-yoga';

/** GraphQL over HTTP's request types (clients ask for `application/graphql-response+json` answers with `accept`). */
const EXECUTABLE_POST_TYPES = new Set(['application/json', 'application/graphql+json']);

export function useJsonPostsOnly(): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (EXECUTABLE_POST_TYPES.has(mediaType)) return;
      const body = {
        errors: [
          {
            message: `POST /graphql takes a JSON body (content-type: application/json); got ${mediaType ? `"${mediaType.slice(0, 100)}"` : 'none'}.`,
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
      };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: 415,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}

/** Yoga's `cors` option: the request's origin when it is allowed, nothing otherwise. */
export function corsPolicy(origins: readonly string[] | '*'): (request: Request) => CORSOptions {
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null) return false;
    if (origins !== '*' && !origins.includes(origin)) return false;
    return { origin: [origin], credentials: false, maxAge: 600 };
  };
}
