/**
 * The HTTP front door: records every request, applies transport faults, routes to the API, the
 * public files or the control plane, and writes the answer — or, under a fault, resets, withholds,
 * truncates or trickles it.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../logger.ts';
import { handleApiRequest, rateLimitBucketOf, type ApiContext } from './api.ts';
import { CONTROL_PREFIX, handleControlRequest, type ControlContext } from './control.ts';
import type { ThrottleCounter } from './rate-limit.ts';
import { PRE_PROCESSING_FAULTS, type ActiveFault, type FaultInjector } from './faults.ts';
import { handlePublicRequest, isPublicPath } from './files.ts';
import type { SimResponse } from './http.ts';
import type { PredictionEngine } from './predictions.ts';
import { notFound, serverError, throttled } from './problems.ts';
import type { Scheduler } from './scheduler.ts';

export interface ReceivedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v1/predictions`. */
  readonly path: string;
  /** Injected-clock milliseconds. */
  readonly at: number;
}

/** Keeps the most recent requests only, so a simulator left running for days does not grow forever. */
export class RequestLog {
  private entries: ReceivedRequest[] = [];
  private total = 0;

  constructor(private readonly capacity = 100_000) {}

  add(entry: ReceivedRequest): void {
    this.entries.push(entry);
    this.total += 1;
    if (this.entries.length > this.capacity) this.entries = this.entries.slice(-this.capacity);
  }

  get all(): readonly ReceivedRequest[] {
    return this.entries;
  }

  get count(): number {
    return this.total;
  }

  clear(): void {
    this.entries = [];
    this.total = 0;
  }
}

export interface ServerContext {
  readonly api: ApiContext;
  readonly throttled: ThrottleCounter;
  readonly control: ControlContext;
  readonly engine: PredictionEngine;
  readonly faults: FaultInjector;
  readonly scheduler: Scheduler;
  readonly requestLog: RequestLog;
  readonly speed: number;
  readonly now: () => number;
  readonly logger: Logger;
}

/** `slow_body` sends the body in this many pieces. */
const SLOW_BODY_CHUNKS = 10;
const SLOW_BODY_DEFAULT_CHUNK_DELAY_SECONDS = 1;

export function createRequestListener(context: ServerContext): RequestListener {
  return (req, res) => {
    handle(context, req, res).catch((error: unknown) => {
      // A client that hangs up mid-request (or close() destroying its socket) is not a failure.
      if (req.socket.destroyed) {
        context.logger.debug({ err: error, method: req.method, url: req.url }, 'simulator: request abandoned');
        return;
      }
      context.logger.error({ err: error, method: req.method, url: req.url }, 'simulator: request failed');
      if (!res.headersSent) write(req, res, serverError(500));
      else req.socket.destroy();
    });
  };
}

async function handle(context: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startedAt = performance.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  const path = url.pathname;
  context.requestLog.add({ method, path, at: context.now() });

  const isControl = path.startsWith(CONTROL_PREFIX);
  const fault = isControl ? undefined : context.faults.take(method, path);
  if (fault?.fault === 'reset_before_response') {
    resetConnection(req);
    return;
  }

  let response: SimResponse;
  if (fault && PRE_PROCESSING_FAULTS.has(fault.fault)) {
    response = faultStatusResponse(fault);
  } else if (isControl) {
    response = await handleControlRequest(context.control, method, path, req);
  } else if (path === '/v1' || path.startsWith('/v1/')) {
    response = await handleApiRequest(context.api, { method, url, raw: req });
  } else if (isPublicPath(path)) {
    response = handlePublicRequest(context.engine, method, path);
  } else {
    response = notFound();
  }

  if (response.status === 429) {
    if (fault) context.throttled.injected += 1;
    else if (rateLimitBucketOf(method, path) === 'create') context.throttled.creates += 1;
    else context.throttled.other += 1;
  }
  context.logger.debug(
    { method, path, status: response.status, fault: fault?.fault, ms: Math.round(performance.now() - startedAt) },
    'simulator: request',
  );
  await deliver(context, req, res, response, fault);
}

function faultStatusResponse(fault: ActiveFault): SimResponse {
  switch (fault.fault) {
    case 'status_429':
      return throttled(fault.retryAfterSeconds);
    case 'status_503':
      return serverError(503);
    default:
      return serverError(500);
  }
}

async function deliver(
  context: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  response: SimResponse,
  fault: ActiveFault | undefined,
): Promise<void> {
  if (res.destroyed || req.socket.destroyed) return;
  switch (fault?.fault) {
    case 'reset_after_create':
      resetConnection(req);
      return;
    case 'timeout':
      // Processed, never answered: the socket stays open until the client gives up or we close.
      return;
    case 'malformed_body': {
      // Cut JSON in half: a correct Content-Length for a body that does not parse.
      const cut = response.body.subarray(0, Math.max(1, Math.floor(response.body.length / 2)));
      write(req, res, { ...response, body: cut });
      return;
    }
    case 'slow_body':
      await trickle(
        context,
        req,
        res,
        response,
        fault.chunkDelayMs ?? SLOW_BODY_DEFAULT_CHUNK_DELAY_SECONDS * 1000 * context.speed,
      );
      return;
    default:
      write(req, res, response);
  }
}

function write(req: IncomingMessage, res: ServerResponse, response: SimResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
  res.end(req.method === 'HEAD' ? undefined : response.body);
}

async function trickle(
  context: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  response: SimResponse,
  chunkDelayMs: number,
): Promise<void> {
  res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
  res.flushHeaders();
  const chunkSize = Math.max(1, Math.ceil(response.body.length / SLOW_BODY_CHUNKS));
  for (let offset = 0; offset < response.body.length; offset += chunkSize) {
    await context.scheduler.delay(chunkDelayMs);
    if (context.scheduler.isClosed || res.destroyed) {
      req.socket.destroy();
      return;
    }
    res.write(response.body.subarray(offset, offset + chunkSize));
  }
  res.end();
}

/** Drops the connection with a TCP RST, which clients see as ECONNRESET. */
function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}
