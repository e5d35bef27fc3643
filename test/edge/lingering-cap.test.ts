/**
 * How many refused connections a server lingers on at once (issue 21, item 1): after its answer a
 * connection whose body is still arriving is paused, so the server does not see its client leave
 * and would hold it for the whole linger. Past `maxLingering` the connection answered longest ago
 * is closed (src/http/lingering-close.ts; the gateway's servers use MAX_LINGERING_CONNECTIONS). A
 * bare server with a linger of ten minutes: any connection it closes within the test was closed by
 * the cap, not by the linger.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { lingeringCloseResponse, UNREAD_BODY_DRAIN_BYTES } from '../../src/http/lingering-close.ts';

/**
 * A client that declares 16 MB, sends more than the drain and then waits, never closing (not even
 * its own side when the server's answer ends). Resolves with the answer's status line.
 */
function sender(port: number, clients: net.Socket[]): Promise<string> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  clients.push(socket);
  socket.on('error', () => {});
  let received = '';
  const answered = new Promise<string>((resolve) =>
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) resolve(received.slice(0, received.indexOf('\r\n')));
    }),
  );
  socket.write(
    `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${16 * 1024 * 1024}\r\n\r\n`,
  );
  socket.write(Buffer.alloc(UNREAD_BODY_DRAIN_BYTES * 4, 0x20));
  return answered;
}

/** The server's side of one connection: whether the server has closed it, and when it does. */
interface ServerSide {
  readonly closed: Promise<void>;
  readonly isClosed: () => boolean;
}

const opened: Array<{ server: http.Server; clients: net.Socket[] }> = [];

/**
 * A server answering every request 413 at once, lingering ten minutes on at most `maxLingering`;
 * `open()` sends one request on a new connection and resolves, once it is answered, with the
 * server's side of that connection (the client, having read its FIN, would not notice the server
 * closing it: it neither reads nor writes any more).
 */
async function refusingServer(maxLingering: number) {
  const server = http.createServer(
    { ServerResponse: lingeringCloseResponse({ maxLingering, lingerMs: 600_000 }) },
    (_request, response) => {
      response.writeHead(413, { 'content-type': 'application/json', 'content-length': 2 }).end('{}');
    },
  );
  const serverSides: ServerSide[] = [];
  server.on('connection', (socket: net.Socket) => {
    let isClosed = false;
    const closed = new Promise<void>((resolve) => socket.once('close', () => ((isClosed = true), resolve())));
    serverSides.push({ closed, isClosed: () => isClosed });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const entry = { server, clients: [] as net.Socket[] };
  opened.push(entry);
  const open = async (): Promise<ServerSide> => {
    const status = await sender((server.address() as net.AddressInfo).port, entry.clients);
    expect(status).toBe('HTTP/1.1 413 Payload Too Large');
    return serverSides[serverSides.length - 1]!;
  };
  return { open };
}

afterEach(async () => {
  for (const { server, clients } of opened.splice(0)) {
    for (const client of clients) client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('refused connections lingering at once', () => {
  test('past the cap the connection answered longest ago is closed, the newer ones linger on', async () => {
    const { open } = await refusingServer(2);
    const first = await open();
    const second = await open();
    expect(first.isClosed()).toBe(false);

    const third = await open();
    await first.closed;
    expect(second.isClosed()).toBe(false);
    expect(third.isClosed()).toBe(false);
  });

  test('each closed connection leaves the count: the next one past the cap closes the second, not the third', async () => {
    const { open } = await refusingServer(2);
    const first = await open();
    const second = await open();
    // The third closes the first; the fourth finds the cap full again (second, third) and closes
    // the second, never the newer third.
    const third = await open();
    await first.closed;
    const fourth = await open();
    await second.closed;
    expect(third.isClosed()).toBe(false);
    expect(fourth.isClosed()).toBe(false);
  });
});
