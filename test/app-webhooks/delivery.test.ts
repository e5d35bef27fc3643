/**
 * Webhooks to apps, end to end in one process: a receiver on 127.0.0.1 registers an endpoint,
 * starts generations with no connection open, and gets each event signed per Standard Webhooks
 * (verified with the `standardwebhooks` package), retried on our schedule, with the same
 * webhook-id on every attempt.
 */
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { noteEndpointOutcome } from '../../src/app-webhooks/deliveries.ts';
import { insertRunningGeneration } from '../generations/helpers.ts';
import type { TestApp } from '../support/app.ts';
import { eventually } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { CreateWebhookEndpointDocument, RedeliverWebhookDocument, WebhookEndpointsDocument } from './operations.ts';
import { startReceiver } from './receiver.ts';
import { graphql } from '../gql/index.ts';

const LIFE = ['generation.queued', 'generation.started', 'generation.succeeded'];

async function eventSchema() {
  const schema = JSON.parse(await readFile(new URL('../../docs/webhook-event.schema.json', import.meta.url), 'utf8'));
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

async function endpointFor(app: TestApp, key: string, input: { url: string; events?: string[] }) {
  const answer = await app.graphql(CreateWebhookEndpointDocument, { input }, key);
  expect(answer.errors).toBeUndefined();
  return answer.data!.createWebhookEndpoint;
}

async function deliveriesOf(app: TestApp, key: string) {
  const answer = await app.graphql(WebhookEndpointsDocument, {}, key);
  expect(answer.errors).toBeUndefined();
  return answer.data!.webhookEndpoints.flatMap((endpoint) => endpoint.deliveries.edges.map((edge) => edge.node));
}

/** A receiver of the test's own, closed after it. */
const test = base.extend('receiver', async ({}, { onCleanup }) => {
  const receiver = await startReceiver();
  onCleanup(() => receiver.close());
  return receiver;
});
test.override('setup', { env: { WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.2,0.2,0.2,0.2' } });

const RotateWebhookSecretDocument = graphql(`
  mutation RotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      endpoint {
        id
        previousSecretExpiresAt
        signingSecretCount
      }
    }
  }
`);

const UpdateWebhookEndpointDocument = graphql(`
  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      id
      url
      events
      enabled
      disabledReason
    }
  }
`);

describe('webhooks to apps', () => {
  test('delivers every event of a generation once per event id, signed, with the images and the settled cost', async ({
    app,
    gateway,
    newUser,
    receiver,
  }) => {
    const { key } = await newUser();
    const { secret, endpoint } = await endpointFor(app, key, { url: receiver.url });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.events).toBeNull();

    const { generation } = await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a lighthouse' });
    await eventually(
      async () => receiver.received.map((entry) => entry.type),
      (types) => LIFE.every((type) => types.includes(type)),
      20_000,
    );
    const ids = new Set(receiver.received.map((entry) => entry.id));
    expect(ids.size).toBe(receiver.received.length);
    const schema = await eventSchema();
    for (const entry of receiver.received) {
      expect(entry.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(receiver.verify(entry, secret)).toEqual(entry.payload);
      expect(Buffer.byteLength(entry.body)).toBeLessThan(20_000);
      expect(schema(entry.payload), JSON.stringify(schema.errors)).toBe(true);
    }
    const succeeded = receiver.received.find((entry) => entry.type === 'generation.succeeded')!.payload.data;
    const shown = await gateway.get(key, generation!.id);
    expect(succeeded.generation).toMatchObject({
      id: generation!.id,
      status: 'SUCCEEDED',
      costUsd: '0.003',
      images: shown.images.map(({ url, width, height, contentType }) => ({ url, width, height, contentType })),
    });
    const image = await fetch((succeeded.generation as { images: Array<{ url: string }> }).images[0]!.url);
    expect(image.status).toBe(200);
    const deliveries = await deliveriesOf(app, key);
    expect(deliveries.map((delivery) => delivery.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);

    // Counted in /metrics by outcome only: no user, endpoint or URL labels.
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^pixelgate_webhook_attempts_total\{outcome="delivered"\} [1-9]/m);
    expect(metrics).toMatch(/^pixelgate_webhook_attempt_seconds_count\{outcome="delivered"\} [1-9]/m);
    expect(metrics).not.toContain(receiver.url);
    expect(metrics).not.toContain('127.0.0.1');
  });

  test('sends budget.threshold once per window when settled spending crosses 80 % and 100 % of a budget', async ({
    app,
    gateway,
    newUser,
    receiver,
  }) => {
    const { key, userId } = await newUser({ dailyBudgetMicros: 3_000 });
    await endpointFor(app, key, { url: receiver.url, events: ['budget.threshold'] });
    const { generation } = await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a lighthouse, all in' });
    await gateway.waitFor(key, generation!.id);
    await eventually(
      async () => receiver.received.length,
      (count) => count === 2,
    );
    const day = new Date().toISOString().slice(0, 10);
    expect(
      receiver.received
        .map((entry) => entry.payload.data)
        .sort((a, b) => Number(a.thresholdPercent) - Number(b.thresholdPercent)),
    ).toEqual(
      [80, 100].map((thresholdPercent) => ({
        user: { id: Buffer.from(`User:${userId}`).toString('base64') },
        period: 'DAY',
        windowStart: day,
        thresholdPercent,
        limitUsd: '0.003',
        spentUsd: '0.003',
      })),
    );
    const schema = await eventSchema();
    for (const entry of receiver.received) expect(schema(entry.payload), JSON.stringify(schema.errors)).toBe(true);
  });

  test('retries a failing endpoint under the same webhook-id until it answers 2xx, and records each attempt', async ({
    app,
    gateway,
    newUser,
    receiver,
  }) => {
    receiver.respond((_request, attempt) => (attempt < 3 ? 503 : 200));
    const { key } = await newUser();
    const { secret } = await endpointFor(app, key, { url: receiver.url, events: ['generation.succeeded'] });
    await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a lighthouse in a storm' });
    const delivered = await eventually(
      () => deliveriesOf(app, key),
      (deliveries) => deliveries.length === 1 && deliveries[0]!.status === 'SUCCEEDED',
      20_000,
    );
    expect(delivered[0]).toMatchObject({ eventType: 'generation.succeeded', attempts: 4, lastResponseCode: 200 });
    const attempts = receiver.attemptsOf(delivered[0]!.eventId);
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((entry) => entry.body)).size).toBe(1);
    for (const entry of attempts) receiver.verify(entry, secret);
    expect(receiver.received.map((entry) => entry.type)).toEqual(Array(4).fill('generation.succeeded'));
  });

  test('stops at a 4xx, disables the endpoint on 410 and says why; a redelivery sends the same event again', async ({
    app,
    gateway,
    newUser,
    receiver,
  }) => {
    receiver.respond(() => 410);
    const { key } = await newUser();
    const { endpoint } = await endpointFor(app, key, { url: receiver.url, events: ['generation.queued'] });
    await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a lighthouse, gone' });
    const [listed] = await eventually(
      async () => (await app.graphql(WebhookEndpointsDocument, {}, key)).data!.webhookEndpoints,
      (endpoints) => endpoints[0]?.enabled === false,
    );
    expect(listed!.disabledReason).toBe('The endpoint answered 410 Gone.');
    expect(listed!.deliveries.edges.map((edge) => edge.node)).toMatchObject([
      { status: 'FAILED', attempts: 1, lastResponseCode: 410 },
    ]);
    // Nothing more is recorded for a disabled endpoint.
    await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a lighthouse, still gone' });
    expect(receiver.received).toHaveLength(1);

    // Redelivering to the disabled endpoint is refused, naming why, and changes nothing.
    const deliveryId = listed!.deliveries.edges[0]!.node.id;
    const refused = await app.graphql(RedeliverWebhookDocument, { deliveryId }, key);
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringContaining('disabled endpoint (The endpoint answered 410 Gone.)'),
      extensions: { code: 'BAD_USER_INPUT', invalidFields: [{ path: 'deliveryId' }] },
    });
    const unchanged = (await deliveriesOf(app, key))[0]!;
    expect(unchanged).toMatchObject({ status: 'FAILED', attempts: 1, nextAttemptAt: null });

    receiver.respond(() => 200);
    const enabled = await app.graphql(
      UpdateWebhookEndpointDocument,
      { input: { id: endpoint.id, enabled: true } },
      key,
    );
    expect(enabled.data!.updateWebhookEndpoint).toMatchObject({ enabled: true, disabledReason: null });
    const redelivered = await app.graphql(RedeliverWebhookDocument, { deliveryId }, key);
    expect(redelivered.data!.redeliverWebhook.status).toBe('PENDING');
    await eventually(
      async () => receiver.received.length,
      (count) => count === 2,
    );
    expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
  });

  test('a hung endpoint holds only its own queue: another endpoint gets its events meanwhile', async ({
    app,
    gateway,
    newUser,
    receiver,
  }) => {
    const hung = await startReceiver();
    hung.respond(() => 'hang');
    try {
      const slow = await newUser();
      const healthy = await newUser();
      await endpointFor(app, slow.key, { url: hung.url });
      await endpointFor(app, healthy.key, { url: receiver.url });
      for (const prompt of ['one', 'two', 'three']) {
        await gateway.generate(slow.key, { modelId: 'flux-schnell', prompt: `a slow lighthouse ${prompt}` });
      }
      await gateway.generate(healthy.key, { modelId: 'flux-schnell', prompt: 'a healthy lighthouse' });
      await eventually(
        async () => receiver.received.map((entry) => entry.type),
        (types) => LIFE.every((type) => types.includes(type)),
        20_000,
      );
      // One attempt at a time per endpoint: the hung one still has its first request open.
      expect(hung.received).toHaveLength(1);
    } finally {
      await hung.close();
    }
  });

  test('disables an endpoint whose every attempt has failed for 5 days, saying since when; a success ends the streak', async ({
    app,
    gateway,
    newUser,
  }) => {
    const { key, userId } = await newUser();
    await endpointFor(app, key, { url: 'http://127.0.0.1:9/never-called' });
    const db = gateway.db;
    const { id } = await db
      .selectFrom('app_webhook_endpoints')
      .select('id')
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    const fiveDays = 5 * 24 * 3600_000;
    const failing = { succeeded: false as const, disableReason: null, failingFor: fiveDays };
    const now = new Date('2026-12-10T12:00:00.000Z');
    // An earlier streak, ended by a success.
    await noteEndpointOutcome(db, id, failing, new Date(now.getTime() - 2 * fiveDays));
    await noteEndpointOutcome(db, id, { succeeded: true }, new Date(now.getTime() - fiveDays - 60_000));
    await noteEndpointOutcome(db, id, failing, new Date(now.getTime() - fiveDays));
    await noteEndpointOutcome(db, id, failing, new Date(now.getTime() - 60_000));
    const stillOn = await db
      .selectFrom('app_webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stillOn).toMatchObject({ enabled: true, disabled_reason: null });
    await noteEndpointOutcome(db, id, failing, now);
    const listed = (await app.graphql(WebhookEndpointsDocument, {}, key)).data!.webhookEndpoints[0]!;
    expect(listed).toMatchObject({
      enabled: false,
      failingSince: '2026-12-05T12:00:00.000Z',
      disabledReason: 'Every delivery since 2026-12-05T12:00:00Z failed.',
    });
  });

  test('signs with every secret still inside its 24 h overlap, and refuses a rotation beyond the bound', async ({
    app,
    gateway,
    newUser,
    receiver,
  }) => {
    const { key } = await newUser();
    const created = await endpointFor(app, key, { url: receiver.url, events: ['generation.queued'] });
    const rotate = () => app.graphql(RotateWebhookSecretDocument, { id: created.endpoint.id }, key);
    const first = (await rotate()).data!.rotateWebhookSecret;
    expect(first.secret).not.toBe(created.secret);
    expect(new Date(first.endpoint.previousSecretExpiresAt!).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    // A second rotation within 24 h keeps the first secret signing too (it used to be dropped).
    const second = (await rotate()).data!.rotateWebhookSecret;
    expect(second.endpoint.signingSecretCount).toBe(3);
    await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a rotated lighthouse' });
    await eventually(
      async () => receiver.received.length,
      (count) => count === 1,
    );
    const [entry] = receiver.received;
    expect(entry!.signature.split(' ')).toHaveLength(3);
    for (const secret of [second.secret, first.secret, created.secret]) {
      expect(receiver.verify(entry!, secret)).toEqual(entry!.payload);
    }

    // At most 5 secrets sign at once; the next rotation is refused and changes nothing.
    const fourth = await rotate();
    const fifth = await rotate();
    expect(fifth.data!.rotateWebhookSecret.endpoint.signingSecretCount).toBe(5);
    const refused = await rotate();
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', invalidFields: [{ path: 'id' }] });
    expect(refused.errors?.[0]?.message).toMatch(/signs with 5 secrets already.*rotate again after \d{4}-/);
    const [listed] = (await app.graphql(WebhookEndpointsDocument, {}, key)).data!.webhookEndpoints;
    expect(listed!.signingSecretCount).toBe(5);
    expect(fourth.errors).toBeUndefined();
  });

  test('never sends an event whose transaction rolled back; the same change committed is sent', async ({
    app,
    gateway,
    newUser,
    receiver,
  }) => {
    const { key, userId } = await newUser({ dailyBudgetMicros: 1_000 });
    await endpointFor(app, key, { url: receiver.url });
    // Admission inserts the generation, then refuses the hold: the transaction rolls back.
    const refused = await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a lighthouse too dear' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    const db = gateway.db;
    await expect(
      db.transaction().execute(async (trx) => {
        await insertRunningGeneration(trx, userId, 'rolled back');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const committed = await insertRunningGeneration(db, userId, 'committed');
    await eventually(
      async () => receiver.received.length,
      (count) => count === 1,
    );
    const events = await db
      .selectFrom('app_webhook_events')
      .select(['type', 'data'])
      .where('user_id', '=', userId)
      .execute();
    expect(events.map((event) => [event.type, event.data.generationId])).toEqual([['generation.queued', committed.id]]);
    expect(receiver.received.map((entry) => entry.type)).toEqual(['generation.queued']);
  });
});
