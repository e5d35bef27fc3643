/**
 * The built-in Replicate simulator: Replicate's HTTP API for the catalog's models on plain
 * `node:http`, faithful enough that a client written from Replicate's docs works against it
 * unchanged — predictions with a realistic lifecycle and logs, real PNG outputs, webhooks signed
 * per Standard Webhooks, rate limits, credits, problem+json errors — plus test controls: prompt
 * markers (`[sim:fail]`, `[sim:nsfw]`, `[sim:slow]`, `[sim:cold]`) and transport fault injection
 * (`POST /_simulator/faults`); see `markers.ts` and `faults.ts`.
 *
 *     const sim = await startSimulator({ port: 0, speed: 0.02 });
 *     // REPLICATE_API_BASE_URL = sim.baseUrl
 *     await sim.close();
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { silentLogger, type Logger } from '../logger.ts';
import { CreditAccount } from './account.ts';
import { FaultInjector, faultRuleSchema, type FaultRuleInput } from './faults.ts';
import { ModelInputError } from './outputs.ts';
import { PredictionEngine } from './predictions.ts';
import { DEFAULT_RATE_LIMITS, SlidingWindowRateLimiter, ThrottleCounter, type RateLimits } from './rate-limit.ts';
import { Scheduler } from './scheduler.ts';
import { createRequestListener, RequestLog, type ReceivedRequest, type ServerContext } from './server.ts';
import type { SimulatedPredictionSnapshot } from './types.ts';
import { generateWebhookSecret, webhookSigningKey, WebhookDispatcher } from './webhooks.ts';

export type { FaultKind, FaultRuleInput } from './faults.ts';
export { FAULT_KINDS } from './faults.ts';
export type { PredictionJson, PredictionStatus, SimulatedPredictionSnapshot } from './types.ts';
export type { ReceivedRequest } from './server.ts';
export { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limit.ts';

export interface SimulatorOptions {
  /** Scales every simulated duration: 1 = realistic, 0.05 = 20× faster. Default 1. */
  speed?: number;
  /** Accepted bearer tokens; default 'any' (any non-empty token). */
  tokens?: string[] | 'any';
  /** Credit balance in micro-dollars; once spent, creates answer 402. Default: unlimited. */
  creditsMicros?: number;
  /** Per-token sliding one-minute windows. Default 600 creates / 3000 other requests a minute. */
  rateLimits?: RateLimits;
  /** `whsec_<base64>`; generated when absent; served at `GET /v1/webhooks/default/secret`. */
  webhookSecret?: string;
  logger?: Logger;
  /** Clock (ms) for timestamps, rate-limit windows and data removal; default `Date.now`. */
  now?: () => number;
}

export interface StartSimulatorOptions extends SimulatorOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface RunningSimulator {
  /** `http://127.0.0.1:PORT/v1`: use as REPLICATE_API_BASE_URL. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly webhookSecret: string;
  /** Every request received since the last `resetCounters()` (a snapshot, oldest first). */
  readonly requests: ReadonlyArray<ReceivedRequest>;
  /** Requests whose method matches (case-insensitive; `*` for any) and whose path matches `pathPattern`. */
  countRequests(method: string, pathPattern: RegExp): number;
  /** Predictions created since the last `resetCounters()`, oldest first. */
  predictions(): ReadonlyArray<SimulatedPredictionSnapshot>;
  /** 429s answered since the last `resetCounters()` (as `GET /_simulator/state` reports them). */
  throttled(): { total: number; creates: number; other: number; injected: number };
  /** Forgets recorded requests, 429 counts and created predictions (the predictions keep running). */
  resetCounters(): void;
  /** Same as `POST /_simulator/faults`. */
  injectFaults(rules: readonly FaultRuleInput[]): void;
  /** Same as `DELETE /_simulator/faults`. */
  clearFaults(): void;
  /** Closes the server, every socket, timer and outgoing webhook; leaves no open handles. */
  close(): Promise<void>;
}

/** Input images from loopback URLs larger than this fail the prediction. */
const MAX_INPUT_IMAGE_BYTES = 20 * 1024 * 1024;
const INPUT_IMAGE_TIMEOUT_MS = 10_000;

export async function startSimulator(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const settings = settingsOf(options);
  const { server, origin } = await listen(options.port ?? 0, options.host ?? '127.0.0.1');
  const parts = assembleSimulator(settings, origin);
  server.on('request', createRequestListener(serverContextOf(parts, settings, options.rateLimits)));
  return runningSimulator(server, parts);
}

/** The options with their defaults, checked before anything listens. */
interface SimulatorSettings {
  readonly speed: number;
  readonly logger: Logger;
  readonly now: () => number;
  readonly webhookSecret: string;
  readonly tokens: ReadonlySet<string> | 'any';
  readonly creditsMicros: number | undefined;
}

function settingsOf(options: SimulatorOptions): SimulatorSettings {
  const speed = options.speed ?? 1;
  if (!Number.isFinite(speed) || speed <= 0) throw new RangeError('simulator speed must be a positive number');
  const webhookSecret = options.webhookSecret ?? generateWebhookSecret();
  webhookSigningKey(webhookSecret); // fail fast on a malformed secret
  return {
    speed,
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    webhookSecret,
    tokens: options.tokens === undefined || options.tokens === 'any' ? 'any' : new Set(options.tokens),
    creditsMicros: options.creditsMicros,
  };
}

async function listen(port: number, host: string): Promise<{ server: Server; origin: string }> {
  const server = createServer();
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  return { server, origin: `http://${advertisedHost(address.address)}:${address.port}` };
}

