/**
 * GraphQL over WebSocket (`graphql-transport-ws`) on the HTTP server's port and path. WebSocket
 * traffic bypasses Yoga's HTTP pipeline, so authentication, limits and revocation live here; the
 * operations themselves run through Yoga's envelop (parse/validate caches, operation limits,
 * error masking), exactly as over HTTP.
 *
 * Bounds, each refused with the protocol's own signal and one log line:
 * - sockets per instance (with SSE streams, `live-connections.ts`): the upgrade is answered 503
 *   before any WebSocket exists;
 * - sockets not yet authenticated per source address: the upgrade is answered 429 (an upgrade that
 *   carries `Authorization` is not counted there);
 * - anonymous sockets per instance: close 4429 after `connection_init`, so a flood of them leaves
 *   room for users, whose sockets count only against the instance and their own maximum;
 * - an anonymous socket with no operation for `anonymousIdleMs`: close 4408;
 * - sockets per user (with their SSE streams): close 4429 after `connection_init`;
 * - subscriptions per socket: an `error` message for that operation id;
 * - a message's nesting and variables, read off its text before graphql-ws parses it
 *   (`ws-message-bounds.ts`);
 * - bytes waiting to be sent on one socket, or on all sockets and SSE streams together (a slow
 *   consumer, `live-connections.ts`): close 1008, never buffered unbounded.
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
import type { Context as GraphQLWsContext, SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Viewer } from './context.ts';
import { withContractCode } from './error-codes.ts';
import { contractError, withRetryable } from './errors.ts';
import type { LiveConnection, LiveConnections } from './live-connections.ts';
import { paramsBoundsError } from './request-bounds.ts';
import type { Logger } from '../logger.ts';
import { serializedResult } from './serialized-result.ts';
import { documentSource, type TrustedDocumentRef, type TrustedDocuments } from './trusted-documents.ts';
import { boundMessagesBeforeParse, takeMessageRefusal } from './ws-message-bounds.ts';

export interface WebSocketLimits {
  /** Operations running at once on one socket. */
  readonly maxSubscriptionsPerSocket: number;
  /** Largest message accepted from a client. */
  readonly maxPayloadBytes: number;
  /** How often every socket's key is re-checked (the backstop for a revocation push that was lost). */
  readonly recheckIntervalMs: number;
  /** Sockets without credentials (anonymous after `connection_init`) on this instance. */
  readonly maxAnonymousSockets: number;
  /** Sockets not (yet) authenticated from one source address. */
  readonly maxAnonymousSocketsPerAddress: number;
  /** How long an anonymous socket may stay open running no operation. */
  readonly anonymousIdleMs: number;
}

