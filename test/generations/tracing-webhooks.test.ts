/**
 * The spans that come after the request (issue 24, traces): every Replicate webhook delivery has a
 * server span linked to the trace of the request that created its generation — applied, duplicate
 * or ignored alike; one for an unknown prediction or a bad signature exists with no link — and each
 * delivery of the generation's webhooks to an app has a span linked to it, whose context the app
 * receives in `traceparent`. No secret in any attribute. Spans go to an in-memory exporter.
 *
 * Tracing starts before anything imports graphql, pg or node:http (its instrumentations patch them
 * as they load, as in `src/main.ts`), so everything else is imported dynamically after it.
 */
import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../src/tracing.ts';

const exporter = new InMemorySpanExporter();
const startedTracing = await startTracing({ config: { enabled: true, protocol: 'http/protobuf' }, exporter });
const { describe, expect, test: base } = await import('../support/fixtures.ts');
const { generate, waitForEnd } = await import('./start-helpers.ts');
const { deliver, eventually, freePort, predictionRows, upstreamPrediction } = await import('./helpers.ts');
const { TEST_ADMIN_TOKEN } = await import('../support/app.ts');
const { startReceiver } = await import('../app-webhooks/receiver.ts');
const { CreateWebhookEndpointDocument } = await import('../app-webhooks/operations.ts');

const test = base
  .extend('tracing', { scope: 'file' }, ({}, { onCleanup }) => {
    onCleanup(async () => {
      await startedTracing?.shutdown();
    });
    return startedTracing!;
  })
  .extend('receiver', { scope: 'file' }, async ({}, { onCleanup }) => {
    const receiver = await startReceiver();
    onCleanup(() => receiver.close());
    return receiver;
  });

