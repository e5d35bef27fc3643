/**
 * One node:http server: Yoga at /graphql, graphql-ws on the same port and path, and a few plain
 * routes (health, readiness, metrics, webhooks, stored images) registered by the domains.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, maskError as defaultMaskError, type YogaInitialContext } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { resolveViewer } from './auth/viewer.ts';
import { databaseUnavailableError, useRateLimitHeaders } from './billing/http.ts';
import type { GraphQLContext, Viewer } from './graphql/context.ts';
import { useInputErrorCodes } from './graphql/error-codes.ts';
import { GRAPHIQL_OPTIONS, localGraphiQL } from './graphiql.ts';
import type { AppServices } from './services.ts';

export interface HttpRoute {
  readonly method: 'GET' | 'POST' | 'HEAD';
  /** Exact path, or a pattern tested against the path (query string removed). */
  readonly path: string | RegExp;
  handle(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> | void;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  /** Stop accepting, finish in-flight requests, close sockets (1001), within `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** WebSocket messages are small GraphQL documents; ws would accept 100 MiB by default. */
const MAX_WS_PAYLOAD_BYTES = 256 * 1024;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,128}$/;

type YogaServerContext = {
  requestId: string;
  /** Set for WebSocket operations, where there is no HTTP request to read headers from. */
  wsViewer?: Viewer | null;
};

function authorizationFromExtensions(extensions: Record<string, unknown> | null | undefined): string | null {
  const headers = extensions?.headers;
  if (typeof headers !== 'object' || headers === null) return null;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return null;
}

export function sendJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(payload);
}

export function createGraphQLServer(
  services: AppServices,
  schema: GraphQLSchema,
  routes: readonly HttpRoute[],
): http.Server & { disposeGraphQL(): Promise<void> } {
  const { logger, config } = services;
  const production = config.nodeEnv === 'production';
  const graphiql = production ? null : localGraphiQL();
  const allRoutes = graphiql ? [...routes, graphiql.route] : routes;

  const yoga = createYoga<YogaServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: production ? false : GRAPHIQL_OPTIONS,
    ...(graphiql ? { renderGraphiQL: graphiql.render } : {}),
    logging: false,
    plugins: [useRateLimitHeaders(), useInputErrorCodes()],
    maskedErrors: {
      maskError(error, message, isDev) {
        // A database outage is reported as such (typed), not as "Unexpected error.".
        const unavailable = databaseUnavailableError(error);
        if (unavailable) {
          logger.warn({ err: error }, 'database unavailable during a GraphQL operation');
          return unavailable;
        }
        const masked = defaultMaskError(error, message, isDev);
        if (masked !== error) logger.error({ err: error }, 'unexpected error in a GraphQL operation');
        return masked;
      },
    },
    context: async (initial: YogaInitialContext & YogaServerContext): Promise<GraphQLContext> => {
      const requestId = initial.requestId ?? randomUUID();
      const viewer =
        initial.wsViewer !== undefined
          ? initial.wsViewer
          : await resolveViewer(services, initial.request.headers.get('authorization'));
      return { services, viewer, requestId, logger: logger.child({ requestId }) };
    },
  });

  const routeFor = (method: string, path: string) =>
    allRoutes.find(
      (route) =>
        (route.method === method || (method === 'HEAD' && route.method === 'GET')) &&
        (typeof route.path === 'string' ? route.path === path : route.path.test(path)),
    );

  const server = http.createServer(async (request, response) => {
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
      const route = routeFor(request.method ?? 'GET', url.pathname);
      if (route) {
        await route.handle(request, response, url);
      } else if (url.pathname === '/graphql' || url.pathname.startsWith('/graphql/')) {
        await yoga(request, response, { requestId });
      } else if (url.pathname === '/' && !production) {
        response.writeHead(302, { location: '/graphql' }).end();
      } else {
        sendJson(response, 404, { error: 'not_found' });
      }
    } catch (error) {
      logger.error({ err: error, requestId, path: url.pathname }, 'unhandled error in an HTTP route');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal_error', requestId });
      else response.destroy();
    }
  });

  const wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: MAX_WS_PAYLOAD_BYTES });
  const wsViewers = new WeakMap<object, Viewer | null>();
  const graphqlWs = useServer<{ authorization?: unknown } | undefined>(
    {
      // WebSocket traffic bypasses Yoga's HTTP pipeline, so authentication happens here.
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        try {
          const viewer = await resolveViewer(services, typeof authorization === 'string' ? authorization : null);
          wsViewers.set(ctx.extra.socket, viewer);
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      execute: (args) => (args.rootValue as { execute: (a: typeof args) => never }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: (a: typeof args) => never }).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        let wsViewer = wsViewers.get(ctx.extra.socket) ?? null;
        // GraphiQL sends its Headers pane with every operation rather than in connection_init.
        const operationAuthorization = authorizationFromExtensions(payload.extensions);
        if (wsViewer === null && operationAuthorization !== null) {
          try {
            wsViewer = await resolveViewer(services, operationAuthorization);
          } catch (error) {
            return [error as GraphQLError];
          }
        }
        const {
          schema: envelopedSchema,
          execute,
          subscribe,
          contextFactory,
          parse,
          validate,
        } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          requestId: randomUUID(),
          wsViewer,
        });
        const document = parse(payload.query);
        const errors = validate(envelopedSchema, document);
        if (errors.length > 0) return errors;
        return {
          schema: envelopedSchema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wsServer,
  );

  return Object.assign(server, {
    async disposeGraphQL() {
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await graphqlWs.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await yoga.dispose();
    },
  });
}

export async function listen(
  server: http.Server & { disposeGraphQL(): Promise<void> },
  port: number,
  host: string,
): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
