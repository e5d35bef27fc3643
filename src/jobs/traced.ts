/**
 * A job continues the trace that enqueued it: the W3C trace context (`traceparent`, `tracestate`)
 * travels in the job's payload, and the worker runs the task under a span that is its child. With
 * the links that later spans make to a generation's remembered `traceparent` (`linkTo`) and the
 * header an app webhook carries (`traceHeadersOf`), the only hand-written propagation of the
 * tracing (src/tracing.ts); everything else is instrumented.
 *
 * With tracing off, `@opentelemetry/api` has no propagator: `traceContext()` is empty, payloads stay
 * as they were and tasks run as they are.
 */
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Link,
  type Span,
} from '@opentelemetry/api';
import type { JobHelpers, Task, TaskList } from 'graphile-worker';

/** The fields a traced job's payload carries besides its own. */
export interface TraceContextFields {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const tracer = trace.getTracer('pixelgate-jobs');

/** The active trace as payload fields; `{}` outside a trace or with tracing off. */
export function traceContext(): TraceContextFields {
  const carrier: { traceparent?: string; tracestate?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent === undefined ? {} : carrier;
}

/** The active trace's `traceparent`, for a row to remember it by; null outside a trace or with tracing off. */
export function currentTraceparent(): string | null {
  return traceContext().traceparent ?? null;
}

/**
 * A link to the trace a remembered `traceparent` names (a generation's: `generations.traceparent`),
 * for a span that starts later outside it; undefined for null, a malformed value, or tracing off.
 */
export function linkTo(traceparent: string | null | undefined): Link | undefined {
  if (!traceparent) return undefined;
  const remembered = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
  return remembered && isSpanContextValid(remembered) ? { context: remembered } : undefined;
}

/** The W3C headers that make `span` the parent of what a request starts; `{}` with tracing off. */
export function traceHeadersOf(span: Span): TraceContextFields {
  const carrier: { traceparent?: string; tracestate?: string } = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier.traceparent === undefined ? {} : carrier;
}

function carriedTrace(payload: unknown): TraceContextFields | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { traceparent, tracestate } = payload as Record<string, unknown>;
  if (typeof traceparent !== 'string') return undefined;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}

function traced(name: string, task: Task): Task {
  return (payload: unknown, helpers: JobHelpers) => {
    const carried = carriedTrace(payload);
    // A job nobody traced (sweeps, maintenance) starts no trace of its own.
    if (!carried) return task(payload, helpers);
    const parent = propagation.extract(context.active(), carried);
    const attributes = {
      'messaging.system': 'graphile_worker',
      'messaging.operation.type': 'process',
      'messaging.destination.name': name,
      'messaging.message.id': helpers.job.id,
      'pixelgate.job.attempt': helpers.job.attempts,
    };
    return tracer.startActiveSpan(`process ${name}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
      try {
        return await task(payload, helpers);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  };
}

/** Every task of a list run under a span continuing the trace its payload carries. */
export function tracedTasks(tasks: TaskList): TaskList {
  const entries = Object.entries(tasks).filter((entry): entry is [string, Task] => entry[1] !== undefined);
  return Object.fromEntries(entries.map(([name, task]) => [name, traced(name, task)]));
}
