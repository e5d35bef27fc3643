/**
 * Everything a request or a job may use, built once at start-up (see `app.ts`) and passed down
 * explicitly. Tests build the same container against their own database and simulator. Only the
 * composition layer (app, server, runtime, CLI) sees it: resolvers get `ResolverServices`, and
 * the domains take exactly the dependencies they use.
 */
import type { ApiKeyCache } from './auth/key-cache.ts';
import type { UsageCache } from './billing/usage-cache.ts';
import type { PreferenceCache } from './preferences/cache.ts';
import type { Config } from './config.ts';
import type { Db } from './db/index.ts';
import type { ResolverServices } from './graphql/context.ts';
import type { Generations } from './runtime.ts';
import type { Logger } from './logger.ts';
import type { ReplicateClient } from './replicate/index.ts';

export interface AppServices extends ResolverServices {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  /** The time source for budgets and deadlines; tests inject their own. */
  readonly now: () => Date;
  /** The Replicate client (pointed at the built-in simulator when no token is configured). */
  readonly replicate: ReplicateClient;
  readonly generations: Generations;
  /** Resolved API keys (revocations reach every instance through the message bus). */
  readonly keys: ApiKeyCache;
  /** Users' rows and usage for `viewer { usage }`, dropped fleet-wide on every change (Postgres NOTIFY). */
  readonly usage: UsageCache;
  /** Users' learned model preferences, dropped fleet-wide on every signal (Postgres NOTIFY). */
  readonly preferences: PreferenceCache;
}
