/**
 * The only reader of process.env. Every setting is validated once at start-up; a bad value stops
 * the process with a message that names the variable and what it expects, never the value itself
 * (some of them are secrets).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MAX_USD_AMOUNT, parseUsdToMicros } from './money.ts';

/** 90 % of Replicate's limits per token (600 creates, 3000 other requests a minute), fleet-wide. */
export const DEFAULT_CREATES_PER_MINUTE = 540;
/** Two minutes: the shortest model deadline, and at the default rate a queue of about 1,000 creates. */
export const DEFAULT_MAX_QUEUE_WAIT_SECONDS = 120;
export const DEFAULT_OTHER_REQUESTS_PER_MINUTE = 2700;

const usdSetting = z
  .string()
  .transform((value, ctx) => {
    try {
      const micros = parseUsdToMicros(value);
      if (micros < 0) throw new Error('negative');
      return micros;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `a non-negative USD amount with at most 6 decimals, up to ${MAX_USD_AMOUNT}, e.g. 5 or 0.25`,
      });
      return z.NEVER;
    }
  })
  .optional();

const positiveInt = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'a positive whole number')
    .transform(Number)
    .pipe(z.number().int().positive('a positive whole number'))
    .optional()
    .transform((value) => value ?? fallback);

/** zod's own enum message ("Invalid option: …") reads badly after "expected"; list the choices. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.join(', ')}` });

const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

/** Default RESULT_CACHE_TTL_SECONDS: a week (Replicate itself keeps outputs for an hour; pixelgate keeps them). */
export const DEFAULT_RESULT_CACHE_TTL_SECONDS = 7 * 24 * 3600;

/** What one GraphQL operation may ask for (enforced by src/graphql/limits.ts). */
export interface OperationLimits {
  readonly maxTokens: number;
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxCost: number;
  readonly maxResponseBytes: number;
}

/** Operation limits when the environment sets none (docs/security.md). */
export const DEFAULT_OPERATION_LIMITS = {
  maxTokens: 2000,
  maxDepth: 10,
  maxAliases: 30,
  maxDirectives: 20,
  maxCost: 25_000,
  maxResponseBytes: 4 * 1024 * 1024,
} as const;

/**
 * The largest request body (HTTP POST, a GET's query string, one WebSocket message): the largest
 * legitimate request, a batch of generations with settings, is a few KB.
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Default WEBHOOK_RETRY_SCHEDULE_SECONDS: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27 h in all). */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000] as const;

const secondsList = z
  .string()
  .regex(
    /^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?){0,29}\s*$/,
    'up to 30 comma-separated numbers of seconds, e.g. 5,300,1800',
  )
  .transform((value) => value.split(',').map((part) => Number(part.trim())));

/** A host name, an IP address or a CIDR (checked again, as addresses, by src/app-webhooks/targets.ts). */
const targetList = z
  .string()
  .regex(
    /^\s*[A-Za-z0-9.:[\]/_-]+(\s*,\s*[A-Za-z0-9.:[\]/_-]+)*\s*$/,
    'comma-separated host names, IP addresses or CIDRs, e.g. hooks.internal,10.0.0.0/8',
  )
  .transform((value) => value.split(',').map((part) => part.trim().toLowerCase()));

