/**
 * SSE subscriptions for the slow-consumer tests: one over a raw socket whose client never reads
 * (until `drain`), and one read as it arrives. Big events come from a gallery with many aliases of
 * each generation's prompt, so a few small generations fill the server's buffers.
 */
import net from 'node:net';
import type { TestApp } from './app.ts';

/** A 3,990-character prompt: each alias of it in `bigGallery` adds ~4 KB to an event. */
export const LONG_PROMPT = 'a red fox in the snow, '.repeat(170).slice(0, 3990);

/** `myGenerations` with `aliases` copies of each generation's prompt. */
export function bigGallery(aliases: number): string {
  return `subscription { myGenerations { ${Array.from({ length: aliases }, (_, i) => `p${i}: prompt`).join(' ')} } }`;
}

/**
 * Sends `query` as an SSE subscription over a raw socket and never reads what comes back until
 * `drain`: Node reads at most its readable buffer, then the kernel's loopback buffers fill, then
 * the server's. `closed` resolves with the bytes received once the server (or `destroy`) ends it.
 */
export async function openStalledSseStream(app: TestApp, key: string, query: string) {
  const { hostname, port } = new URL(app.url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.pause();
  const body = JSON.stringify({ query });
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
      `Accept: text/event-stream\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.once('close', () => resolve(received));
  });
  // Listening for data resumed the socket: pause it again, so nothing is read until `drain`.
  socket.pause();
  return { closed, drain: () => socket.resume(), destroy: () => socket.destroy() };
}

/** A small gallery subscription over SSE, read as it arrives. */
export async function openReadingSseStream(app: TestApp, key: string) {
  const abort = new AbortController();
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: 'subscription { myGenerations { id status } }' }),
    signal: abort.signal,
  });
  let text = '';
  let ended = false;
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
      }
    } catch {
      // aborted by the test
    }
    ended = true;
  })();
  return { text: () => text, ended: () => ended, close: () => abort.abort() };
}
