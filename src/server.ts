/**
 * One node:http server: Yoga at /graphql, graphql-ws on the same port and path, and a few plain
 * routes (health, readiness, metrics, webhooks, stored images) registered by the domains.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import { createYoga, type YogaInitialContext, type YogaServerInstance } from 'graphql-yoga';
import { Counter, Gauge, type Registry } from 'prom-client';
import { UnauthenticatedError } from './auth/errors.ts';
import { resolveViewer } from './auth/viewer.ts';
import { databaseUnavailableError, maskContractErrors } from './graphql/errors.ts';
import { useRateLimitHeaders } from './graphql/rate-limit-headers.ts';
import { useCatalogCache } from './graphql/catalog-cache.ts';
import type { GraphQLContext, Viewer } from './graphql/context.ts';
import { useInputErrorCodes } from './graphql/error-codes.ts';
import { useSchemaExposure } from './graphql/exposure.ts';
import { corsPolicy, useJsonPostsOnly } from './graphql/http-policy.ts';
import { useWellFormedText } from './graphql/input-text.ts';
import { useOperationLimits } from './graphql/limits.ts';
import { useOperationMetrics } from './graphql/operation-metrics.ts';
import { LiveByteBudget } from './graphql/live-budget.ts';
import { LiveConnections } from './graphql/live-connections.ts';
import { useLimitedEventStreams } from './graphql/sse-streams.ts';
import { useRequestBounds } from './graphql/request-bounds.ts';
import { useSharedSubscriptionExecution } from './graphql/shared-execution.ts';
import {
  TRUSTED_DOCUMENT,
  TrustedDocuments,
  useTrustedDocuments,
  type TrustedDocumentRef,
} from './graphql/trusted-documents.ts';
import { attachGraphQLWebSocket } from './graphql/websocket.ts';
import { GRAPHIQL_OPTIONS, localGraphiQL } from './graphiql.ts';
import { connectionCap } from './http/connection-cap.ts';
import { lingeringCloseResponse } from './http/lingering-close.ts';
import { sendJson, type HttpRoute } from './http/index.ts';
import { boundUnreadAnswers } from './http/unread-answers.ts';
import type { Logger } from './logger.ts';
import type { AppServices } from './services.ts';
import { graphqlTracingPlugins } from './tracing.ts';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  /** Stop accepting, finish in-flight requests, close sockets (1001), within `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** Every socket's key is re-checked this often, in case a revocation push was lost. */
const WS_KEY_RECHECK_MS = 10_000;
const HEADERS_TIMEOUT_MS = 10_000;
const isCredentialError = (error: unknown) => error instanceof UnauthenticatedError;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,128}$/;

type YogaServerContext = {
  requestId: string;
  /** Set for WebSocket operations, where there is no HTTP request to read headers from. */
  wsViewer?: Viewer | null;
  /** Set for a WebSocket operation that runs a trusted document (HTTP: under TRUSTED_DOCUMENT). */
  wsTrustedDocument?: TrustedDocumentRef;
  [TRUSTED_DOCUMENT]?: TrustedDocumentRef;
};

/** What the GraphQL server reports to besides its services: the process's metrics registry. */
export interface GraphQLServerOptions {
  readonly registry: Registry;
}

/** Whether the header carries the admin token (which may run text under TRUSTED_DOCUMENTS=enforce). */
async function isAdmin(services: AppServices, authorization: string | null): Promise<boolean> {
  return (await resolveViewer(services, authorization).catch(() => null))?.kind === 'admin';
}

/** Sockets and SSE streams under one set of limits. */
function liveConnections({ config, logger }: AppServices, registry: Registry): LiveConnections {
  return new LiveConnections(
    {
      maxConnections: config.webSocket.maxSockets,
      maxConnectionsPerUser: config.webSocket.maxSocketsPerUser,
      maxBufferedBytes: config.webSocket.maxBufferedBytes,
      maxBufferedBytesTotal: config.webSocket.maxBufferedBytesTotal,
    },
    logger,
    registry,
  );
}