const envSchema = z.object({
  NODE_ENV: oneOf(['development', 'production', 'test']).default('development'),
  PORT: z
    .string()
    .regex(/^\d+$/, 'a port number from 0 to 65535')
    .transform(Number)
    .pipe(z.number().int().min(0, 'a port number from 0 to 65535').max(65535, 'a port number from 0 to 65535'))
    .optional()
    .transform((value) => value ?? 4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// connection URL')
    .optional(),
  PIXELGATE_DATA_DIR: z.string().min(1).default('./.pixelgate'),
  REPLICATE_API_TOKEN: z.string().min(1, 'a Replicate API token').optional(),
  REPLICATE_API_BASE_URL: httpUrl.default('https://api.replicate.com/v1'),
  REPLICATE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'a secret of the form whsec_<base64>')
    .optional(),
  PUBLIC_URL: httpUrl.optional(),
  PIXELGATE_ADMIN_TOKEN: z.string().min(16, 'a token of at least 16 characters').optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// URL')
    .optional(),
  GLOBAL_DAILY_BUDGET_USD: usdSetting,
  DEFAULT_USER_DAILY_BUDGET_USD: usdSetting,
  DEFAULT_USER_MONTHLY_BUDGET_USD: usdSetting,
  DEFAULT_USER_RATE_LIMIT_PER_MINUTE: positiveInt(60),
  DEFAULT_USER_MAX_CONCURRENT_GENERATIONS: positiveInt(10),
  PRINT_FILE_CONCURRENCY: positiveInt(2),
  UPSTREAM_CREATES_PER_MINUTE: positiveInt(DEFAULT_CREATES_PER_MINUTE),
  UPSTREAM_OTHER_REQUESTS_PER_MINUTE: positiveInt(DEFAULT_OTHER_REQUESTS_PER_MINUTE),
  MAX_QUEUE_WAIT_SECONDS: positiveInt(DEFAULT_MAX_QUEUE_WAIT_SECONDS),
  RESULT_CACHE_TTL_SECONDS: z
    .string()
    .regex(/^\d+$/, 'a whole number of seconds (0 turns the result cache off)')
    .transform(Number)
    .optional()
    .transform((value) => value ?? DEFAULT_RESULT_CACHE_TTL_SECONDS),
  GRAPHQL_MAX_BODY_BYTES: positiveInt(DEFAULT_MAX_BODY_BYTES),
  HTTP_MAX_CONNECTIONS: z
    .string()
    .regex(/^\d+$/, 'a positive whole number')
    .transform(Number)
    .pipe(z.number().int().positive('a positive whole number'))
    .optional(),
  HTTP_MAX_UNREAD_BYTES_TOTAL: positiveInt(256 * 1024 * 1024),
  WS_MAX_SOCKETS: positiveInt(10_000),
  WS_MAX_SOCKETS_PER_USER: positiveInt(20),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt(50),
  WS_MAX_BUFFERED_BYTES: positiveInt(2 * 1024 * 1024),
  WS_MAX_BUFFERED_BYTES_TOTAL: positiveInt(256 * 1024 * 1024),
  WS_MAX_BYTES_PER_SECOND_PER_USER: positiveInt(2 * 1024 * 1024),
  WS_MAX_BYTES_PER_SECOND: positiveInt(16 * 1024 * 1024),
  WS_MAX_ANONYMOUS_SOCKETS: positiveInt(1_000),
  WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS: positiveInt(20),
  WS_ANONYMOUS_IDLE_SECONDS: positiveInt(30),
  GRAPHQL_MAX_TOKENS: positiveInt(DEFAULT_OPERATION_LIMITS.maxTokens),
  GRAPHQL_MAX_DEPTH: positiveInt(DEFAULT_OPERATION_LIMITS.maxDepth),
  GRAPHQL_MAX_ALIASES: positiveInt(DEFAULT_OPERATION_LIMITS.maxAliases),
  GRAPHQL_MAX_DIRECTIVES: positiveInt(DEFAULT_OPERATION_LIMITS.maxDirectives),
  GRAPHQL_MAX_COST: positiveInt(DEFAULT_OPERATION_LIMITS.maxCost),
  GRAPHQL_MAX_RESPONSE_BYTES: positiveInt(DEFAULT_OPERATION_LIMITS.maxResponseBytes),
  GRAPHQL_INTROSPECTION: oneOf(['true', 'false']).optional(),
  TRUSTED_DOCUMENTS: oneOf(['off', 'allow', 'enforce']).default('off'),
  METRICS_TOKEN: z.string().min(16, 'a token of at least 16 characters').optional(),
  CORS_ORIGINS: z
    .string()
    .regex(
      /^(\*|https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*)$/,
      'a comma-separated list of origins such as https://app.example.com, or *',
    )
    .optional(),
  WEBHOOK_RETRY_SCHEDULE_SECONDS: secondsList.optional(),
  WEBHOOK_ALLOWED_TARGETS: targetList.optional(),
  SIMULATOR_SPEED: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'a positive number (1 = realistic, 0.05 = 20x faster)')
    .transform(Number)
    .pipe(z.number().positive('a positive number (1 = realistic, 0.05 = 20x faster)'))
    .optional()
    .transform((value) => value ?? 1),
});

