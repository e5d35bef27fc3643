/**
 * The plain-HTTP vocabulary shared by the server and the routes the domains register (health,
 * webhooks, stored images, GraphiQL assets). It imports nothing of the application, so any layer
 * may use it.
 */
import type http from 'node:http';

export interface HttpRoute {
  readonly method: 'GET' | 'POST' | 'HEAD';
  /** Exact path, or a pattern tested against the path (query string removed). */
  readonly path: string | RegExp;
  handle(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> | void;
}

export function sendJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(payload);
}

/** The request body was larger than the route accepts (answer 413). */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The request body is larger than ${maxBytes} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

/** The whole request body, refused with `BodyTooLargeError` as soon as it passes `maxBytes`. */
export async function readBody(request: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
