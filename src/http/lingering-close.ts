/**
 * What a connection costs when the server answers before the request's body has all arrived: a
 * 413 decided from the declared length, a chunked body cut at its limit, a 415 or a 404 to a big
 * POST, a webhook over its limit.
 *
 * Node's own choices are both wrong for that. Kept alive, the connection reads the rest of the
 * body, however large, to find the next request (16 MB per refused request in the abuse bench,
 * which doubled the bystander's p99). With `Connection: close`, the socket is destroyed as soon as
 * the answer is written: the unread bytes in its receive buffer make that a TCP reset, and a client
 * still sending often fails its write before it has read the answer (Node's fetch: `fetch failed`,
 * EPIPE; http.request: EPIPE).
 *
 * So such an answer closes the connection in stages (RFC 9112 §9.6; Go's net/http and nginx do
 * the same): it says `Connection: close`; once it is written the write side is shut, so the client
 * reads the answer and the end of the stream; at most `UNREAD_BODY_DRAIN_BYTES` more of the body
 * are read and dropped (a body modestly over a limit still ends cleanly, without a reset), then
 * reading stops; the socket is destroyed when the body has ended, or when the client closes it
 * (Node's fetch and http.request do on an early answer), or `UNREAD_BODY_LINGER_MS` after the
 * answer, whichever comes first. A 16 MB sender costs the server a quarter of a megabyte of reading
 * and one paused socket for at most a second (sockets are capped by HTTP_MAX_CONNECTIONS anyway).
 */
import http from 'node:http';
import type { Socket } from 'node:net';

/** The most of an unread body read and dropped after the answer (Go's net/http reads 256 KiB too). */
export const UNREAD_BODY_DRAIN_BYTES = 256 * 1024;
/** The longest a connection lives after an answer given before its body arrived. */
export const UNREAD_BODY_LINGER_MS = 1_000;

/** Whether the request has a body that has not all arrived yet. */
function bodyStillArriving(request: http.IncomingMessage): boolean {
  if (request.complete) return false;
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

/**
 * `http.createServer`'s `ServerResponse`: an answer whose head is written before its request's
 * body has all arrived closes the connection in stages (see the top of this file). Every answer's
 * head goes through `writeHead`, implicit heads included.
 */
export class LingeringCloseResponse extends http.ServerResponse {
  // Both of writeHead's overloads, their arguments passed on as they came.
  override writeHead(statusCode: number, ...rest: unknown[]): this {
    if (!this.headersSent && bodyStillArriving(this.req) && closeInStages(this)) {
      // In place of the answer's own `connection` header, if any (Yoga's event-stream answers say
      // keep-alive); with it Node ends the connection after this answer.
      this.setHeader('connection', 'close');
      rest = rest.map(withoutConnectionHeader);
    }
    return super.writeHead(statusCode, ...(rest as [http.OutgoingHttpHeaders?]));
  }
}

/** writeHead's headers argument (an object, or a flat array of names and values) without `connection`. */
function withoutConnectionHeader(argument: unknown): unknown {
  const isConnection = (name: unknown) => String(name).toLowerCase() === 'connection';
  if (Array.isArray(argument)) return argument.filter((_, index) => !isConnection(argument[index - (index % 2)]));
  if (typeof argument !== 'object' || argument === null) return argument;
  return Object.fromEntries(Object.entries(argument).filter(([name]) => !isConnection(name)));
}

type NodeSocket = Socket & { destroySoon?: () => void };

/** Sets the answer to close its connection in stages; false where Node's own close must do. */
function closeInStages(response: http.ServerResponse): boolean {
  const { req: request } = response;
  const socket = response.socket as NodeSocket | null;
  // Node ends the connection after its last answer with `destroySoon()` (shut the write side,
  // destroy once it is written). Without it (not a TCP socket, or an answer queued behind another)
  // Node's own close applies.
  const closeWhenWritten = socket?.destroySoon;
  if (!socket || typeof closeWhenWritten !== 'function') return false;

  let answered = false;
  const deadline = setTimeout(() => socket.destroy(), UNREAD_BODY_LINGER_MS);
  socket.once('close', () => clearTimeout(deadline));
  const close = () => {
    clearTimeout(deadline);
    closeWhenWritten.call(socket);
  };
  socket.destroySoon = () => {
    answered = true;
    if (request.complete) close();
    else socket.end();
  };

  if (request.destroyed) {
    // Whoever read the body gave up on the request (Yoga does at a chunked body's limit): nothing
    // can take the rest, so the socket stops reading now, and the client's writes wait on TCP's window.
    socket.pause();
    return true;
  }
  let dropped = 0;
  request.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    // Past the drain the socket stops reading (Node's backpressure on a paused request).
    if (dropped > UNREAD_BODY_DRAIN_BYTES) request.pause();
  });
  request.once('end', () => {
    if (answered) close();
  });
  // Whoever read the body before may have paused it (readBody does when it refuses).
  request.resume();
  return true;
}
