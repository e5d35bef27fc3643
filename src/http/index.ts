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

/**
 * The whole request body, refused with `BodyTooLargeError` by its declared length, or as soon as
 * it passes `maxBytes`. Read by events rather than `for await`: leaving an async iterator early
 * destroys the request, and with it the socket, before the 413 is written. The rest of a refused
 * body is left unread: the server closes such a connection after a bounded drain
 * (lingering-close.ts).
 */
export function readBody(request: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) return Promise.reject(new BodyTooLargeError(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData).off('end', onEnd).off('error', onError);
      request.pause();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      reject(new BodyTooLargeError(maxBytes));
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    request.on('data', onData).once('end', onEnd).once('error', onError);
  });
}
