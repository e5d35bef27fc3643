/**
 * Answers waiting for clients that do not read them, all HTTP connections together
 * (`HTTP_MAX_UNREAD_BYTES_TOTAL`). An answer is at most `GRAPHQL_MAX_RESPONSE_BYTES`, and Node
 * pauses a pipelining connection while its outgoing data is over the socket's high-water mark, so
 * a connection holds about one answer; but a caller that opens thousands of connections, asks each
 * for a big answer and never reads, would leave thousands of answers in the process (4 MiB each,
 * less the couple of MiB the kernel's buffers take), bounded only by `HTTP_MAX_CONNECTIONS`.
 *
 * So every `SWEEP_MS` the bytes in every open connection's user-space send buffer
 * (`socket.writableLength`) are summed; past the bound the connections furthest behind (most bytes
 * waiting) are destroyed until the rest fit, so a client that reads (holding next to nothing) is
 * not ended for what others leave waiting. One pass over the open connections, no per-write cost.
 *
 * Live streams are not counted here: a WebSocket (an upgraded connection) and an SSE stream (an
 * answer of `text/event-stream`) are counted, and ended, by the live connections' own total
 * (`WS_MAX_BUFFERED_BYTES_TOTAL`).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

/** How often the connections' waiting bytes are summed. */
export const UNREAD_ANSWERS_SWEEP_MS = 250;

export interface UnreadAnswersBound {
  /** The most bytes waiting for their clients, all connections together. */
  readonly maxBytesTotal: number;
  /** How often they are summed (UNREAD_ANSWERS_SWEEP_MS). */
  readonly sweepMs?: number;
  /** Told of each connection destroyed: its bytes waiting, and the total before it went. */
  readonly onEnd: (waitingBytes: number, totalBytes: number) => void;
}

/** The bytes waiting for all counted connections, as the last sweep left them. */
export interface UnreadAnswers {
  readonly waitingBytes: () => number;
}

function isEventStream(response: http.ServerResponse | undefined): boolean {
  return String(response?.getHeader('content-type') ?? '').startsWith('text/event-stream');
}

/** Bounds the answers waiting in `server`'s connections for their clients; stops when it closes. */
export function boundUnreadAnswers(server: http.Server, bound: UnreadAnswersBound): UnreadAnswers {
  const sockets = new Set<Socket>();
  const answering = new WeakMap<Socket, http.ServerResponse>();
  let lastTotal = 0;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    answering.set(request.socket, response);
  });
  // A WebSocket's queue is the live connections' to count.
  server.on('upgrade', (request: http.IncomingMessage) => sockets.delete(request.socket));

  const sweep = () => {
    let total = 0;
    const waiting: Array<[Socket, number]> = [];
    for (const socket of sockets) {
      const bytes = socket.writableLength;
      if (bytes === 0 || isEventStream(answering.get(socket))) continue;
      total += bytes;
      waiting.push([socket, bytes]);
    }
    if (total > bound.maxBytesTotal) waiting.sort((a, b) => b[1] - a[1]);
    for (const [socket, bytes] of waiting) {
      if (total <= bound.maxBytesTotal) break;
      bound.onEnd(bytes, total);
      total -= bytes;
      sockets.delete(socket);
      socket.destroy();
    }
    lastTotal = total;
  };
  const timer = setInterval(sweep, bound.sweepMs ?? UNREAD_ANSWERS_SWEEP_MS).unref();
  server.once('close', () => clearInterval(timer));
  return { waitingBytes: () => lastTotal };
}