/** Close codes, beside graphql-ws's own (4400-4499). */
export const WS_CLOSE = {
  forbidden: 4403,
  idle: 4408,
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

type ConnectionParams = Record<string, unknown> | undefined;
type WsContext = GraphQLWsContext<ConnectionParams, Extra & Partial<Record<PropertyKey, never>>>;

interface SocketState {
  readonly connection: LiveConnection & { authorization: string | null };
  readonly address: string;
  viewer: Viewer | null;
  /** Set once `connection_init` found no credentials. */
  anonymous: boolean;
  lastActiveAt: number;
  idleTimer?: NodeJS.Timeout;
}

// Yoga's server context as the WebSocket layer fills it.
type WsYogaContext = { requestId: string; wsViewer: Viewer | null; wsTrustedDocument?: TrustedDocumentRef };

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

interface WebSocketOptions {
  server: http.Server;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yoga's server context type is the caller's
  yoga: YogaServerInstance<any, any>;
  auth: WebSocketAuthenticator;
  limits: WebSocketLimits;
  /** Sockets per instance and per user, revocation and the slow-consumer bound, shared with SSE. */
  live: LiveConnections;
  /** The WebSocket path parses its own payloads: it looks registered documents up here. */
  documents: TrustedDocuments;
  logger: Logger;
}

export function attachGraphQLWebSocket(options: WebSocketOptions) {
  const { server, limits, live, logger } = options;
  const sockets = new SocketAdmission(options);
  const wsServer = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: limits.maxPayloadBytes,
    verifyClient: (info, accept) => {
      const refusal = sockets.upgradeRefusal(info.req);
      if (!refusal) return accept(true);
      logger.warn(
        { status: refusal.status, address: info.req.socket.remoteAddress },
        `WebSocket refused: ${refusal.message}`,
      );
      accept(false, refusal.status, refusal.message);
    },
  });
  // Before graphql-ws's own listener: every socket is counted from its first moment.
  wsServer.on('connection', (socket, request) => sockets.opened(socket, request));

  const graphqlWs = useServer<ConnectionParams>(
    {
      onConnect: (ctx) => sockets.connect(ctx),
      onSubscribe: (ctx, id, payload) => operationArgs(options, sockets, ctx, id, payload),
      execute: (args) => (args.rootValue as { execute: (a: typeof args) => never }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: (a: typeof args) => never }).subscribe(args),
      // A subscription's events are sent here, from bytes serialized once per result; graphql-ws
      // still runs the operation, its errors and its `complete`.
      onOperation: (ctx, id, _payload, _args, result) =>
        isAsyncIterable(result) ? sendEvents(ctx.extra.socket, id, result, sockets) : undefined,
      // Single results (queries and mutations over the socket) are sent by graphql-ws itself.
      onNext: (ctx) => {
        sockets.isSlowConsumer(ctx.extra.socket);
      },
      onError: (ctx, _id, _payload, errors) => {
        sockets.isSlowConsumer(ctx.extra.socket);
        return errors.map((error) => {
          if (error.extensions?.code !== undefined) return withRetryable(withContractCode(error)).toJSON();
          logger.error({ err: error.originalError ?? error }, 'unexpected error in a WebSocket operation');
          return { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false } };
        });
      },
    },
    wsServer,
  );
  // After graphql-ws's own listeners, which these replace (errors) and go before (messages).
  wsServer.on('connection', (socket) => {
    quietSocketErrors(socket, logger);
    boundMessagesBeforeParse(socket);
  });

  const recheckTimer = setInterval(
    () => void live.recheckAll((authorization) => options.auth.resolve(authorization), options.auth.isCredentialError),
    limits.recheckIntervalMs,
  );
  recheckTimer.unref();

  return {
    wsServer,
    async dispose() {
      clearInterval(recheckTimer);
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await graphqlWs.dispose();
    },
  };
}

/**
 * A socket's errors without graphql-ws's listener, which writes each one to console.error. The
 * errors ws raises for what a client sent (`WS_ERR_*`: a message over the size limit, bad framing,
 * invalid UTF-8) have already closed the socket with their code (1009, 1002, 1007): one caller can
 * drive them as often as it likes, so they log at debug. Anything else logs a warn line and closes
 * 1011, as graphql-ws would.
 */
function quietSocketErrors(socket: WebSocket, logger: Logger): void {
  for (const listener of socket.listeners('error')) socket.removeListener('error', listener as () => void);
  socket.on('error', (error: Error & { code?: unknown }) => {
    if (typeof error.code === 'string' && error.code.startsWith('WS_ERR_')) {
      return logger.debug({ err: error }, 'WebSocket closed for what its client sent');
    }
    logger.warn({ err: error }, 'WebSocket failed');
    socket.close(1011, 'Internal server error');
  });
}

/**
 * Who may open and keep a socket: the instance's room (shared with SSE), sockets not yet
 * authenticated per address and anonymous ones per instance, a user's own maximum, the idle limit of
 * an anonymous socket, and the slow-consumer bound.
 */
class SocketAdmission {
  private readonly states = new WeakMap<WebSocket, SocketState>();
  /** Sockets not (yet) authenticated, by source address: pending `connection_init`, or anonymous. */
  private readonly unauthenticated = new Map<string, Set<WebSocket>>();
  private anonymousCount = 0;

  constructor(private readonly options: WebSocketOptions) {}

  upgradeRefusal(request: http.IncomingMessage): { status: number; message: string } | undefined {
    const { live, limits } = this.options;
    if (!live.hasRoom()) return { status: 503, message: 'Too many WebSocket connections' };
    if (request.headers.authorization !== undefined) return undefined;
    const fromAddress = this.unauthenticated.get(addressOf(request))?.size ?? 0;
    if (fromAddress < limits.maxAnonymousSocketsPerAddress) return undefined;
    return { status: 429, message: 'Too many unauthenticated WebSocket connections from this address' };
  }

  opened(socket: WebSocket, request: http.IncomingMessage): void {
    const address = addressOf(request);
    const connection = {
      transport: 'websocket' as const,
      authorization: null as string | null,
      end: (reason: 'revoked' | 'slowConsumer', message: string) =>
        this.refuse(socket, reason === 'revoked' ? WS_CLOSE.forbidden : WS_CLOSE.slowConsumer, message, {
          reason,
          bufferedBytes: socket.bufferedAmount,
        }),
    };
    const state: SocketState = { connection, address, viewer: null, anonymous: false, lastActiveAt: Date.now() };
    this.states.set(socket, state);
    this.options.live.add(connection);
    this.track(address, socket);
    socket.once('close', () => {
      this.options.live.remove(connection);
      this.untrack(address, socket);
      if (state.anonymous) this.anonymousCount -= 1;
      clearTimeout(state.idleTimer);
    });
  }

