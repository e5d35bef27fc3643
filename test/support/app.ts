/** Starts a real pixelgate on a port of its own against a fresh database, for end-to-end tests. */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { DestinationStream } from 'pino';
import { startApp, type RunningApp, type StartAppOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createEmptyDatabase, type TestDatabase } from './database.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/** An error of a GraphQL answer, as every test client reads it. */
export interface GraphQLErrorShape {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string; readonly [key: string]: unknown };
}

export interface GraphQLAnswer<T> {
  data?: T;
  errors?: GraphQLErrorShape[];
}

export interface TestApp extends RunningApp {
  readonly database: TestDatabase;
  /**
   * POSTs a GraphQL operation; `token` is an API key or the admin token. A typed document from
   * test/gql (`graphql(…)`) checks its variables and types its answer; a string is for documents
   * built at run time or wrong on purpose.
   */
  graphql<T, V>(document: TypedDocumentNode<T, V>, variables?: V, token?: string): Promise<GraphQLAnswer<T>>;
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLAnswer<T>>;
  stop(): Promise<void>;
}

/** POSTs a GraphQL operation to `url` (a TestApp's, or a gateway's in a child process); `token` as in TestApp. */
async function postGraphQL(url: string, document: string | TypedDocumentNode, variables?: unknown, token?: string) {
  const query = typeof document === 'string' ? document : print(document);
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as never;
}

/**
 * TestApp's `graphql` for a gateway that is not in this process (`pixelgate serve` as a child
 * process): what `createTestUser` takes, so such gateways get their users the one way too.
 */
export function graphqlOverHttp(url: string): Pick<TestApp, 'graphql'> {
  return {
    graphql: (document: string | TypedDocumentNode, variables?: unknown, token?: string) =>
      postGraphQL(url, document, variables, token),
  } as Pick<TestApp, 'graphql'>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  options: {
    database?: TestDatabase;
    /** false: an API-only process (`serve --no-worker`), nothing runs jobs. */
    runWorker?: boolean;
    now?: () => Date;
    /** Tracker timings and Replicate client overrides, passed to startApp as they are. */
    generations?: StartAppOptions['generations'];
    replicate?: StartAppOptions['replicate'];
    onQuery?: StartAppOptions['onQuery'];
    appWebhooks?: StartAppOptions['appWebhooks'];
    /** Where log lines go (at the env's LOG_LEVEL); tests that read the log pass their own. */
    logDestination?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createEmptyDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PIXELGATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...env,
  });
  const app = await startApp({
    config,
    logger: createLogger(config.logLevel, options.logDestination),
    role: options.runWorker === false ? 'api' : 'all',
    now: options.now,
    // Automatic choice never explores unless a test asks for it: the tests of other behaviour
    // expect the exploiting choice; test/preferences tests exploration, seeded.
    generations: { explorationEvery: null, ...options.generations },
    replicate: options.replicate,
    onQuery: options.onQuery,
    appWebhooks: options.appWebhooks,
  });
  return {
    ...app,
    database,
    graphql: (document: string | TypedDocumentNode, variables?: unknown, token?: string) =>
      postGraphQL(app.url, document, variables, token),
    async stop() {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}
