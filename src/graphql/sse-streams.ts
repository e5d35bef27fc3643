/**
 * Subscriptions over HTTP (SSE, `text/event-stream`) under the same limits as WebSocket sockets
 * (`live-connections.ts`): each stream counts against the instance's and its user's maximum, is
 * ended when its API key is revoked (with a last UNAUTHENTICATED event), and is ended as a slow
 * consumer when more than `WS_MAX_BUFFERED_BYTES` wait in its response unsent.
 *
 * Hooked at envelop's `onSubscribe`, where the subscription's context (its viewer, and the HTTP
 * response Yoga's node adapter put in the server context) and its event stream meet. WebSocket
 * operations have no `res` there: their socket is counted by the WebSocket layer.
 */
import type http from 'node:http';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import type { Viewer } from './context.ts';
import type { EndReason, LiveConnection, LiveConnections } from './live-connections.ts';

interface StreamContext {
  readonly viewer?: Viewer | null;
  readonly res?: http.ServerResponse;
  readonly req?: http.IncomingMessage;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Bytes written to the response that the client has not taken yet. */
function waitingBytes(response: http.ServerResponse): number {
  return response.writableLength + (response.socket?.writableLength ?? 0);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof (value as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] === 'function';
}

export function useLimitedEventStreams(live: LiveConnections, logger: Logger): Plugin {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as StreamContext;
      const response = context.res;
      if (!response) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          const viewer = context.viewer ?? null;
          const refusal = live.refusalFor(viewer);
          if (refusal) {
            logger.warn({ userId: viewer?.kind === 'user' ? viewer.userId : undefined }, `SSE refused: ${refusal}`);
            void result[Symbol.asyncIterator]().return?.();
            setResult({
              errors: [new GraphQLError(refusal, { extensions: { code: 'RATE_LIMITED', http: { status: 429 } } })],
            });
            return;
          }
          const authorization = context.req?.headers.authorization ?? null;
          setResult(limitedStream(result, { live, viewer, authorization, response, logger }));
        },
      };
    },
  };
}

/**
 * The subscription's events, counted as one live connection while they flow: `end` (revocation,
 * a slow consumer) stops them at once — a revocation with a last UNAUTHENTICATED event — and the
 * source is ended whichever side stops first (the client going away, the source completing).
 */
function limitedStream(
  source: AsyncIterable<ExecutionResult>,
  options: {
    live: LiveConnections;
    viewer: Viewer | null;
    authorization: string | null;
    response: http.ServerResponse;
    logger: Logger;
  },
): AsyncIterableIterator<ExecutionResult> {
  const { live, response, logger } = options;
  const events = source[Symbol.asyncIterator]();
  let finished = false;
  let lastEvent: ExecutionResult | undefined;
  let wake: (step: IteratorReturnResult<undefined>) => void = () => {};
  const stopped = new Promise<IteratorReturnResult<undefined>>((resolve) => (wake = resolve));
  const finish = () => {
    if (finished) return;
    finished = true;
    live.remove(connection);
    response.off('close', finish);
    wake(DONE);
    void events.return?.();
  };
  const connection: LiveConnection = {
    transport: 'sse',
    authorization: options.authorization,
    end(reason: EndReason, message: string) {
      logger.warn({ reason, bufferedBytes: waitingBytes(response) }, `SSE stream ended: ${message}`);
      if (reason === 'revoked') {
        lastEvent = { errors: [new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } })] };
      }
      finish();
    },
  };
  live.add(connection);
  live.identify(connection, options.viewer);
  response.once('close', finish);

  return {
    async next(): Promise<IteratorResult<ExecutionResult>> {
      if (lastEvent) {
        const value = lastEvent;
        lastEvent = undefined;
        return { done: false, value };
      }
      if (finished) return DONE;
      if (live.isSlow(waitingBytes(response))) {
        connection.end('slowConsumer', 'Slow consumer: too many bytes waiting to be sent.');
        return DONE;
      }
      const step = await Promise.race([events.next(), stopped]);
      if (step.done) {
        finish();
        return lastEvent ? this.next() : DONE;
      }
      return step;
    },
    async return() {
      finish();
      return DONE;
    },
    async throw(error: unknown) {
      finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