  /** graphql-ws's `onConnect`: who the socket is, and whether it may stay (false closes it). */
  async connect(ctx: WsContext): Promise<boolean> {
    const socket = ctx.extra.socket;
    const state = this.states.get(socket);
    if (!state) return false;
    const upgradeAuthorization = ctx.extra.request.headers.authorization;
    const authorization =
      authorizationFromParams(ctx.connectionParams) ??
      (typeof upgradeAuthorization === 'string' ? upgradeAuthorization : null);
    try {
      state.viewer = await this.options.auth.resolve(authorization);
    } catch (error) {
      return this.closeForCredentials(socket, error);
    }
    state.connection.authorization = authorization;
    if (state.viewer === null) return this.admitAnonymous(socket, state, ctx);
    const refusal = this.options.live.userRefusal(state.viewer);
    if (refusal) {
      const userId = state.viewer.kind === 'user' ? state.viewer.userId : undefined;
      return this.refuse(socket, WS_CLOSE.tooManySockets, refusal, { userId });
    }
    this.options.live.identify(state.connection, state.viewer);
    this.untrack(state.address, socket);
    return true;
  }

  state(socket: WebSocket): SocketState | undefined {
    return this.states.get(socket);
  }

  /** Notes that the socket runs an operation (an anonymous socket's idle time starts again). */
  touch(state: SocketState): void {
    state.lastActiveAt = Date.now();
  }

  /**
   * graphql-ws awaits each send, but refusals and replies to many small operations are written
   * concurrently: whatever the path, a socket whose unsent bytes pass the cap is closed, and a
   * closing socket accepts nothing more.
   */
  isSlowConsumer(socket: WebSocket, sending = 0): boolean {
    const state = this.states.get(socket);
    if (socket.readyState !== socket.OPEN || !state) return true;
    const bufferedBytes = socket.bufferedAmount + sending;
    const slow = this.options.live.slowConsumer(state.connection, bufferedBytes);
    if (!slow) return false;
    this.refuse(socket, WS_CLOSE.slowConsumer, slow, { reason: 'slowConsumer', bufferedBytes });
    return true;
  }

  /** Notes that the socket's client took what was sent (its bytes leave the instance's total). */
  drained(socket: WebSocket): void {
    const state = this.states.get(socket);
    if (state) this.options.live.drained(state.connection, socket.bufferedAmount);
  }

  closeForCredentials(socket: WebSocket, error: unknown): boolean {
    const { auth, logger } = this.options;
    if (auth.isCredentialError(error)) return this.refuse(socket, WS_CLOSE.forbidden, (error as Error).message, {});
    if (auth.isDatabaseUnavailable(error)) {
      return this.refuse(socket, WS_CLOSE.tryAgainLater, 'The database is unavailable; reconnect shortly.', {});
    }
    logger.error({ err: error }, 'WebSocket authentication failed unexpectedly');
    socket.close(WS_CLOSE.internalError, 'Internal server error');
    return false;
  }

  private admitAnonymous(socket: WebSocket, state: SocketState, ctx: WsContext): boolean {
    const { limits } = this.options;
    if (this.anonymousCount >= limits.maxAnonymousSockets) {
      const message = `Too many anonymous sockets on this instance (limit ${limits.maxAnonymousSockets}); send an API key in connection_init.`;
      return this.refuse(socket, WS_CLOSE.tooManySockets, message, {});
    }
    state.anonymous = true;
    this.anonymousCount += 1;
    this.armIdleTimer(socket, state, ctx, limits.anonymousIdleMs);
    return true;
  }

  /** Closes an anonymous socket once it has run no operation for `anonymousIdleMs`. */
  private armIdleTimer(socket: WebSocket, state: SocketState, ctx: WsContext, delayMs: number): void {
    const idleMs = this.options.limits.anonymousIdleMs;
    state.idleTimer = setTimeout(() => {
      const quietFor = Date.now() - state.lastActiveAt;
      if (Object.keys(ctx.subscriptions).length > 0) return this.armIdleTimer(socket, state, ctx, idleMs);
      if (quietFor < idleMs) return this.armIdleTimer(socket, state, ctx, idleMs - quietFor);
      this.refuse(socket, WS_CLOSE.idle, `Idle: an anonymous socket ran no operation for ${idleMs / 1000} s.`, {});
    }, delayMs);
    state.idleTimer.unref();
  }

