/** Raw `graphql-transport-ws` sockets for tests that look at frames and close codes themselves. */
import WebSocket from 'ws';

export interface RawSocket {
  readonly socket: WebSocket;
  readonly messages: Array<{ id?: string; type: string; payload?: unknown }>;
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** Resolves with the first message matching, or rejects when the socket closes first. */
  next(match: (message: { id?: string; type: string; payload?: unknown }) => boolean): Promise<unknown>;
}

export function openRaw(url: string, options: { headers?: Record<string, string> } = {}): Promise<RawSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
    headers: options.headers,
  });
  const messages: RawSocket['messages'] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as RawSocket['messages'][number]);
    for (const waiter of [...waiters]) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const waiter of [...waiters]) waiter();
    }),
  );
  const raw: RawSocket = {
    socket,
    messages,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    next: (match) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (socket.readyState === WebSocket.CLOSED) {
            waiters.delete(check);
            reject(new Error('socket closed'));
          }
        };
        waiters.add(check);
        check();
      }),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(raw));
    socket.once('unexpected-response', (_request, response) =>
      reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode })),
    );
    socket.once('error', reject);
  });
}

/**
 * Opens a socket and sends `connection_init` (`payload`, or `payloadJson` as written: for payloads
 * the test's own JSON.stringify could not write); resolves once acknowledged (or closed).
 */
export async function connect(
  app: { readonly url: string },
  payload?: unknown,
  headers?: Record<string, string>,
  payloadJson?: string,
) {
  const raw = await openRaw(app.url, { headers });
  raw.socket.send(
    `{"type":"connection_init"${payloadJson ? `,"payload":${payloadJson}` : payload === undefined ? '' : `,"payload":${JSON.stringify(payload)}`}}`,
  );
  const outcome = await Promise.race([
    raw.next((message) => message.type === 'connection_ack').then(() => 'ack' as const),
    raw.closed.then(() => 'closed' as const),
  ]).catch(() => 'closed' as const);
  return { raw, acknowledged: outcome === 'ack' };
}
