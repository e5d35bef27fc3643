/**
 * One generation is one trace (issue 24): the GraphQL request, its Postgres statements, the tracker
 * job it enqueues (the trace context rides in the job's payload), the Replicate calls that job makes
 * (and the simulator's side of them), down to the run that stores the images — with no secret in
 * any attribute. Spans go to an in-memory exporter.
 *
 * Tracing starts before anything imports graphql, pg or node:http (its instrumentations patch them
 * as they load, as in `src/main.ts`), so everything else is imported dynamically after it.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../src/tracing.ts';

const exporter = new InMemorySpanExporter();
const startedTracing = await startTracing({ config: { enabled: true, protocol: 'http/protobuf' }, exporter });
const { describe, expect, test: base } = await import('../support/fixtures.ts');
const { generate, waitForEnd } = await import('./start-helpers.ts');
const { TEST_ADMIN_TOKEN } = await import('../support/app.ts');

/** The tracing started above, shut down after the file's tests. */
const test = base.extend('tracing', { scope: 'file' }, ({}, { onCleanup }) => {
  onCleanup(async () => {
    await startedTracing?.shutdown();
  });
  return startedTracing!;
});

test.override('setup', { speed: 0.05 });

const REPLICATE_TOKEN = 'r8_test_token_for_the_simulator';

function attribute(span: ReadableSpan, ...names: string[]): string {
  for (const name of names) {
    const value = span.attributes[name];
    if (value !== undefined) return String(value);
  }
  return '';
}

const isPg = (span: ReadableSpan) => attribute(span, 'db.system', 'db.system.name') === 'postgresql';
const statement = (span: ReadableSpan) => attribute(span, 'db.query.text', 'db.statement');
const url = (span: ReadableSpan) => attribute(span, 'url.full', 'http.url', 'url.path', 'http.target');

describe('tracing', () => {
  test('a generation is one trace: GraphQL → Postgres → the job → Replicate → storing the images', async ({
    tracing,
    gateway,
    key,
  }) => {
    const started = await generate(gateway, key, { modelId: 'flux-schnell', prompt: 'a traced lighthouse' });
    expect(started.errors).toBeUndefined();
    const done = await waitForEnd(gateway, key, started.data!.id);
    expect(done.status).toBe('SUCCEEDED');
    await tracing.flush();
    const spans = exporter.getFinishedSpans();

    const execute = spans.find((span) => attribute(span, 'graphql.execute.operationName') === 'GenerateDetailed');
    expect(execute, spans.map((span) => span.name).join('\n')).toBeDefined();
    const traceId = execute!.spanContext().traceId;
    const trace = spans.filter((span) => span.spanContext().traceId === traceId);
    const names = trace.map((span) => `${SpanKind[span.kind]} ${span.name} ${statement(span) || url(span)}`);

    // The request: the HTTP server span is the root, GraphQL's phases beneath it.
    const root = trace.filter((span) => !span.parentSpanContext);
    expect(root.map((span) => [span.kind, attribute(span, 'http.route', 'url.path', 'http.target')])).toEqual([
      [SpanKind.SERVER, expect.stringContaining('/graphql')],
    ]);
    expect(trace.some((span) => span.name === 'graphql.parse')).toBe(true);
    expect(trace.some((span) => span.name === 'graphql.validate')).toBe(true);
    expect(execute!.name).toBe('mutation.GenerateDetailed');
    // Its statements: the admission inserts the generation.
    expect(
      trace.some((span) => isPg(span) && /insert into "?generations"?/i.test(statement(span))),
      names.join('\n'),
    ).toBe(true);
    // The tracker's runs, children of the request's trace through the job payload.
    const jobs = trace.filter((span) => span.name === 'process generations:track-prediction');
    expect(jobs.length, names.join('\n')).toBeGreaterThan(0);
    expect(jobs.every((span) => span.kind === SpanKind.CONSUMER)).toBe(true);
    // Replicate: the create from the client, and the simulator's side of it.
    const creates = trace.filter(
      (span) => span.kind === SpanKind.CLIENT && /\/predictions$/.test(url(span)) && !isPg(span),
    );
    expect(creates.length, names.join('\n')).toBeGreaterThan(0);
    expect(trace.some((span) => span.kind === SpanKind.SERVER && /\/predictions/.test(url(span)))).toBe(true);
    // The run that stores the outputs.
    expect(
      trace.some((span) => isPg(span) && /insert into "?images"?/i.test(statement(span))),
      names.join('\n'),
    ).toBe(true);

    // Nothing secret in any attribute: not the user's key, the admin token or the Replicate token.
    const attributes = JSON.stringify(spans.map((span) => span.attributes));
    for (const secret of [key, TEST_ADMIN_TOKEN, REPLICATE_TOKEN]) expect(attributes).not.toContain(secret);
    expect(attributes.toLowerCase()).not.toContain('bearer');
    // No statement starts a trace of its own: the worker's polling and the sweeps are not traced.
    expect(spans.filter((span) => isPg(span) && !span.parentSpanContext)).toEqual([]);
  });
});