type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly nodeEnv: Env['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly logLevel: Env['LOG_LEVEL'];
  /** Unset → embedded Postgres in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Unset (outside production) → the built-in Replicate simulator. */
  readonly replicateApiToken: string | undefined;
  readonly replicateApiBaseUrl: string;
  readonly replicateWebhookSecret: string | undefined;
  /** Set → predictions are created with a webhook to `${publicUrl}/webhooks/replicate`. */
  readonly publicUrl: string | undefined;
  readonly adminToken: string | undefined;
  readonly redisUrl: string | undefined;
  readonly globalDailyBudgetMicros: number | undefined;
  readonly defaultUserDailyBudgetMicros: number;
  readonly defaultUserMonthlyBudgetMicros: number | undefined;
  readonly defaultUserRateLimitPerMinute: number;
  readonly defaultUserMaxConcurrentGenerations: number;
  /**
   * Print files made at once per process (each decodes an image of up to 64 MP: a 38.9 MP RGBA
   * poster is about 155 MB); others wait their turn.
   */
  readonly printFileConcurrency: number;
  readonly simulatorSpeed: number;
  /** The upstream budget per Replicate token, shared by every instance (Postgres, or Redis when set). */
  readonly upstreamCreatesPerMinute: number;
  readonly upstreamOtherRequestsPerMinute: number;
  /**
   * The longest a new generation may wait in the create queue (by the upstream budget's rate);
   * one that would wait longer, or past its deadline, is refused with UPSTREAM_BUSY before any hold.
   */
  readonly maxQueueWaitSeconds: number;
  /** How long a successful deterministic result answers identical requests; 0 = no result cache. */
  readonly resultCacheTtlSeconds: number;
  /** Sockets and SSE streams: one set of limits for both transports (src/graphql/live-connections.ts). */
  readonly webSocket: {
    /** Open sockets and SSE streams per instance. */
    readonly maxSockets: number;
    /** Open sockets and SSE streams per user per instance. */
    readonly maxSocketsPerUser: number;
    /** Operations running at once on one socket. */
    readonly maxSubscriptionsPerSocket: number;
    /** Bytes waiting to be sent to one socket or stream before it is closed as a slow consumer. */
    readonly maxBufferedBytes: number;
    /**
     * Bytes waiting to be sent to all sockets and streams together: past it, those with the most
     * waiting are closed as slow consumers (256 MiB: 16 s of `maxBytesPerSecond`, the most all
     * streams are sent; clients that read hold next to nothing).
     */
    readonly maxBufferedBytesTotal: number;
    /** Bytes of events one user's sockets and streams are sent per second, together (src/graphql/live-budget.ts). */
    readonly maxBytesPerSecondPerUser: number;
    /** Bytes of events all of this instance's sockets and streams are sent per second, together. */
    readonly maxBytesPerSecond: number;
    /** Sockets without credentials per instance (kept well under `maxSockets`: room for users). */
    readonly maxAnonymousSockets: number;
    /** Sockets not (yet) authenticated from one source address. */
    readonly maxAnonymousSocketsPerAddress: number;
    /** How long an anonymous socket may stay open running no operation. */
    readonly anonymousIdleSeconds: number;
  };
  /** Checked before any operation executes, over HTTP and WebSocket. */
  readonly operationLimits: OperationLimits;
  /** The largest request body, GET query string or WebSocket message (src/graphql/request-bounds.ts). */
  readonly maxBodyBytes: number;
  /** Client connections one server accepts; unset → the file-descriptor limit less headroom (src/http/connection-cap.ts). */
  readonly httpMaxConnections: number | undefined;
  /** Bytes of answers (not live events) waiting for their clients, all HTTP connections together. */
  readonly httpMaxUnreadBytesTotal: number;
  /** Schema introspection; default: on outside production, off in production. */
  readonly introspection: boolean;
  /** Registered documents by id: `off`, `allow` (ids and text) or `enforce` (user keys: ids only). */
  readonly trustedDocuments: 'off' | 'allow' | 'enforce';
  /** Set → /metrics needs `Authorization: Bearer <token>`; unset → open outside production, off in production. */
  readonly metricsToken: string | undefined;
  /** Origins allowed to call /graphql from a browser; `'*'` = any (never with credentials). */
  readonly corsOrigins: readonly string[] | '*';
  /** Webhooks to apps (`src/app-webhooks`). */
  readonly appWebhooks: {
    /** The delay before each retry of a failed delivery (full jitter is applied to each). */
    readonly retryScheduleSeconds: readonly number[];
    /** Hosts and CIDRs a webhook may reach although the target rules would refuse them. */
    readonly allowedTargets: readonly string[];
  };
}

