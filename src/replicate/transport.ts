/**
 * One HTTP exchange with Replicate over a keep-alive undici pool. Nothing here retries or
 * interprets statuses: it returns the raw answer, or the network failure classified by whether
 * the request can have reached Replicate.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import { classifyNetworkError, type AttemptFailure } from './attempt.ts';

export interface TransportSettings {
  /** Keep-alive connections kept to Replicate. Default 16. */
  readonly connections?: number;
  /** TCP + TLS connect. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Whole exchange, from dispatch to the last body byte. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /**
   * Whole exchange of a prediction create. Default 10 s (or `requestTimeoutMs` when shorter): a
   * create only enqueues work upstream and answers in well under a second, so one still
   * unanswered after this is hung; its outcome is unknown and it is reconciled (listed, adopted)
   * instead of holding a worker slot for 30 s.
   */
  readonly createTimeoutMs?: number;
  /** An idle keep-alive socket is closed after this (unless the server hints shorter). Default 4 s. */
  readonly keepAliveTimeoutMs?: number;
  /** Larger bodies are refused rather than buffered. Default 16 MiB. */
  readonly maxResponseBytes?: number;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly bodyText: string;
}

export type ExchangeResult = { readonly kind: 'response'; readonly response: RawResponse } | AttemptFailure;

export interface ExchangeRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Extra time on top of the request timeout (a create with `Prefer: wait` is held open). */
  readonly extraTimeoutMs?: number;
  /** A prediction create: its own, shorter timeout applies. */
  readonly create?: boolean;
  /** Ends the exchange early (a stopping job, a closing client): the answer is `aborted`. */
  readonly signal?: AbortSignal;
}

export interface TransportStats {
  /** TCP connections opened since start: with keep-alive this stays near the pool size. */
  readonly connectionsOpened: number;
  readonly connectionsOpen: number;
}

export interface Transport {
  exchange(request: ExchangeRequest): Promise<ExchangeResult>;
  stats(): TransportStats;
  close(): Promise<void>;
}

/** Our own deadline: not an undici code, so name it plainly for logs and errors. */
export const REQUEST_DEADLINE_CODE = 'REQUEST_DEADLINE_EXCEEDED';

export function createTransport(origin: string, settings: TransportSettings): Transport {
  const requestTimeoutMs = settings.requestTimeoutMs ?? 30_000;
  const createTimeoutMs = Math.min(settings.createTimeoutMs ?? 10_000, requestTimeoutMs);
  const pool = new Pool(origin, {
    connections: settings.connections ?? 16,
    connect: { timeout: settings.connectTimeoutMs ?? 10_000 },
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs ?? 4_000,
    maxResponseSize: settings.maxResponseBytes ?? 16 * 1024 * 1024,
  });
  let connectionsOpened = 0;
  let connectionsOpen = 0;
  pool.on('connect', () => {
    connectionsOpened++;
    connectionsOpen++;
  });
  pool.on('disconnect', () => {
    connectionsOpen--;
  });

  return {
    async exchange(request) {
      // Not even started: nothing can have left, but "aborted" is what the caller asked for.
      if (request.signal?.aborted) return { kind: 'aborted' };
      const timeoutMs = (request.create ? createTimeoutMs : requestTimeoutMs) + (request.extraTimeoutMs ?? 0);
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      const signal = request.signal ? AbortSignal.any([deadline.signal, request.signal]) : deadline.signal;
      try {
        // undici's request() never follows redirects: a 3xx comes back as a response.
        const response = await pool.request({
          method: request.method,
          path: request.path,
          headers: request.headers,
          body: request.body,
          signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const bodyText = await response.body.text();
        return { kind: 'response', response: { status: response.statusCode, headers: response.headers, bodyText } };
      } catch (error) {
        if (request.signal?.aborted) return { kind: 'aborted' };
        if (deadline.signal.aborted) return { kind: 'answer_lost', networkCode: REQUEST_DEADLINE_CODE, cause: error };
        return classifyNetworkError(error);
      } finally {
        clearTimeout(timer);
      }
    },

    stats: () => ({ connectionsOpened, connectionsOpen }),

    async close() {
      await pool.destroy();
    },
  };
}
