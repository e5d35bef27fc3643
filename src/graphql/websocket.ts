/**
 * GraphQL over WebSocket (`graphql-transport-ws`) on the HTTP server's port and path. WebSocket
 * traffic bypasses Yoga's HTTP pipeline, so authentication, limits and revocation live here; the
 * operations themselves run through Yoga's envelop (parse/validate caches, operation limits,
 * error masking), exactly as over HTTP.
 *
 * Bounds, each refused with the protocol's own signal and one log line:
 * - sockets per instance: the upgrade is answered 503 before any WebSocket exists;
 * - sockets per user: close 4429 after `connection_init`;
 * - subscriptions per socket: an `error` message for that operation id;
 * - bytes waiting to be sent on one socket (a slow consumer): close 1008, never buffered unbounded.
 *
 * Subscription events are written here rather than by graphql-ws (`sendEvents`): graphql-ws
 * stringifies every `next` message per subscriber, while the result shared by thousands of
 * subscribers (`shared-execution.ts`) has one serialization; only the `id` around it differs.
 * The hook is graphql-ws's `onOperation`, which may replace an operation's result stream —
 * supported API, unlike wrapping `socket.send` or re-parsing its strings.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Viewer } from './context.ts';
import { contractError } from './errors.ts';
import { paramsBoundsError } from './request-bounds.ts';
import type { Logger } from '../logger.ts';
import { serializedResult } from './serialized-result.ts';

export interface WebSocketLimits {
  /** Open sockets on this instance. */
  readonly maxSockets: number;
  /** Open sockets of one user on this instance. */
  readonly maxSocketsPerUser: number;
  /** Operations running at once on one socket. */
  readonly maxSubscriptionsPerSocket: number;
  /** Bytes queued for one socket before it counts as a slow consumer and is closed. */
  readonly maxBufferedBytes: number;
  /** Largest message accepted from a client. */
  readonly maxPayloadBytes: number;
  /** How often every socket's key is re-checked (the backstop for a revocation push that was lost). */
  readonly recheckIntervalMs: number;
}

/** Close codes, beside graphql-ws's own (4400-4499). */
export const WS_CLOSE = {
  forbidden: 4403,
  tooManySockets: 4429,
  slowConsumer: 1008,
  tryAgainLater: 1013,
  internalError: 1011,
} as const;

/** How the WebSocket layer learns who a socket is; `resolve` throws a coded error for a bad key. */
export interface WebSocketAuthenticator {
  resolve(authorization: string | null): Promise<Viewer | null>;
  /** Whether the error `resolve` threw means "the credentials are wrong" (vs "try again later"). */
  isCredentialError(error: unknown): boolean;
  isDatabaseUnavailable(error: unknown): boolean;
}

interface SocketState {
  readonly authorization: string | null;
  viewer: Viewer | null;
}

// Yoga's server context as the WebSocket layer fills it.
type WsYogaContext = { requestId: string; wsViewer: Viewer | null };

/**
 * `authorization` in any letter case, at the top of the payload or in Apollo-style `headers` one
 * level down — no deeper: a payload nested thousands deep is looked at twice, never walked.
 */
export function authorizationFromParams(params: unknown): string | null {
  const top = ownAuthorization(params);
  return top.authorization ?? ownAuthorization(top.headers).authorization;
}

function ownAuthorization(params: unknown): { authorization: string | null; headers: unknown } {
  const found = { authorization: null as string | null, headers: undefined as unknown };
  if (typeof params !== 'object' || params === null) return found;
  for (const [name, value] of Object.entries(params)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' && typeof value === 'string') found.authorization ??= value;
    if (lower === 'headers') found.headers = value;
  }
  return found;
}

