/** Webhook deliveries: Standard Webhooks signatures, event filters, throttling and retries. */
import { startSimulator } from '../../src/simulator/index.ts';
import { describe, expect, test as base } from '../support/simulator-fixtures.ts';
import {
  call,
  createPrediction,
  OpenApiValidator,
  pollPrediction,
  signatureIsValid,
  sleep,
  startWebhookReceiver,
  waitUntil,
  type WebhookReceiver,
} from './helpers.ts';

const SECRET = `whsec_${Buffer.from('pixelgate-simulator-test-signing-key').toString('base64')}`;

const test = base
  /** Starts a webhook receiver (answering 204, or as `respond` says), closed after the test. */
  .extend('startReceiver', async ({}, { onCleanup }) => {
    const receivers: WebhookReceiver[] = [];
    onCleanup(async () => {
      await Promise.all(receivers.map((receiver) => receiver.close()));
    });
    return async (respond?: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> => {
      const receiver = await startWebhookReceiver(respond);
      receivers.push(receiver);
      return receiver;
    };
  });
test.override('simulatorSetup', { webhookSecret: SECRET });

const header = (value: string | string[] | undefined): string => String(value);

describe('webhooks', () => {
  test('sends start, logs, output and completed, each signed with the default secret', async ({
    simulator,
    startReceiver,
  }) => {
    const receiver = await startReceiver();
    const created = await createPrediction(simulator, 'black-forest-labs/flux-dev', {
      input: { prompt: 'hooked', num_inference_steps: 8 },
      webhook: receiver.url,
    });
    const { final } = await pollPrediction(simulator, created.body.id);
    await waitUntil(() => receiver.received.some((delivery) => delivery.body.status === 'succeeded'));
    await sleep(50); // let trailing throttled deliveries land

    const secret = (await call<{ key: string }>(simulator, 'GET', '/v1/webhooks/default/secret')).body.key;
    expect(secret).toBe(SECRET);
    const spec = new OpenApiValidator();
    for (const delivery of receiver.received) {
      expect(signatureIsValid(secret, delivery)).toBe(true);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(header(delivery.headers['webhook-id'])).toMatch(/^msg_/);
      expect(Math.abs(Number(delivery.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(spec.schemaErrors('schemas_prediction_response', delivery.body)).toEqual([]);
      expect(delivery.body.id).toBe(final.id);
    }
    const bodies = receiver.received.map((delivery) => delivery.body);
    // start: the first delivery shows the prediction processing; completed carries the outputs.
    expect(bodies[0]!.status).toBe('processing');
    const completed = bodies.filter((body) => body.status === 'succeeded');
    expect(completed.length).toBeGreaterThanOrEqual(1);
    expect(completed[0]!.output).toEqual(final.output);
    // Every delivery is its own event: distinct webhook-ids.
    const ids = receiver.received.map((delivery) => delivery.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('throttles logs/output to one delivery per 500 ms × speed', async ({ simulator, startReceiver }) => {
    const receiver = await startReceiver();
    // 50 steps in ~110 ms of processing: 50 log updates, at most ~12 throttle windows of 10 ms.
    const created = await createPrediction(simulator, 'black-forest-labs/flux-dev', {
      input: { prompt: 'chatty', num_inference_steps: 50 },
      webhook: receiver.url,
      webhook_events_filter: ['logs'],
    });
    await pollPrediction(simulator, created.body.id);
    await sleep(50);
    const logDeliveries = receiver.received.length;
    expect(logDeliveries).toBeGreaterThanOrEqual(2);
    expect(logDeliveries).toBeLessThan(30);
  });

  test('honours webhook_events_filter', async ({ simulator, startReceiver }) => {
    const receiver = await startReceiver();
    const created = await createPrediction(simulator, 'black-forest-labs/flux-schnell', {
      input: { prompt: 'only the end' },
      webhook: receiver.url,
      webhook_events_filter: ['completed'],
    });
    await pollPrediction(simulator, created.body.id);
    await waitUntil(() => receiver.received.length === 1);
    await sleep(50);
    expect(receiver.received.map((delivery) => delivery.body.status)).toEqual(['succeeded']);
  });

  test('retries completed with the same webhook-id until a 2xx; other events are not retried', async ({
    simulator,
    startReceiver,
  }) => {
    // Every start/logs/output delivery fails; completed fails twice, then succeeds.
    let completedAttempts = 0;
    const receiver = await startReceiver((delivery) => {
      if (delivery.body.status !== 'succeeded') return 500;
      completedAttempts += 1;
      return completedAttempts <= 2 ? 503 : 200;
    });
    const created = await createPrediction(simulator, 'black-forest-labs/flux-schnell', {
      input: { prompt: 'flaky receiver' },
      webhook: receiver.url,
      webhook_events_filter: ['start', 'completed'],
    });
    await pollPrediction(simulator, created.body.id);
    await waitUntil(() => completedAttempts === 3);
    await sleep(100);

    const completed = receiver.received.filter((delivery) => delivery.body.status === 'succeeded');
    expect(completed).toHaveLength(3);
    expect(new Set(completed.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
    for (const delivery of completed) expect(signatureIsValid(SECRET, delivery)).toBe(true);
    const starts = receiver.received.filter((delivery) => delivery.body.status === 'processing');
    expect(starts).toHaveLength(1);
  });

  test('gives up on completed after a bounded number of attempts', async ({ startReceiver }) => {
    const receiver = await startReceiver(() => 500);
    const fast = await startSimulator({ port: 0, speed: 0.001 });
    try {
      const created = await createPrediction(fast, 'black-forest-labs/flux-schnell', {
        input: { prompt: 'nobody listens' },
        webhook: receiver.url,
        webhook_events_filter: ['completed'],
      });
      await pollPrediction(fast, created.body.id);
      // Backoff 1+2+4+8+16+32 simulated seconds = 63 ms here (10 ms floor per retry).
      await sleep(400);
      expect(receiver.received).toHaveLength(7);
    } finally {
      await fast.close();
    }
  });
});