  private refuse(socket: WebSocket, code: number, reason: string, log: Record<string, unknown>): false {
    this.options.logger.warn({ ...log, closeCode: code }, `WebSocket closed: ${reason}`);
    // A close reason is at most 123 bytes.
    socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
    return false;
  }

  private track(address: string, socket: WebSocket): void {
    let set = this.unauthenticated.get(address);
    if (!set) this.unauthenticated.set(address, (set = new Set()));
    set.add(socket);
  }

  private untrack(address: string, socket: WebSocket): void {
    const set = this.unauthenticated.get(address);
    if (!set?.delete(socket) || set.size > 0) return;
    this.unauthenticated.delete(address);
  }
}

function addressOf(request: http.IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

/**
 * graphql-ws's `onSubscribe`: the operation's bounds (a closing socket, operations per socket,
 * variables), its viewer re-checked, then its document parsed and validated through Yoga's envelop;
 * returns the execution arguments, or the errors that refuse it.
 */
async function operationArgs(
  options: WebSocketOptions,
  sockets: SocketAdmission,
  ctx: WsContext,
  id: string,
  payload: SubscribePayload,
) {
  const { auth, limits, logger, yoga } = options;
  const socket = ctx.extra.socket;
  // Taken first, whatever refuses the operation: the id may be used again.
  const cutFromMessage = takeMessageRefusal(socket, id);
  // A contract code: without one, each operation arriving while a slow consumer's socket closes
  // was logged at error level and answered INTERNAL_SERVER_ERROR.
  if (sockets.isSlowConsumer(socket)) {
    return [new GraphQLError('The socket is closing: it read too slowly.', { extensions: { code: 'RATE_LIMITED' } })];
  }
  const state = sockets.state(socket);
  if (!state) return [new GraphQLError('Not connected.', { extensions: { code: 'UNAUTHENTICATED' } })];
  sockets.touch(state);
  const tooLarge = cutFromMessage ?? paramsBoundsError(payload);
  if (tooLarge) return [tooLarge];
  if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerSocket) {
    logger.warn({ limit: limits.maxSubscriptionsPerSocket }, 'WebSocket operation refused: too many on one socket');
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
  const authorization = state.connection.authorization;
  try {
    if (authorization !== null) viewer = await auth.resolve(authorization);
    // GraphiQL sends its Headers pane with each operation rather than in connection_init.
    const operationAuthorization = authorizationFromParams(payload.extensions?.headers);
    if (viewer === null && operationAuthorization !== null) viewer = await auth.resolve(operationAuthorization);
  } catch (error) {
    if (authorization !== null) sockets.closeForCredentials(socket, error);
    return [toGraphQLError(error)];
  }
  const source = await documentSource(options.documents, payload as unknown as Record<string, unknown>, viewer);
  if (source instanceof GraphQLError) return [source];
  const enveloped = yoga.getEnveloped({
    ...ctx,
    req: ctx.extra.request,
    socket,
    params: { ...payload, query: source.query },
    requestId: randomUUID(),
    wsViewer: viewer,
    wsTrustedDocument: source.trusted,
  } satisfies WsYogaContext & Record<string, unknown>);
  let document;
  try {
    document = enveloped.parse(source.query);
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
}

/**
 * A subscription's events, sent straight to its socket as `{"id":…,"type":"next","payload":…}`
 * around the result's bytes — serialized once per result object (`serializedResult`), so every
 * subscriber sharing one execution gets the same bytes; graphql-ws would stringify each message
 * per subscriber. Each send is awaited, as graphql-ws does. The iterator handed back to
 * graphql-ws yields nothing: it ends when the source ends (graphql-ws then sends `complete`, or
 * `error` if the source threw), and its `return()` — the client's `complete`, the socket closing —
 * ends the source at once.
 */
function sendEvents(
  socket: WebSocket,
  id: string,
  source: AsyncIterable<ExecutionResult>,
  sockets: SocketAdmission,
): AsyncIterableIterator<never> {
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
        const message = Buffer.concat([head, serializedResult(step.value), MESSAGE_END]);
        // A closing socket or a slow consumer (closed here) gets nothing more.
        if (sockets.isSlowConsumer(socket, message.length)) continue;
        try {
          await send(message);
          sockets.drained(socket);
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
