/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured (`loadTracingConfig`): one
 * trace follows a request through its HTTP and GraphQL spans, its Postgres statements, the
 * graphile-worker jobs it enqueues (their payload carries the W3C trace context, `jobs/traced.ts`)
 * and the Replicate calls those jobs make; the built-in simulator's server spans join it too.
 * Unset, nothing is loaded or registered: `@opentelemetry/api` stays a no-op.
 *
 * The instrumentations patch CommonJS modules as they are required (require-in-the-middle). Our
 * sources are ESM, so `startTracing` must run before anything imports `graphql`, `pg` or
 * `node:http` (main.ts starts it first, then imports the commands); it also requires `pg` itself,
 * which patches its client even when its ESM entry was imported earlier. undici (the Replicate
 * client, downloads) is traced through diagnostics channels and needs no patching.
 *
 * Bounded: spans wait in the BatchSpanProcessor's queue (2048 by default, `OTEL_BSP_MAX_QUEUE_SIZE`),
 * beyond which new spans are dropped; exports run in the background with a timeout, so a collector
 * that is down or hangs costs dropped spans, never a waiting request or a growing heap.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { SpanKind, trace } from '@opentelemetry/api';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Plugin } from 'graphql-yoga';
import type { TracingConfig } from './config.ts';

/** Probes and scrapes would be most of the spans and say nothing about a request. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface Tracing {
  /** Exports what is queued and stops tracing (the instrumentations are disabled). */
  shutdown(): Promise<void>;
  /** Exports what is queued now (tests). */
  flush(): Promise<void>;
}

export interface StartTracingOptions {
  readonly config: TracingConfig;
  /**
   * Where spans go instead of OTLP, through a processor that exports each span as it ends (tests:
   * an in-memory exporter). Without it, the OTLP exporter behind a BatchSpanProcessor.
   */
  readonly exporter?: SpanExporter;
}

async function otlpProcessor(config: TracingConfig): Promise<SpanProcessor> {
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } =
    config.protocol === 'http/json'
      ? await import('@opentelemetry/exporter-trace-otlp-http')
      : await import('@opentelemetry/exporter-trace-otlp-proto');
  // Endpoint, headers, timeout and compression come from the OTEL_EXPORTER_OTLP_* variables, the
  // queue's and batch's bounds from OTEL_BSP_*.
  return new BatchSpanProcessor(new OTLPTraceExporter());
}

async function registerProvider(
  options: StartTracingOptions,
): Promise<{ shutdown(): Promise<void>; flush(): Promise<void> }> {
  const { NodeTracerProvider, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-node');
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } =
    await import('@opentelemetry/resources');
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'pixelgate' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : await otlpProcessor(options.config);
  // The sampler comes from OTEL_TRACES_SAMPLER (parent-based, always on by default).
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return { shutdown: () => provider.shutdown(), flush: () => provider.forceFlush() };
}

async function registerInstrumentations(): Promise<() => void> {
  const { registerInstrumentations: register } = await import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
  const { GraphQLInstrumentation } = await import('@opentelemetry/instrumentation-graphql');
  const unregister = register({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!),
        // Outgoing node:http calls are traced only inside a trace (undici carries the Replicate calls).
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // No statement outside a trace: the job worker's polling and the sweeps start none. Parameter
      // values are never recorded (`enhancedDatabaseReporting` stays off).
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      // parse, validate and execute; one span per resolver would outnumber them all.
      new GraphQLInstrumentation({ ignoreResolveSpans: true, mergeItems: true }),
    ],
  });
  // ESM imports bypass the require hook: requiring these through it patches the shared objects
  // (node:http's Server prototype, pg's Client prototype) whatever imported them first.
  const require = createRequire(import.meta.url);
  for (const name of ['http', 'https', 'pg']) require(name);
  return unregister;
}

/** Set while tracing: makes the execution spans' Yoga plugin. */
let executionSpans: (() => Plugin) | undefined;

/**
 * Yoga executes with its own executor, not graphql-js's `execute` that the GraphQL instrumentation
 * patches (it still traces parse and validate): envelop's OpenTelemetry plugin adds the operation's
 * execute and subscribe spans, HTTP and WebSocket alike. None while tracing is off.
 */
export function graphqlTracingPlugins(): Plugin[] {
  return executionSpans ? [executionSpans()] : [];
}

async function tracedExecution(): Promise<() => Plugin> {
  const { useOpenTelemetry } = await import('@envelop/opentelemetry');
  // The document is recorded only without inline arguments; variables, results and resolvers never.
  const options = { resolvers: false, variables: false, result: false };
  // Its context type names the span it keeps in each operation's context: Yoga's plugins take any.
  return () =>
    useOpenTelemetry(
      options,
      trace.getTracerProvider(),
      SpanKind.INTERNAL,
      {},
      'pixelgate-graphql',
    ) as unknown as Plugin;
}

/** Registers the tracer provider, the W3C propagator and the instrumentations; undefined when tracing is off. */
export async function startTracing(options: StartTracingOptions): Promise<Tracing | undefined> {
  if (!options.config.enabled && !options.exporter) return undefined;
  const provider = await registerProvider(options);
  const unregister = await registerInstrumentations();
  executionSpans = await tracedExecution();
  return {
    flush: () => provider.flush(),
    async shutdown() {
      executionSpans = undefined;
      unregister();
      await provider.shutdown();
    },
  };
}
