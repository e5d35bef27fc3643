/**
 * An app's webhook receiver on 127.0.0.1: records every request (headers and raw body) and answers
 * what the test says — a status, a status with headers, or nothing at all (a hung endpoint).
 * Signatures are checked with the `standardwebhooks` package, as any app would.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
  readonly type: string;
  readonly payload: { type: string; timestamp: string; data: Record<string, unknown> };
  readonly headers: Record<string, string>;
}

/** What to answer the n-th request (from 0) carrying this event; `hang` never answers. */
export type Responder = (
  request: ReceivedWebhook,
  attemptOfEvent: number,
) => number | { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  respond(responder: Responder): void;
  /** Requests that carried `webhook-id` = `id`. */
  attemptsOf(id: string): ReceivedWebhook[];
  /** Verifies a request with a secret (`whsec_…`); throws when the signature does not match. */
  verify(request: ReceivedWebhook, secret: string): unknown;
  close(): Promise<void>;
}

function headerOf(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

export async function startReceiver(path = '/hooks'): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const hanging: ServerResponse[] = [];
  let responder: Responder = () => 204;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: ReceivedWebhook = {
        id: headerOf(request, 'webhook-id'),
        timestamp: headerOf(request, 'webhook-timestamp'),
        signature: headerOf(request, 'webhook-signature'),
        body,
        type: (JSON.parse(body) as { type: string }).type,
        payload: JSON.parse(body) as ReceivedWebhook['payload'],
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
      };
      const attempt = received.filter((other) => other.id === entry.id).length;
      received.push(entry);
      const answer = responder(entry, attempt);
      if (answer === 'hang') {
        hanging.push(response);
        return;
      }
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      // A connection per request: each attempt resolves the host again (the rebinding test needs it).
      response.writeHead(status, { connection: 'close', ...headers }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    respond(next) {
      responder = next;
    },
    attemptsOf: (id) => received.filter((entry) => entry.id === id),
    verify(request, secret) {
      return new Webhook(secret).verify(request.body, {
        'webhook-id': request.id,
        'webhook-timestamp': request.timestamp,
        'webhook-signature': request.signature,
      });
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
