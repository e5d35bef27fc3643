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
 * and one paused socket for at most a second.
 *
 * A paused socket does not see its client close (nothing reads it), so every refused connection
 * lingers its whole second: a client that sends 16 MB bodies on 4 connections, closing each after
 * its 413, kept 180-700 of the server's connections open (bench/abuse.ts), a share of
 * HTTP_MAX_CONNECTIONS that grows with the rate of refusals. So a server lingers on at most
 * `MAX_LINGERING_CONNECTIONS` at once: past it, the one answered longest ago is closed first (its
 * client has had the longest to read the answer).
 */
import http from 'node:http';
import type { Socket } from 'node:net';

/** The most of an unread body read and dropped after the answer (Go's net/http reads 256 KiB too). */
export const UNREAD_BODY_DRAIN_BYTES = 256 * 1024;
/** The longest a connection lives after an answer given before its body arrived. */
export const UNREAD_BODY_LINGER_MS = 1_000;
/** The most connections of one server lingering at once; past it the oldest is closed. */
export const MAX_LINGERING_CONNECTIONS = 256;

/** Whether the request has a body that has not all arrived yet. */
function bodyStillArriving(request: http.IncomingMessage): boolean {
  if (request.complete) return false;
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

export interface LingerLimits {
  /** The most connections lingering at once (MAX_LINGERING_CONNECTIONS). */
  readonly maxLingering?: number;
  /** How long a connection lingers at most (UNREAD_BODY_LINGER_MS). */
  readonly lingerMs?: number;
}

/** The connections one server lingers on, oldest first (a Set keeps insertion order), and its limits. */
interface Lingering {
  readonly sockets: Set<NodeSocket>;
  readonly maxLingering: number;
  readonly lingerMs: number;
}

/**
 * A `ServerResponse` class for one `http.createServer`: an answer whose head is written before its
 * request's body has all arrived closes the connection in stages (see the top of this file). Every
 * answer's head goes through `writeHead`, implicit heads included. One class per server: the
 * connections lingering at once are counted per class.
 */
export function lingeringCloseResponse({
  maxLingering = MAX_LINGERING_CONNECTIONS,
  lingerMs = UNREAD_BODY_LINGER_MS,
}: LingerLimits = {}) {
  const lingering: Lingering = { sockets: new Set(), maxLingering, lingerMs };
  return class LingeringCloseResponse extends http.ServerResponse {
    // Both of writeHead's overloads, their arguments passed on as they came.
    override writeHead(statusCode: number, ...rest: unknown[]): this {
      if (!this.headersSent && bodyStillArriving(this.req) && closeInStages(this, lingering)) {
        // In place of the answer's own `connection` header, if any (Yoga's event-stream answers say
        // keep-alive); with it Node ends the connection after this answer.
        this.setHeader('connection', 'close');
        rest = rest.map(withoutConnectionHeader);
      }
      return super.writeHead(statusCode, ...(rest as [http.OutgoingHttpHeaders?]));
    }
  };
}

/** writeHead's headers argument (an object, or a flat array of names and values) without `connection`. */
function withoutConnectionHeader(argument: unknown): unknown {
  const isConnection = (name: unknown) => String(name).toLowerCase() === 'connection';
  if (Array.isArray(argument)) return argument.filter((_, index) => !isConnection(argument[index - (index % 2)]));
  if (typeof argument !== 'object' || argument === null) return argument;
  return Object.fromEntries(Object.entries(argument).filter(([name]) => !isConnection(name)));
}

type NodeSocket = Socket & { destroySoon?: () => void };

/** Counts the socket as lingering, closing the one answered longest ago when there are too many. */
function lingerOn(socket: NodeSocket, lingering: Lingering): void {
  lingering.sockets.add(socket);
  if (lingering.sockets.size <= lingering.maxLingering) return;
  const [oldest] = lingering.sockets;
  // Out of the count at once: its 'close' comes on a later tick, after other answers may have come.
  lingering.sockets.delete(oldest!);
  oldest!.destroy();
}

/** Sets the answer to close its connection in stages; false where Node's own close must do. */
function closeInStages(response: http.ServerResponse, lingering: Lingering): boolean {
  const { req: request } = response;
  const socket = response.socket as NodeSocket | null;
  // Node ends the connection after its last answer with `destroySoon()` (shut the write side,
  // destroy once it is written). Without it (not a TCP socket, or an answer queued behind another)
  // Node's own close applies.
  const closeWhenWritten = socket?.destroySoon;
  if (!socket || typeof closeWhenWritten !== 'function') return false;

  let answered = false;
  const deadline = setTimeout(() => socket.destroy(), lingering.lingerMs);
  socket.once('close', () => {
    clearTimeout(deadline);
    lingering.sockets.delete(socket);
  });
  lingerOn(socket, lingering);
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