export function attachGraphQLWebSocket(options: {
  server: http.Server;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yoga's server context type is the caller's
  yoga: YogaServerInstance<any, any>;
  auth: WebSocketAuthenticator;
  limits: WebSocketLimits;
  logger: Logger;
}) {
  const { server, yoga, auth, limits, logger } = options;
  const states = new WeakMap<WebSocket, SocketState>();
  const socketsByUser = new Map<string, Set<WebSocket>>();
  const socketsByKey = new Map<string, Set<WebSocket>>();

  const wsServer = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: limits.maxPayloadBytes,
    verifyClient: (_info, accept) => {
      if (wsServer.clients.size < limits.maxSockets) return accept(true);
      logger.warn({ limit: limits.maxSockets }, 'WebSocket refused: this instance holds its maximum of sockets');
      accept(false, 503, 'Too many WebSocket connections');
    },
  });

  const track = (index: Map<string, Set<WebSocket>>, key: string, socket: WebSocket) => {
    let sockets = index.get(key);
    if (!sockets) index.set(key, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && index.get(key) === sockets) index.delete(key);
    });
  };

  const refuse = (socket: WebSocket, code: number, reason: string, log: Record<string, unknown>) => {
    logger.warn({ ...log, closeCode: code }, `WebSocket closed: ${reason}`);
    socket.close(code, reason);
    return false;
  };

  /**
   * graphql-ws awaits each send, but refusals and replies to many small operations are written
   * concurrently: whatever the path, a socket whose unsent bytes pass the cap is closed, and a
   * closing socket accepts nothing more.
   */
  const isSlowConsumer = (socket: WebSocket): boolean => {
    if (socket.readyState !== socket.OPEN) return true;
    if (socket.bufferedAmount <= limits.maxBufferedBytes) return false;
    refuse(socket, WS_CLOSE.slowConsumer, 'Slow consumer: too many bytes waiting to be sent.', {
      bufferedBytes: socket.bufferedAmount,
      limit: limits.maxBufferedBytes,
    });
    return true;
  };

  /**
   * A subscription's events, sent straight to its socket as `{"id":…,"type":"next","payload":…}`
   * around the result's bytes — serialized once per result object (`serializedResult`), so every
   * subscriber sharing one execution gets the same bytes; graphql-ws would stringify each message
   * per subscriber. Each send is awaited, as graphql-ws does. The iterator handed back to
   * graphql-ws yields nothing: it ends when the source ends (graphql-ws then sends `complete`, or
   * `error` if the source threw), and its `return()` — the client's `complete`, the socket closing —
   * ends the source at once.
   */
  const sendEvents = (
    socket: WebSocket,
    id: string,
    source: AsyncIterable<ExecutionResult>,
  ): AsyncIterableIterator<never> => {
    const events = source[Symbol.asyncIterator]();
    const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    let ended = false;
    const end = async (): Promise<IteratorReturnResult<undefined>> => {
      ended = true;
      await events.return?.();
      return { done: true, value: undefined };
    };
    const send = (bytes: Buffer) =>
      new Promise<void>((resolve, reject) =>
        // A text frame, as graphql-transport-ws requires (Buffers are sent as binary by default).
        socket.send(bytes, { binary: false }, (error) => (error ? reject(error) : resolve())),
      );
    return {
      async next() {
        for (;;) {
          const step = await events.next();
          if (step.done || ended) return { done: true, value: undefined };
          // A closing socket or a slow consumer (closed here) gets nothing more.
          if (isSlowConsumer(socket)) continue;
          try {
            await send(Buffer.concat([head, serializedResult(step.value), MESSAGE_END]));
          } catch (error) {
            await end();
            throw error;
          }
        }
      },
      return: end,
      async throw(error: unknown) {
        await end();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };

  const closeForCredentials = (socket: WebSocket, error: unknown): boolean => {
    if (auth.isCredentialError(error)) {
      return refuse(socket, WS_CLOSE.forbidden, (error as Error).message, {});
    }
    if (auth.isDatabaseUnavailable(error)) {
      return refuse(socket, WS_CLOSE.tryAgainLater, 'The database is unavailable; reconnect shortly.', {});
    }
    logger.error({ err: error }, 'WebSocket authentication failed unexpectedly');
    socket.close(WS_CLOSE.internalError, 'Internal server error');
    return false;
  };

  const graphqlWs = useServer<Record<string, unknown> | undefined>(
    {
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const upgradeAuthorization = ctx.extra.request.headers.authorization;
        const authorization =
          authorizationFromParams(ctx.connectionParams) ??
          (typeof upgradeAuthorization === 'string' ? upgradeAuthorization : null);
        let viewer: Viewer | null;
        try {
          viewer = await auth.resolve(authorization);
        } catch (error) {
          return closeForCredentials(socket, error);
        }
        if (viewer?.kind === 'user') {
          const open = socketsByUser.get(viewer.userId)?.size ?? 0;
          if (open >= limits.maxSocketsPerUser) {
            return refuse(
              socket,
              WS_CLOSE.tooManySockets,
              `Too many open sockets for this user (limit ${limits.maxSocketsPerUser}).`,
              { userId: viewer.userId },
            );
          }
          track(socketsByUser, viewer.userId, socket);
          track(socketsByKey, viewer.apiKeyId, socket);
        }
        states.set(socket, { authorization, viewer });
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const socket = ctx.extra.socket;
        if (isSlowConsumer(socket)) return [new GraphQLError('The socket is closing.')];
        const state = states.get(socket);
        if (!state) return [new GraphQLError('Not connected.', { extensions: { code: 'UNAUTHENTICATED' } })];
        const tooLarge = paramsBoundsError(payload);
        if (tooLarge) return [tooLarge];
        const running = Object.keys(ctx.subscriptions).length;
        if (running > limits.maxSubscriptionsPerSocket) {
          logger.warn(
            { limit: limits.maxSubscriptionsPerSocket },
            'WebSocket operation refused: too many on one socket',
          );
          return [
            new GraphQLError(
              `This socket already runs ${limits.maxSubscriptionsPerSocket} operations (the limit): complete one or open another socket.`,
              { extensions: { code: 'RATE_LIMITED' } },
            ),
          ];
        }
        // Every operation re-checks the socket's key (cheap: the key cache), so a revocation whose
        // push was missed still ends what the key allowed.
        let viewer = state.viewer;
        try {
          if (state.authorization !== null) viewer = await auth.resolve(state.authorization);
          // GraphiQL sends its Headers pane with each operation rather than in connection_init.
          const operationAuthorization = authorizationFromParams(payload.extensions?.headers);
          if (viewer === null && operationAuthorization !== null) viewer = await auth.resolve(operationAuthorization);
        } catch (error) {
          if (state.authorization !== null) closeForCredentials(socket, error);
          return [toGraphQLError(error)];
        }
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket,
          params: payload,
          requestId: randomUUID(),
          wsViewer: viewer,
        } satisfies WsYogaContext & Record<string, unknown>);
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          return [toGraphQLError(error)];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return [...errors];
        return {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
      execute: (args) => (args.rootValue as { execute: (a: typeof args) => never }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: (a: typeof args) => never }).subscribe(args),
      // A subscription's events are sent here, from bytes serialized once per result; graphql-ws
      // still runs the operation, its errors and its `complete`.
      onOperation: (ctx, id, _payload, _args, result) =>
        isAsyncIterable(result) ? sendEvents(ctx.extra.socket, id, result) : undefined,
      // Single results (queries and mutations over the socket) are sent by graphql-ws itself.
      onNext: (ctx) => {
        isSlowConsumer(ctx.extra.socket);
      },
      onError: (ctx, _id, _payload, errors) => {
        isSlowConsumer(ctx.extra.socket);
        return errors.map((error) => {
          if (error.extensions?.code !== undefined) return error.toJSON();
          logger.error({ err: error.originalError ?? error }, 'unexpected error in a WebSocket operation');
          return { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
        });
      },
    },
    wsServer,
  );

  /** Re-checks every socket's key (through the key cache): those no longer valid are closed. */
  const recheckAll = async () => {
    for (const socket of wsServer.clients) {
      const state = states.get(socket);
      if (!state?.authorization || state.viewer?.kind !== 'user') continue;
      try {
        await auth.resolve(state.authorization);
      } catch (error) {
        if (auth.isCredentialError(error)) closeForCredentials(socket, error);
      }
    }
  };
  const recheckTimer = setInterval(() => void recheckAll(), limits.recheckIntervalMs);
  recheckTimer.unref();

  return {
    wsServer,
    recheckAll,
    /** Ends at once every socket opened with this API key (revoked here or on another instance). */
    closeSocketsOfKey(apiKeyId: string, reason = 'The API key has been revoked.') {
      for (const socket of [...(socketsByKey.get(apiKeyId) ?? [])]) {
        logger.info({ apiKeyId }, 'closing a WebSocket whose API key was revoked');
        socket.close(WS_CLOSE.forbidden, reason);
      }
    },
    async dispose() {
      clearInterval(recheckTimer);
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await graphqlWs.dispose();
    },
  };
}

const MESSAGE_END = Buffer.from('}');

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof (value as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] === 'function';
}

/** A refusal before execution (credentials, a document that does not parse) as the contract's error. */
function toGraphQLError(error: unknown): GraphQLError {
  const contract = contractError(error);
  if (contract) return contract;
  if (error instanceof GraphQLError) {
    return error.extensions?.code === undefined
      ? new GraphQLError(error.message, {
          nodes: error.nodes,
          positions: error.positions,
          extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
        })
      : error;
  }
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