export function createGraphQLServer(
  services: AppServices,
  schema: GraphQLSchema,
  routes: readonly HttpRoute[],
  options: GraphQLServerOptions,
): http.Server & { disposeGraphQL(): Promise<void> } {
  const { logger, config } = services;
  const documents = TrustedDocuments.fromDatabase(config.trustedDocuments, services.db);
  const production = config.nodeEnv === 'production';
  const graphiql = production ? null : localGraphiQL();
  const allRoutes = graphiql ? [...routes, graphiql.route] : routes;

  const live = liveConnections(services, options.registry);
  const yoga = createYoga<YogaServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: production ? false : GRAPHIQL_OPTIONS,
    ...(graphiql ? { renderGraphiQL: graphiql.render } : {}),
    logging: false,
    cors: corsPolicy(config.corsOrigins),
    // Yoga's own cut-off for a chunked body; useRequestBounds refuses a declared length first.
    maxRequestBodySize: config.maxBodyBytes,
    // Relay names a persisted document with `doc_id`, GraphQL over HTTP with `documentId`.
    extraParamNames: ['documentId', 'doc_id'],
    plugins: [
      useJsonPostsOnly(),
      useRequestBounds(config.maxBodyBytes),
      useTrustedDocuments(documents, (authorization) => isAdmin(services, authorization)),
      ...useOperationLimits(config.operationLimits),
      useWellFormedText(),
      useSchemaExposure({ introspection: config.introspection, suggestions: !production }),
      useCatalogCache(),
      useSharedSubscriptionExecution({
        registry: options.registry,
        budget: new LiveByteBudget(config.webSocket.maxBytesPerSecondPerUser, config.webSocket.maxBytesPerSecond),
      }),
      useLimitedEventStreams(live, logger),
      useRateLimitHeaders(),
      useInputErrorCodes(),
      useOperationMetrics(options.registry),
      ...graphqlTracingPlugins(),
    ],
    maskedErrors: { maskError: maskContractErrors(logger) },
    context: async (initial: YogaInitialContext & YogaServerContext): Promise<GraphQLContext> => {
      const requestId = initial.requestId ?? randomUUID();
      const viewer =
        initial.wsViewer !== undefined
          ? initial.wsViewer
          : await resolveViewer(services, initial.request.headers.get('authorization'));
      const trustedDocument = initial.wsTrustedDocument ?? initial[TRUSTED_DOCUMENT];
      return { services, viewer, requestId, logger: logger.child({ requestId }), trustedDocument };
    },
  });

  const server = createRouteServer(allRoutes, logger, async (request, response, url, requestId) => {
    if (url.pathname === '/graphql' || url.pathname.startsWith('/graphql/')) {
      await yoga(request, response, { requestId });
    } else if (url.pathname === '/' && !production) {
      response.writeHead(302, { location: '/graphql' }).end();
    } else {
      sendJson(response, 404, { error: 'not_found' });
    }
  });

  server.maxConnections = connectionCap(config.httpMaxConnections);
  boundAnswersWaiting(services, server, options.registry);
  // A connection that never sends its request headers is closed after this (Node's default: 60 s).
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  const stopWebSocket = attachWebSocketTransport(services, server, yoga, live, documents);
  server.disposeGraphQL = async () => {
    await stopWebSocket();
    await yoga.dispose();
  };
  return server;
}

/** Answers that are not live events, waiting for clients that do not read them: at most HTTP_MAX_UNREAD_BYTES_TOTAL. */
function boundAnswersWaiting({ config, logger }: AppServices, server: http.Server, registry: Registry): void {
  const ended = new Counter({
    name: 'pixelgate_http_unread_answers_ended_total',
    help: 'HTTP connections destroyed because the answers waiting for all clients passed HTTP_MAX_UNREAD_BYTES_TOTAL (those with the most waiting first).',
    registers: [registry],
  });
  const unread = boundUnreadAnswers(server, {
    maxBytesTotal: config.httpMaxUnreadBytesTotal,
    onEnd: (waitingBytes, totalBytes) => {
      ended.inc();
      logger.warn(
        { reason: 'slowConsumer', bufferedBytes: waitingBytes, totalBytes },
        "HTTP connection ended: the instance's bytes waiting for clients that do not read their answers are at their maximum",
      );
    },
  });
  const waiting: Gauge = new Gauge({
    name: 'pixelgate_http_unread_answer_bytes',
    help: 'Bytes of answers (not live events) waiting in the process for their clients, all HTTP connections together, as last swept (bounded by HTTP_MAX_UNREAD_BYTES_TOTAL).',
    registers: [registry],
    collect: () => waiting.set(unread.waitingBytes()),
  });
}

