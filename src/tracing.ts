/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured (`loadTracingConfig`): one
 * trace follows a request through its HTTP and GraphQL spans, its Postgres statements, the
 * graphile-worker jobs it enqueues (their payload carries the W3C trace context, `jobs/traced.ts`)
 * and the Replicate calls those jobs make; the built-in simulator's server spans join it too.
 * Unset, nothing is loaded or registered: `@opentelemetry/api` stays a no-op.
 *
 * The instrumentations patch CommonJS modules as they are required (require-in-the-middle). Our
 * sources are ESM, so `startTracing` must run before anything imports `pg` or `node:http` (main.ts
 * starts it first, then imports the commands); it also requires `pg` itself, which patches its
 * client even when its ESM entry was imported earlier. undici (the Replicate client, downloads) is
 * traced through diagnostics channels and needs no patching; GraphQL's spans come from Yoga's
 * plugins (`graphqlTracingPlugins`).
 *
 * Bounded: spans wait in the BatchSpanProcessor's queue (2048 by default, `OTEL_BSP_MAX_QUEUE_SIZE`),
 * beyond which new spans are dropped; exports run in the background with a timeout, so a collector
 * that is down or hangs costs dropped spans, never a waiting request or a growing heap.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
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

/** The OTLP exporter behind a BatchSpanProcessor, both configured by the OTEL_* variables (exported for its test). */
export async function otlpProcessor(config: TracingConfig): Promise<SpanProcessor> {
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
    ],
  });
  // ESM imports bypass the require hook: requiring these through it patches the shared objects
  // (node:http's Server prototype, pg's Client prototype) whatever imported them first.
  const require = createRequire(import.meta.url);
  for (const name of ['http', 'https', 'pg']) require(name);
  return unregister;
}

/** Set while tracing: makes the GraphQL spans' Yoga plugins. */
let graphqlSpans: (() => Plugin[]) | undefined;

/**
 * GraphQL's spans, from Yoga's own pipeline (HTTP, SSE and WebSocket alike), so a document is
 * traced only when a request runs it: the built-in clients' documents that every serving process
 * validates at start (`built-in-documents.ts`) start no trace. Parse and validate wrap whatever
 * parser and validator the plugins before them installed (parsing is graphql-armor's token-limited
 * parser, `useOperationLimits`, which graphql-js's instrumentation cannot see; a document Yoga's
 * cache already holds is not parsed again, so it has no parse span). Yoga executes with its own
 * executor: envelop's OpenTelemetry plugin adds the operation's execute and subscribe spans. None
 * while tracing is off.
 */
export function graphqlTracingPlugins(): Plugin[] {
  return graphqlSpans ? graphqlSpans() : [];
}

/** `run` under an active span named `name`, a child of the active one; ERROR when it throws. */
function inSpan<T>(tracer: Tracer, name: string, run: (span: Span) => T): T {
  return tracer.startActiveSpan(name, (span) => {
    try {
      return run(span);
    } catch (error) {
      // No message: a syntax error quotes the document, which may hold an inline secret.
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** `graphql.parse` and `graphql.validate` spans around the parser and validator in place. */
function phaseSpans(tracer: Tracer): Plugin {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => inSpan(tracer, 'graphql.parse', () => parseFn(source, options)));
    },
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((...args) =>
        inSpan(tracer, 'graphql.validate', (span) => {
          const errors = validateFn(...args);
          // The count only: a message may quote an argument's value.
          if (errors.length > 0) {
            span.setAttribute('graphql.validation.error_count', errors.length);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          return errors;
        }),
      );
    },
  };
}

async function tracedGraphQL(): Promise<() => Plugin[]> {
  const { useOpenTelemetry } = await import('@envelop/opentelemetry');
  // The document is recorded only without inline arguments; variables, results and resolvers never.
  const options = { resolvers: false, variables: false, result: false };
  const tracer = trace.getTracer('pixelgate-graphql');
  // Its context type names the span it keeps in each operation's context: Yoga's plugins take any.
  return () => [
    phaseSpans(tracer),
    useOpenTelemetry(
      options,
      trace.getTracerProvider(),
      SpanKind.INTERNAL,
      {},
      'pixelgate-graphql',
    ) as unknown as Plugin,
  ];
}

/** Registers the tracer provider, the W3C propagator and the instrumentations; undefined when tracing is off. */
export async function startTracing(options: StartTracingOptions): Promise<Tracing | undefined> {
  if (!options.config.enabled && !options.exporter) return undefined;
  const provider = await registerProvider(options);
  const unregister = await registerInstrumentations();
  graphqlSpans = await tracedGraphQL();
  return {
    flush: () => provider.flush(),
    async shutdown() {
      graphqlSpans = undefined;
      unregister();
      await provider.shutdown();
    },
  };
}