// PUBLIC_URL names the gateway's own port, so Replicate (the simulator) calls it back.
test.override('setup', async () => {
  const port = await freePort();
  return { speed: 0.05, env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` } };
});

const REPLICATE_TOKEN = 'r8_test_token_for_the_simulator';
const WEBHOOK_ROUTE = '/webhooks/replicate';

const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const linkedTraces = (span: ReadableSpan) => span.links.map((link) => link.context.traceId);
const outcome = (span: ReadableSpan) => String(span.attributes['pixelgate.webhook.outcome'] ?? '');
/** `traceparent`: version, trace id, parent span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

describe('tracing after the request', () => {
  test('Replicate webhooks and the app webhooks link to the trace of the request that made the generation', async ({
    tracing,
    env,
    app,
    key,
    receiver,
  }) => {
    const endpoint = await app.graphql(CreateWebhookEndpointDocument, { input: { url: receiver.url } }, key);
    expect(endpoint.errors).toBeUndefined();
    const endpointSecret = endpoint.data!.createWebhookEndpoint.secret;

    const started = await generate(env.gateway, key, { modelId: 'flux-schnell', prompt: 'a linked lighthouse' });
    expect(started.errors).toBeUndefined();
    const done = await waitForEnd(env.gateway, key, started.data!.id);
    expect(done.status).toBe('SUCCEEDED');
    await eventually(
      async () => receiver.received.map((request) => request.type),
      (types) => types.includes('generation.succeeded'),
    );

    // Deliveries as Replicate sends them (no trace context): a replay, twice; one for a prediction
    // that is not ours; one with a wrong signature.
    const [row] = await predictionRows(env.gateway.db, done.id);
    const query = { generation: done.id, prediction: row!.id };
    const final = await upstreamPrediction(env, row!.replicate_id!);
    expect((await deliver(env, env.gateway, query, final, { id: 'msg_traced' })).status).toBe(200);
    expect(await deliver(env, env.gateway, query, final, { id: 'msg_traced' })).toEqual({
      status: 200,
      body: { status: 'duplicate' },
    });
    const stranger = { generation: randomUUID(), prediction: randomUUID() };
    expect(await deliver(env, env.gateway, stranger, { ...final, id: 'not-ours' })).toEqual({
      status: 200,
      body: { status: 'ignored' },
    });
    const wrongSecret = `whsec_${Buffer.from('not the secret').toString('base64')}`;
    expect((await deliver(env, env.gateway, query, final, { secret: wrongSecret })).status).toBe(401);

    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const names = spans.map((span) => `${SpanKind[span.kind]} ${span.name} ${JSON.stringify(span.attributes)}`);

    // The request's trace, with its tracker job and the create it sent upstream.
    const execute = spans.find((span) => span.name === 'mutation.GenerateDetailed');
    expect(execute, names.join('\n')).toBeDefined();
    const generationTrace = traceOf(execute!);
    const inTrace = spans.filter((span) => traceOf(span) === generationTrace);
    expect(inTrace.some((span) => span.name === 'process generations:track-prediction')).toBe(true);
    expect(
      inTrace.some(
        (span) => span.kind === SpanKind.CLIENT && /\/predictions$/.test(String(span.attributes['url.full'])),
      ),
    ).toBe(true);

    // Every Replicate webhook: a server span of its route, linked to the generation's trace —
    // the simulator's own deliveries and the applied, duplicate and ignored ones above alike.
    const webhooks = spans.filter(
      (span) => span.kind === SpanKind.SERVER && span.attributes['http.route'] === WEBHOOK_ROUTE,
    );
    expect(webhooks.every((span) => span.name === `POST ${WEBHOOK_ROUTE}`)).toBe(true);
    const known = webhooks.filter((span) => ['applied', 'duplicate', 'ignored'].includes(outcome(span)));
    expect(known.length, names.join('\n')).toBeGreaterThanOrEqual(3);
    expect(known.filter((span) => outcome(span) === 'duplicate').length).toBeGreaterThan(0);
    for (const span of known) expect(linkedTraces(span), outcome(span)).toEqual([generationTrace]);
    // Ours came without trace context: their spans start traces of their own, linked back.
    expect(known.filter((span) => traceOf(span) !== generationTrace).length).toBeGreaterThanOrEqual(2);
    // Nothing to link to for a prediction not ours or a signature that does not verify, but a span each.
    const unlinked = webhooks.filter((span) => ['unknown_prediction', 'invalid_signature'].includes(outcome(span)));
    expect(unlinked.map(outcome).sort()).toEqual(['invalid_signature', 'unknown_prediction']);
    expect(unlinked.every((span) => span.links.length === 0)).toBe(true);

    // Every webhook to the app: a span linked to the generation's trace, whose context the app received.
    const sends = spans.filter((span) => span.kind === SpanKind.PRODUCER && span.name.startsWith('send generation.'));
    expect(sends.map((span) => span.name).sort(), names.join('\n')).toEqual([
      'send generation.queued',
      'send generation.started',
      'send generation.succeeded',
    ]);
    for (const send of sends) {
      expect(linkedTraces(send)).toEqual([generationTrace]);
      expect(send.attributes['pixelgate.webhook.outcome']).toBe('delivered');
      const received = receiver.received.find((request) => `send ${request.type}` === send.name)!;
      const [, traceId, parentId] = TRACEPARENT.exec(received.headers.traceparent ?? '') ?? [];
      expect([traceId, parentId]).toEqual([traceOf(send), send.spanContext().spanId]);
    }

    // No secret in any span's name or attribute (nor in an event's): not the user's key, the admin
    // token, the Replicate token, Replicate's webhook secret or the app endpoint's signing secret.
    const recorded = JSON.stringify(
      spans.map((span) => [span.name, span.attributes, span.events.map((event) => event.attributes)]),
    );
    const replicateSecret = env.sim.webhookSecret;
    for (const secret of [key, TEST_ADMIN_TOKEN, REPLICATE_TOKEN, replicateSecret, endpointSecret]) {
      expect(recorded).not.toContain(secret);
      expect(recorded).not.toContain(secret.replace(/^whsec_/, ''));
    }
    expect(recorded.toLowerCase()).not.toContain('bearer');
    expect(recorded).not.toContain('webhook-signature');
  });
});
