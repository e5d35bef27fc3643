/**
 * Handlers build a `SimResponse` instead of writing to the socket themselves, so that the fault
 * layer can decide *after* a request was fully processed how (or whether) the answer reaches the
 * client: that is what makes `reset_after_create`, `timeout`, `malformed_body` and `slow_body`
 * honest about upstream side effects.
 */
import type { IncomingMessage } from 'node:http';

export interface SimResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(value)),
  };
}

export function bytesResponse(status: number, contentType: string, body: Buffer | string): SimResponse {
  return { status, headers: { 'content-type': contentType }, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

export function withHeaders(response: SimResponse, headers: Record<string, string>): SimResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}

export class BodyTooLargeError extends Error {}

/** Reads the whole request body, refusing more than `limitBytes`. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limitBytes) throw new BodyTooLargeError(`request body exceeds ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Header value as one string (Node joins repeated headers for most names, but not all). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
