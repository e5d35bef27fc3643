/**
 * Subscriptions over HTTP (SSE, `text/event-stream`) under the same limits as WebSocket sockets
 * (`live-connections.ts`): each stream counts against the instance's and its user's maximum, is
 * ended when its API key is revoked (with a last UNAUTHENTICATED event), and is ended as a slow
 * consumer when more than `WS_MAX_BUFFERED_BYTES` wait for its client, or when the bytes it adds
 * would take all live connections past `WS_MAX_BUFFERED_BYTES_TOTAL` (`LimitedStream`).
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
import { serializedResult } from './serialized-result.ts';
import { stateOf } from './shared-execution.ts';

interface StreamContext {
  readonly viewer?: Viewer | null;
  readonly res?: http.ServerResponse;
  readonly req?: http.IncomingMessage;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

interface StreamOptions {
  readonly live: LiveConnections;
  readonly viewer: Viewer | null;
  readonly authorization: string | null;
  readonly response: http.ServerResponse;
  readonly logger: Logger;
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
          setResult(new LimitedStream(result, { live, viewer, authorization, response, logger }));
        },
      };
    },
  };
}

/**
 * The subscription's events, counted as one live connection while they flow.
 *
 * The source is read as fast as it yields, whether or not the client keeps up: Yoga writes an
 * event only once the response drained, so a client that stops reading stops Yoga asking for
 * more, and without this the source's own buffer (or the bus behind it) would hold the events.
 * What the client has not taken waits here, measured by the event's one serialization
 * (`serializedResult`: the same bytes for every stream sharing the execution, and the text Yoga
 * writes); when it and the bytes in the
 * response pass `WS_MAX_BUFFERED_BYTES` (or, with every other stream's and socket's,
 * `WS_MAX_BUFFERED_BYTES_TOTAL`), the stream is ended as a slow consumer and its socket
 * destroyed (those bytes can never be sent). `end` for a revocation stops it with a last
 * UNAUTHENTICATED event; the source is ended whichever side stops first.
 */
export class LimitedStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly events: AsyncIterator<ExecutionResult>;
  private readonly connection: LiveConnection;
  /** Events read from the source that the client has not taken yet, with their size. */
  private readonly backlog: Array<{
    readonly value: ExecutionResult;
    readonly bytes: number;
    readonly state: string | undefined;
  }> = [];
  private backlogBytes = 0;
  private waiting: { resolve(step: IteratorResult<ExecutionResult>): void; reject(error: unknown): void } | undefined;
  private lastEvent: ExecutionResult | undefined;
  private failure: { readonly error: unknown } | undefined;
  private sourceDone = false;
  private finished = false;

  constructor(
    source: AsyncIterable<ExecutionResult>,
    private readonly options: StreamOptions,
  ) {
    const { live, response, logger } = options;
    this.events = source[Symbol.asyncIterator]();
    this.connection = {
      transport: 'sse',
      authorization: options.authorization,
      end: (reason: EndReason, message: string) => {
        logger.warn({ reason, bufferedBytes: this.waitingBytes() }, `SSE stream ended: ${message}`);
        if (reason === 'revoked') {
          this.lastEvent = { errors: [new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } })] };
        }
        if (reason === 'slowConsumer') response.destroy();
        this.finish();
      },
    };
    live.add(this.connection);
    live.identify(this.connection, options.viewer);
    response.once('close', this.finish);
    void this.readSource();
  }

  /**
   * Bytes produced for the client that it has not taken: the backlog, and what waits in the
   * response (whose `writableLength` already includes its socket's).
   */
  private waitingBytes(): number {
    return this.backlogBytes + this.options.response.writableLength;
  }

  private async readSource(): Promise<void> {
    try {
      while (!this.finished) {
        const step = await this.events.next();
        if (this.finished) return;
        if (step.done) {
          this.sourceDone = true;
          return this.settle();
        }
        if (this.waiting) {
          this.settle(step.value);
          continue;
        }
        this.enqueue(step.value);
        const slow = this.options.live.slowConsumer(this.connection, this.waitingBytes());
        if (slow) this.connection.end('slowConsumer', slow);
      }
    } catch (error) {
      this.failure = { error };
      this.settle();
    }
  }

  /**
   * Queues an event for the client. A newer state of the same thing (`stateOf`: a generation)
   * takes the place of one still waiting, so a client that drains late gets each generation's
   * newest state — its final state among them — rather than every state it missed.
   */
  private enqueue(value: ExecutionResult): void {
    const bytes = serializedResult(value).length;
    const state = stateOf(value);
    const index = state === undefined ? -1 : this.backlog.findIndex((queued) => queued.state === state);
    if (index === -1) this.backlog.push({ value, bytes, state });
    else {
      this.backlogBytes -= this.backlog[index]!.bytes;
      this.backlog[index] = { value, bytes, state };
    }
    this.backlogBytes += bytes;
  }

  /** Answers a `next` that waits: with `value`, else with whatever ended the stream. */
  private settle(value?: ExecutionResult): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    if (value) return waiting.resolve({ done: false, value });
    if (this.lastEvent) return waiting.resolve({ done: false, value: this.takeLastEvent() });
    if (this.failure) return waiting.reject(this.failure.error);
    waiting.resolve(DONE);
  }

  private takeLastEvent(): ExecutionResult {
    const value = this.lastEvent!;
    this.lastEvent = undefined;
    return value;
  }

  private readonly finish = (): void => {
    if (this.finished) return;
    this.finished = true;
    this.backlog.length = 0;
    this.backlogBytes = 0;
    this.options.live.remove(this.connection);
    this.options.response.off('close', this.finish);
    this.settle();
    void this.events.return?.();
  };

  async next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.lastEvent) return { done: false, value: this.takeLastEvent() };
    const queued = this.backlog.shift();
    if (queued) {
      this.backlogBytes -= queued.bytes;
      this.options.live.drained(this.connection, this.waitingBytes());
      return { done: false, value: queued.value };
    }
    if (this.failure) {
      this.finish();
      throw this.failure.error;
    }
    if (this.finished || this.sourceDone) {
      this.finish();
      return DONE;
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.finish();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.finish();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