/** What a user without a budget of their own may spend per UTC day when nothing is configured. */
export const FALLBACK_USER_DAILY_BUDGET_MICROS = 5_000_000;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Unset: any origin outside production (GraphiQL elsewhere, local apps), none in production. */
function corsOrigins(value: string | undefined, nodeEnv: Env['NODE_ENV']): readonly string[] | '*' {
  if (value === undefined) return nodeEnv === 'production' ? [] : '*';
  if (value.trim() === '*') return '*';
  return value.split(',').map((origin) => origin.trim());
}

/** The variables a schema names, validated. Empty or blank strings count as unset. */
function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .map((name) => [name, env[name]])
      .filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: expected ${issue.message}`),
    );
  }
  return parsed.data;
}

/** Secrets that may come from a file instead (`NAME_FILE`: the Docker and Kubernetes secrets convention). */
const SECRET_VARIABLES = [
  'REPLICATE_API_TOKEN',
  'PIXELGATE_ADMIN_TOKEN',
  'METRICS_TOKEN',
  'REPLICATE_WEBHOOK_SECRET',
  'DATABASE_URL',
] as const;

/** Of those, the ones re-read while running (`reloadSecretFiles`), and the Config field each sets. */
const ROTATING_SECRETS = { REPLICATE_API_TOKEN: 'replicateApiToken', PIXELGATE_ADMIN_TOKEN: 'adminToken' } as const;
type RotatingSecret = keyof typeof ROTATING_SECRETS;

/** A secret file's content, without the newline editors and `echo` leave at the end. */
function readSecretFile(name: string, file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([`${name}_FILE: cannot read the file (${code})`]);
  }
}

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** The environment with each `NAME_FILE` read into `NAME`; setting both forms is an error. */
function withSecretFiles(env: Record<string, string | undefined>): {
  env: Record<string, string | undefined>;
  files: Partial<Record<RotatingSecret, string>>;
} {
  const resolved = { ...env };
  const files: Partial<Record<RotatingSecret, string>> = {};
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!isSet(file)) continue;
    if (isSet(env[name])) {
      problems.push(`${name} and ${name}_FILE are both set: set only one`);
      continue;
    }
    resolved[name] = readSecretFile(name, file);
    if (name in ROTATING_SECRETS) files[name as RotatingSecret] = file;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { env: resolved, files };
}

/** The live values of the rotating secrets of each loaded Config (its getters read them). */
const rotatingValues = new WeakMap<
  Config,
  { files: Partial<Record<RotatingSecret, string>>; values: Record<RotatingSecret, string | undefined> }
>();

/**
 * Re-reads the secret files of REPLICATE_API_TOKEN and PIXELGATE_ADMIN_TOKEN (SIGHUP, or a file
 * that changed) and returns the variables whose value changed. Requests read the new value from
 * then on; none is interrupted. A file that cannot be read or holds an invalid value keeps the
 * current value and throws a ConfigError naming the variable (never the value).
 */
export function reloadSecretFiles(config: Config): RotatingSecret[] {
  const state = rotatingValues.get(config);
  if (!state) return [];
  const changed: RotatingSecret[] = [];
  for (const [name, file] of Object.entries(state.files) as Array<[RotatingSecret, string]>) {
    const value = readSecretFile(name, file);
    const valid = envSchema.shape[name].safeParse(value);
    if (!valid.success) throw new ConfigError([`${name}_FILE: expected ${valid.error.issues[0]?.message}`]);
    if (valid.data === state.values[name]) continue;
    state.values[name] = valid.data;
    changed.push(name);
  }
  return changed;
}

/** The secret files `reloadSecretFiles` re-reads (for watching them). */
export function rotatingSecretFiles(config: Config): string[] {
  return Object.values(rotatingValues.get(config)?.files ?? {});
}

/** Reads and validates the environment. Empty or blank strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const secrets = withSecretFiles(env);
  const config = configFrom(parseEnv(envSchema, secrets.env));
  const values = { REPLICATE_API_TOKEN: config.replicateApiToken, PIXELGATE_ADMIN_TOKEN: config.adminToken };
  rotatingValues.set(config, { files: secrets.files, values });
  for (const [name, field] of Object.entries(ROTATING_SECRETS) as Array<[RotatingSecret, string]>) {
    Object.defineProperty(config, field, { enumerable: true, get: () => values[name] });
  }
  return config;
}

function configFrom(e: Env): Config {
  if (e.NODE_ENV === 'production' && !e.REPLICATE_API_TOKEN) {
    throw new ConfigError([
      'REPLICATE_API_TOKEN: expected a Replicate API token; production never falls back to the simulator',
    ]);
  }
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.PIXELGATE_DATA_DIR,
    replicateApiToken: e.REPLICATE_API_TOKEN,
    replicateApiBaseUrl: e.REPLICATE_API_BASE_URL.replace(/\/+$/, ''),
    replicateWebhookSecret: e.REPLICATE_WEBHOOK_SECRET,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    adminToken: e.PIXELGATE_ADMIN_TOKEN,
    redisUrl: e.REDIS_URL,
    globalDailyBudgetMicros: e.GLOBAL_DAILY_BUDGET_USD,
    defaultUserDailyBudgetMicros: e.DEFAULT_USER_DAILY_BUDGET_USD ?? FALLBACK_USER_DAILY_BUDGET_MICROS,
    defaultUserMonthlyBudgetMicros: e.DEFAULT_USER_MONTHLY_BUDGET_USD,
    defaultUserRateLimitPerMinute: e.DEFAULT_USER_RATE_LIMIT_PER_MINUTE,
    defaultUserMaxConcurrentGenerations: e.DEFAULT_USER_MAX_CONCURRENT_GENERATIONS,
    printFileConcurrency: e.PRINT_FILE_CONCURRENCY,
    simulatorSpeed: e.SIMULATOR_SPEED,
    upstreamCreatesPerMinute: e.UPSTREAM_CREATES_PER_MINUTE,
    upstreamOtherRequestsPerMinute: e.UPSTREAM_OTHER_REQUESTS_PER_MINUTE,
    maxQueueWaitSeconds: e.MAX_QUEUE_WAIT_SECONDS,
    resultCacheTtlSeconds: e.RESULT_CACHE_TTL_SECONDS,
    webSocket: {
      maxSockets: e.WS_MAX_SOCKETS,
      maxSocketsPerUser: e.WS_MAX_SOCKETS_PER_USER,
      maxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
      maxBufferedBytesTotal: e.WS_MAX_BUFFERED_BYTES_TOTAL,
      maxBytesPerSecondPerUser: e.WS_MAX_BYTES_PER_SECOND_PER_USER,
      maxBytesPerSecond: e.WS_MAX_BYTES_PER_SECOND,
      maxAnonymousSockets: e.WS_MAX_ANONYMOUS_SOCKETS,
      maxAnonymousSocketsPerAddress: e.WS_MAX_ANONYMOUS_SOCKETS_PER_ADDRESS,
      anonymousIdleSeconds: e.WS_ANONYMOUS_IDLE_SECONDS,
    },
    maxBodyBytes: e.GRAPHQL_MAX_BODY_BYTES,
    httpMaxConnections: e.HTTP_MAX_CONNECTIONS,
    httpMaxUnreadBytesTotal: e.HTTP_MAX_UNREAD_BYTES_TOTAL,
    introspection: e.GRAPHQL_INTROSPECTION ? e.GRAPHQL_INTROSPECTION === 'true' : e.NODE_ENV !== 'production',
    trustedDocuments: e.TRUSTED_DOCUMENTS,
    metricsToken: e.METRICS_TOKEN,
    corsOrigins: corsOrigins(e.CORS_ORIGINS, e.NODE_ENV),
    appWebhooks: {
      retryScheduleSeconds: e.WEBHOOK_RETRY_SCHEDULE_SECONDS ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE_SECONDS,
      allowedTargets: e.WEBHOOK_ALLOWED_TARGETS ?? [],
    },
    operationLimits: {
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxCost: e.GRAPHQL_MAX_COST,
      maxResponseBytes: e.GRAPHQL_MAX_RESPONSE_BYTES,
    },
  };
}

/**
 * The terminal client (`pixelgate generate`) reads its own two variables, never the server's: it
 * talks to a gateway over HTTP like any other app. The key comes only from the environment, so it
 * stays out of shell history and process listings.
 */
const clientEnvSchema = z.object({
  PIXELGATE_URL: httpUrl.default('http://localhost:4000/graphql'),
  PIXELGATE_API_KEY: z.string().min(1).optional(),
});

export interface ClientConfig {
  /** The gateway's GraphQL endpoint (HTTP; subscriptions use the same path over WebSocket). */
  readonly url: string;
  readonly apiKey: string | undefined;
}

export function loadClientConfig(env: Record<string, string | undefined> = process.env): ClientConfig {
  const e = parseEnv(clientEnvSchema, env);
  return { url: e.PIXELGATE_URL, apiKey: e.PIXELGATE_API_KEY?.trim() };
}

/**
 * OpenTelemetry's standard variables decide whether the server traces at all: only with an OTLP
 * endpoint set (`OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), the SDK
 * not disabled (`OTEL_SDK_DISABLED`) and the traces exporter not `none`. The SDK reads the rest of
 * its variables itself (headers, timeout, compression, `OTEL_BSP_*`, the sampler, `OTEL_SERVICE_NAME`
 * and `OTEL_RESOURCE_ATTRIBUTES`).
 */
const tracingEnvSchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_SDK_DISABLED: oneOf(['true', 'false']).optional(),
  OTEL_TRACES_EXPORTER: oneOf(['otlp', 'none']).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: oneOf(['http/protobuf', 'http/json']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: oneOf(['http/protobuf', 'http/json']).optional(),
});

export interface TracingConfig {
  /** False: no tracer provider, propagator or instrumentation is registered, and no exporter made. */
  readonly enabled: boolean;
  readonly protocol: 'http/protobuf' | 'http/json';
}

export function loadTracingConfig(env: Record<string, string | undefined> = process.env): TracingConfig {
  const e = parseEnv(tracingEnvSchema, env);
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT;
  return {
    enabled: endpoint !== undefined && e.OTEL_SDK_DISABLED !== 'true' && e.OTEL_TRACES_EXPORTER !== 'none',
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
  };
}