/**
 * graphql-ws on the server, and revocations (pushed, or "re-check all" after a lost push) ending
 * what a key opened on either transport. Returns its disposal.
 */
function attachWebSocketTransport(
  services: AppServices,
  server: http.Server,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yoga's server context type is the caller's
  yoga: YogaServerInstance<any, any>,
  live: LiveConnections,
  documents: TrustedDocuments,
): () => Promise<void> {
  const { config, logger } = services;
  const resolve = (authorization: string | null) => resolveViewer(services, authorization);
  const webSocket = attachGraphQLWebSocket({
    server,
    yoga,
    live,
    documents,
    limits: {
      maxSubscriptionsPerSocket: config.webSocket.maxSubscriptionsPerSocket,
      maxPayloadBytes: config.maxBodyBytes,
      recheckIntervalMs: WS_KEY_RECHECK_MS,
      maxAnonymousSockets: config.webSocket.maxAnonymousSockets,
      maxAnonymousSocketsPerAddress: config.webSocket.maxAnonymousSocketsPerAddress,
      anonymousIdleMs: config.webSocket.anonymousIdleSeconds * 1000,
    },
    logger,
    auth: {
      resolve,
      isCredentialError,
      isDatabaseUnavailable: (error) => databaseUnavailableError(error) !== undefined,
    },
  });
  const stopHearingRevocations = services.keys.onRevocation((apiKeyId) =>
    apiKeyId === null ? void live.recheckAll(resolve, isCredentialError) : live.endConnectionsOfKey(apiKeyId),
  );
  return async () => {
    stopHearingRevocations();
    await webSocket.dispose();
  };
}

type Unrouted = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  url: URL,
  requestId: string,
) => Promise<void> | void;

function findRoute(routes: readonly HttpRoute[], method: string, path: string): HttpRoute | undefined {
  return routes.find(
    (route) =>
      (route.method === method || (method === 'HEAD' && route.method === 'GET')) &&
      (typeof route.path === 'string' ? route.path === path : route.path.test(path)),
  );
}

/**
 * A server of plain routes (a worker's health routes); `unrouted` answers the rest (the GraphQL
 * server: Yoga), by default a JSON 404. Every answer carries a request id.
 */
export function createRouteServer(
  routes: readonly HttpRoute[],
  logger: Logger,
  unrouted: Unrouted = (_request, response) => sendJson(response, 404, { error: 'not_found' }),
): http.Server & { disposeGraphQL(): Promise<void> } {
  // An answer given before its request's body has all arrived closes the connection after a
  // bounded drain instead of reading the rest of the body, on at most MAX_LINGERING_CONNECTIONS at
  // once (src/http/lingering-close.ts).
  const server = http.createServer({ ServerResponse: lingeringCloseResponse() }, async (request, response) => {
    const incomingId = request.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID_PATTERN.test(incomingId) ? incomingId : randomUUID();
    response.setHeader('x-request-id', requestId);
    // Once the server stops listening, a kept-alive connection that finishes a request is closed
    // at once instead of idling until its keep-alive timeout delays the shutdown.
    response.once('finish', () => {
      if (!server.listening) request.socket.end();
    });
    const url = new URL(request.url ?? '/', 'http://localhost');
    try {
      const route = findRoute(routes, request.method ?? 'GET', url.pathname);
      if (route) await route.handle(request, response, url);
      else await unrouted(request, response, url, requestId);
    } catch (error) {
      logger.error({ err: error, requestId, path: url.pathname }, 'unhandled error in an HTTP route');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal_error', requestId });
      else response.destroy();
    }
  });
  return Object.assign(server, { disposeGraphQL: async () => undefined });
}

export async function listen(
  server: http.Server & { disposeGraphQL(): Promise<void> },
  port: number,
  host: string,
): Promise<RunningServer> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await server.disposeGraphQL();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const displayHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${displayHost}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    server,
    close(graceMs = 8_000) {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await server.disposeGraphQL();
        const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
        await stopped;
        clearTimeout(deadline);
      })();
      return closing;
    },
  };
}
