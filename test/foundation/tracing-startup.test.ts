/**
 * Tracing makes spans for requests and what they cause, nothing else (issue 24): starting a
 * process — migrations, the built-in clients' documents it parses and validates before registering
 * them, the job worker's first polls — exports no span. And parsing stays graphql-armor's
 * token-limited parser when it is traced: a document over the limit is refused as before, under a
 * `graphql.parse` span marked as an error. Spans go to an in-memory exporter.
 *
 * Tracing starts before anything imports pg or node:http (as in `src/main.ts`), so the app is
 * imported dynamically after it.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, test as base } from 'vitest';
import { startTracing } from '../../src/tracing.ts';
import { graphql } from '../gql/index.ts';

const exporter = new InMemorySpanExporter();
const tracing = await startTracing({ config: { enabled: true, protocol: 'http/protobuf' }, exporter });
const { startTestApp } = await import('../support/app.ts');

const MAX_TOKENS = 40;

const test = base.extend('app', { scope: 'file' }, async ({}, { onCleanup }) => {
  const app = await startTestApp({ GRAPHQL_MAX_TOKENS: String(MAX_TOKENS) });
  onCleanup(async () => {
    await app.stop();
    await tracing?.shutdown();
  });
  return app;
});

const TracedTypenameQuery = graphql(`
  query TracedTypename {
    __typename
  }
`);

describe('tracing a starting process', () => {
  test('start-up exports no span: no trace without a request', async ({ app: _app }) => {
    await tracing!.flush();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual([]);
  });

  test('a traced parse is still limited to GRAPHQL_MAX_TOKENS', async ({ app }) => {
    exporter.reset();
    const fields = Array.from({ length: MAX_TOKENS }, (_, index) => `a${index}: __typename`).join(' ');
    // Built at run time, over the token limit on purpose: a string, its errors the shared shape.
    const refused = await app.graphql(`{ ${fields} }`);
    expect(refused.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');

    const ok = await app.graphql(TracedTypenameQuery);
    expect(ok.data).toEqual({ __typename: 'Query' });

    await tracing!.flush();
    const parses = exporter.getFinishedSpans().filter((span) => span.name === 'graphql.parse');
    expect(parses.map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    // Each under its request's HTTP span.
    expect(parses.every((span) => span.parentSpanContext !== undefined)).toBe(true);
  });
});