/** The simulator's moving parts, one of each per running simulator. */
interface SimulatorParts {
  readonly origin: string;
  readonly apiBaseUrl: string;
  readonly webhookSecret: string;
  readonly scheduler: Scheduler;
  /** Own connection pool for webhooks and input images, so close() can destroy its sockets. */
  readonly agent: Agent;
  readonly webhooks: WebhookDispatcher;
  readonly credits: CreditAccount;
  readonly faults: FaultInjector;
  readonly requestLog: RequestLog;
  readonly throttled: ThrottleCounter;
  readonly engine: PredictionEngine;
}

function assembleSimulator(settings: SimulatorSettings, origin: string): SimulatorParts {
  const { speed, now, logger, webhookSecret } = settings;
  const apiBaseUrl = `${origin}/v1`;
  const scheduler = new Scheduler(logger);
  const agent = new Agent({ keepAliveTimeout: 1_000, connect: { timeout: 5_000 } });
  const webhooks = new WebhookDispatcher({ secret: webhookSecret, speed, now, scheduler, dispatcher: agent, logger });
  const credits = new CreditAccount(settings.creditsMicros);
  const engine: PredictionEngine = new PredictionEngine({
    speed,
    now,
    scheduler,
    webhooks,
    credits,
    apiBaseUrl,
    origin,
    logger,
    fetchImage: (url) => fetchInputImage(url, { origin, engine, agent, scheduler }),
  });
  return {
    origin,
    apiBaseUrl,
    webhookSecret,
    scheduler,
    agent,
    webhooks,
    credits,
    faults: new FaultInjector(),
    requestLog: new RequestLog(),
    throttled: new ThrottleCounter(),
    engine,
  };
}

function serverContextOf(
  parts: SimulatorParts,
  settings: SimulatorSettings,
  rateLimits: RateLimits = DEFAULT_RATE_LIMITS,
): ServerContext {
  const { engine, credits, faults, webhooks, requestLog, throttled } = parts;
  const { speed, now, logger } = settings;
  return {
    api: {
      engine,
      credits,
      rateLimiter: new SlidingWindowRateLimiter(rateLimits, now),
      speed,
      tokens: settings.tokens,
      webhookSecret: parts.webhookSecret,
      apiBaseUrl: parts.apiBaseUrl,
    },
    control: { faults, engine, credits, webhooks, requestCount: () => requestLog.count, throttled },
    throttled,
    engine,
    faults,
    scheduler: parts.scheduler,
    requestLog,
    speed,
    now,
    logger,
  };
}

function runningSimulator(server: Server, parts: SimulatorParts): RunningSimulator {
  const { engine, requestLog, throttled, faults } = parts;
  let closing: Promise<void> | undefined;
  return {
    baseUrl: parts.apiBaseUrl,
    origin: parts.origin,
    webhookSecret: parts.webhookSecret,
    get requests() {
      return [...requestLog.all];
    },
    countRequests(method, pathPattern) {
      const wanted = method.toUpperCase();
      return requestLog.all.filter(
        (entry) => (wanted === '*' || entry.method === wanted) && pathPattern.test(entry.path),
      ).length;
    },
    predictions: () => engine.snapshots(),
    throttled: () => throttled.snapshot(),
    resetCounters() {
      requestLog.clear();
      throttled.clear();
      engine.resetCounters();
    },
    injectFaults(rules) {
      faults.add(rules.map((rule) => faultRuleSchema.parse(rule)));
    },
    clearFaults: () => faults.clear(),
    close() {
      closing ??= closeSimulator(server, parts);
      return closing;
    },
  };
}

async function closeSimulator(server: Server, parts: SimulatorParts): Promise<void> {
  parts.scheduler.close();
  parts.webhooks.close();
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
  await parts.agent.destroy();
}

interface InputImageSources {
  readonly origin: string;
  readonly engine: PredictionEngine;
  readonly agent: Agent;
  readonly scheduler: Scheduler;
}

/** An input image a prediction names by URL (image-to-image models, background removal). */
async function fetchInputImage(url: string, sources: InputImageSources): Promise<Buffer> {
  // The simulator's own output files are read directly: same answer, no self-inflicted faults.
  const ownFile = new RegExp(`^${escapeRegExp(sources.origin)}/files/([a-z0-9]+)/(\\d+)\\.png$`).exec(url);
  if (ownFile) {
    const bytes = sources.engine.file(ownFile[1]!, Number(ownFile[2]));
    if (!bytes) throw new ModelInputError(`Failed to download image from ${url}: HTTP 404`);
    return bytes;
  }
  return downloadImage(url, sources.agent, sources.scheduler);
}

async function downloadImage(url: string, agent: Agent, scheduler: Scheduler): Promise<Buffer> {
  const controller = new AbortController();
  const cancelTimeout = scheduler.after(INPUT_IMAGE_TIMEOUT_MS, () => controller.abort());
  try {
    const response = await request(url, { dispatcher: agent, signal: controller.signal });
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump();
      throw new ModelInputError(`Failed to download image from ${url}: HTTP ${response.statusCode}`);
    }
    const bytes = Buffer.from(await response.body.arrayBuffer());
    if (bytes.length > MAX_INPUT_IMAGE_BYTES) throw new ModelInputError(`Image at ${url} is too large`);
    return bytes;
  } catch (error) {
    if (error instanceof ModelInputError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelInputError(`Failed to download image from ${url}: ${reason}`);
  } finally {
    cancelTimeout();
  }
}

/** Wildcard listen addresses are not reachable URLs; advertise loopback instead. */
function advertisedHost(address: string): string {
  if (address === '0.0.0.0' || address === '') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
