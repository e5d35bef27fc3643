/**
 * Tracing costs nothing unless an OTLP endpoint is configured: no tracer provider, propagator or
 * instrumentation is registered, no SDK module is loaded, and jobs carry no trace context. The
 * standard OTEL_* variables decide it; a protocol pixelgate cannot export is refused at start-up.
 */
import { createRequire } from 'node:module';
import { propagation, trace } from '@opentelemetry/api';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadTracingConfig } from '../../src/config.ts';
import { traceContext } from '../../src/jobs/traced.ts';
import { graphqlTracingPlugins, startTracing } from '../../src/tracing.ts';

describe('tracing configuration', () => {
  test('on only with an OTLP endpoint, the SDK enabled and the exporter not none', () => {
    expect(loadTracingConfig({}).enabled).toBe(false);
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(loadTracingConfig(endpoint)).toEqual({ enabled: true, protocol: 'http/protobuf' });
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }).enabled).toBe(
      true,
    );
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(loadTracingConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
    expect(loadTracingConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol).toBe('http/json');
  });

  test('a protocol or exporter it cannot use is refused, naming the variable', () => {
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(ConfigError);
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => loadTracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});

describe('with no endpoint configured', () => {
  test('nothing is registered and no SDK is loaded', async () => {
    expect(await startTracing({ config: loadTracingConfig({}) })).toBeUndefined();

    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(propagation.fields()).toEqual([]);
    expect(trace.getActiveSpan()).toBeUndefined();
    // Jobs carry nothing, and Yoga gets no tracing plugin.
    expect(traceContext()).toEqual({});
    expect(graphqlTracingPlugins()).toEqual([]);
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(
      loaded.filter((file) => /@opentelemetry\/(sdk-|instrumentation|exporter-)|@envelop\/opentelemetry/.test(file)),
    ).toEqual([]);
  });
});
