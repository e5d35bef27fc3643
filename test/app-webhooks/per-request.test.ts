/**
 * A generation's own `webhookUrl` (generateImage, generateImages, finalizeGeneration): checked like
 * an endpoint's URL before anything is written, refused without an endpoint to sign with, and sent
 * every event of that generation through the same drain and retries, signed with the user's
 * default (oldest) endpoint's secrets. Every target is a receiver on 127.0.0.1.
 */
import { finalize, generate, generateBatch, traces } from '../generations/start-helpers.ts';
import type { TestApp } from '../support/app.ts';
import { eventually } from '../support/env.ts';
import { countStatements } from '../support/statements.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { CreateWebhookEndpointDocument, RedeliverWebhookDocument, WebhookEndpointsDocument } from './operations.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { graphql } from '../gql/index.ts';

const LIFE = ['generation.queued', 'generation.started', 'generation.succeeded'];

const GenerationWebhooksDocument = graphql(`
  query GenerationWebhooks($id: ID!) {
    generation(id: $id) {
      id
      status
      webhookUrl
      webhookDeliveries {
        id
        eventId
        eventType
        url
        status
        attempts
        lastResponseCode
        lastError
      }
    }
  }
`);

const GenerationsWebhooksDocument = graphql(`
  query GenerationsWebhooks($withDeliveries: Boolean!) {
    viewer {
      generations(first: 10) {
        nodes {
          id
          webhookDeliveries @include(if: $withDeliveries) {
            id
            eventType
          }
        }
      }
    }
  }
`);

const DeleteWebhookEndpointDocument = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id)
  }
`);

async function endpointFor(app: TestApp, key: string, input: { url: string; events?: string[] }) {
  const answer = await app.graphql(CreateWebhookEndpointDocument, { input }, key);
  expect(answer.errors).toBeUndefined();
  return answer.data!.createWebhookEndpoint;
}

async function webhooksOf(app: TestApp, key: string, id: string) {
  const answer = await app.graphql(GenerationWebhooksDocument, { id }, key);
  expect(answer.errors).toBeUndefined();
  return answer.data!.generation!;
}

/** Starts receivers for a test, all closed after it. */
const test = base.extend('newReceiver', async ({}, { onCleanup }) => {
  const started: Receiver[] = [];
  onCleanup(async () => {
    for (const receiver of started) await receiver.close();
  });
  return async () => {
    const receiver = await startReceiver();
    started.push(receiver);
    return receiver;
  };
});
test.override('setup', { env: { WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.2,0.2,0.2' } });

describe('per-request webhookUrl', () => {
  test('refuses a bad URL or a user without an endpoint with BAD_USER_INPUT, writing nothing (no generation, no hold)', async ({
    app,
    gateway,
    newUser,
    newReceiver,
  }) => {
    const { key, userId } = await newUser();
    const target = await newReceiver();
    const noEndpoint = await generate(gateway, key, {
      modelId: 'flux-schnell',
      prompt: 'p',
      webhookUrl: target.url,
    });
    expect(noEndpoint.errors?.[0]).toMatchObject({
      message: expect.stringContaining('create one with createWebhookEndpoint first'),
      extensions: { code: 'BAD_USER_INPUT', invalidFields: [{ path: 'input.webhookUrl' }] },
    });

    await endpointFor(app, key, { url: target.url, events: ['budget.threshold'] });
    for (const webhookUrl of [
      'http://10.0.0.7/hooks',
      'http://[::ffff:169.254.169.254]/',
      'ftp://example.test/x',
      'nope',
    ]) {
      const refused = await generate(gateway, key, { modelId: 'flux-schnell', prompt: 'p', webhookUrl });
      expect(refused.errors?.[0]?.extensions, webhookUrl).toMatchObject({
        code: 'BAD_USER_INPUT',
        invalidFields: [{ path: 'input.webhookUrl' }],
      });
    }
    const batch = await generateBatch(gateway, key, [
      { modelId: 'flux-schnell', prompt: 'fine', webhookUrl: target.url },
      { modelId: 'flux-schnell', prompt: 'not fine', webhookUrl: 'http://192.168.1.1/' },
    ]);
    expect(batch.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      invalidFields: [{ path: 'inputs.1.webhookUrl', message: expect.stringContaining('private address') }],
    });
    expect(await traces(gateway.db, userId)).toEqual({ generations: 0, holds: 0, ledger: 0, rateLimitEvents: 0 });
    expect(target.received).toHaveLength(0);
  });

  test('sends every event of the generation to its webhookUrl, signed with the default endpoint, retried on failure', async ({
    app,
    gateway,
    newUser,
    newReceiver,
  }) => {
    const { key } = await newUser();
    const endpointTarget = await newReceiver();
    const target = await newReceiver();
    // The first attempt of generation.succeeded fails: the same drain retries it.
    target.respond((request, attempt) => (request.type === 'generation.succeeded' && attempt === 0 ? 503 : 200));
    // The oldest endpoint is the default; a newer one does not change whose secret signs.
    const first = await endpointFor(app, key, { url: endpointTarget.url, events: ['budget.threshold'] });
    await endpointFor(app, key, { url: endpointTarget.url, events: ['budget.threshold'] });
    const endpoints = (await app.graphql(WebhookEndpointsDocument, {}, key)).data!.webhookEndpoints;
    expect(endpoints.map((endpoint) => endpoint.isDefault)).toEqual([true, false]);

    const started = await generate(gateway, key, {
      modelId: 'flux-schnell',
      prompt: 'a lighthouse, told by webhook',
      webhookUrl: target.url,
    });
    expect(started.errors).toBeUndefined();
    const id = started.data!.id;
    const deliveries = await eventually(
      async () => (await webhooksOf(app, key, id)).webhookDeliveries,
      (list) => list.length === 3 && list.every((delivery) => delivery.status === 'SUCCEEDED'),
      20_000,
    );
    expect(deliveries.map((delivery) => [delivery.eventType, delivery.url])).toEqual(
      LIFE.map((type) => [type, target.url]),
    );
    expect(deliveries.find((delivery) => delivery.eventType === 'generation.succeeded')).toMatchObject({
      attempts: 2,
      lastResponseCode: 200,
    });
    expect((await webhooksOf(app, key, id)).webhookUrl).toBe(target.url);
    for (const entry of target.received) expect(target.verify(entry, first.secret)).toEqual(entry.payload);
    expect(new Set(target.received.map((entry) => entry.type))).toEqual(new Set(LIFE));
    const succeeded = target.received.find((entry) => entry.type === 'generation.succeeded')!;
    expect(succeeded.payload.data.generation).toMatchObject({ id, status: 'SUCCEEDED', costUsd: '0.003' });
    // The endpoints take only budget.threshold: nothing of this generation went there.
    expect(endpointTarget.received).toHaveLength(0);

    // A per-request delivery is redelivered like any other, under the same webhook-id.
    const queued = deliveries[0]!;
    const redelivered = await app.graphql(RedeliverWebhookDocument, { deliveryId: queued.id }, key);
    expect(redelivered.errors).toBeUndefined();
    await eventually(
      async () => target.attemptsOf(queued.eventId).length,
      (count) => count === 2,
    );

    // Without any endpoint left there is no secret to sign with: a redelivery is refused.
    for (const endpoint of endpoints) {
      await app.graphql(DeleteWebhookEndpointDocument, { id: endpoint.id }, key);
    }
    const unsigned = await app.graphql(RedeliverWebhookDocument, { deliveryId: queued.id }, key);
    expect(unsigned.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      invalidFields: [{ path: 'deliveryId' }],
    });
  });

  test('finalizeGeneration and generateImages take a webhookUrl too', async ({
    app,
    gateway,
    newUser,
    newReceiver,
  }) => {
    const { key } = await newUser();
    const target = await newReceiver();
    const { secret } = await endpointFor(app, key, { url: target.url, events: ['budget.threshold'] });
    const preview = await generate(gateway, key, {
      mode: 'PREVIEW',
      prompt: 'a blue door',
      count: 2,
      webhookUrl: target.url,
    });
    expect(preview.errors).toBeUndefined();
    await eventually(
      async () => (await webhooksOf(app, key, preview.data!.id)).status,
      (status) => status === 'SUCCEEDED',
      20_000,
    );
    const final = await finalize(gateway, key, {
      previewId: preview.data!.id,
      imageIndex: 1,
      webhookUrl: target.url,
    });
    expect(final.errors).toBeUndefined();
    const batch = await generateBatch(gateway, key, [
      { modelId: 'flux-schnell', prompt: 'batch one', webhookUrl: target.url },
      { modelId: 'flux-schnell', prompt: 'batch two' },
    ]);
    expect(batch.errors).toBeUndefined();
    const [withUrl, without] = batch.data!.items.map((item) => item.generation.id);
    const ended = [final.data!.id, withUrl!];
    await eventually(
      async () =>
        target.received.filter((entry) => entry.type === 'generation.succeeded').map((entry) => entry.payload),
      (payloads) =>
        ended.every((id) => payloads.some((payload) => (payload.data.generation as { id: string }).id === id)),
      30_000,
    );
    expect((await webhooksOf(app, key, without!)).webhookDeliveries).toEqual([]);
    expect(target.received.some((entry) => (entry.payload.data.generation as { id: string }).id === without)).toBe(
      false,
    );
    for (const entry of target.received) target.verify(entry, secret);

    // A list reads every generation's deliveries in one statement, and shows what each one's own read shows.
    const listed = await app.graphql(GenerationsWebhooksDocument, { withDeliveries: true }, key);
    expect(listed.errors).toBeUndefined();
    const nodes = listed.data!.viewer!.generations.nodes;
    expect(nodes.filter((node) => node.webhookDeliveries!.length > 0)).toHaveLength(3);
    for (const node of nodes) {
      const own = (await webhooksOf(app, key, node.id)).webhookDeliveries;
      expect(node.webhookDeliveries).toEqual(own.map(({ id, eventType }) => ({ id, eventType })));
    }
    const statementsFor = async (withDeliveries: boolean) => {
      let fewest = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < 3; attempt++) {
        const count = await countStatements(() => app.graphql(GenerationsWebhooksDocument, { withDeliveries }, key));
        fewest = Math.min(fewest, count);
      }
      return fewest;
    };
    expect((await statementsFor(true)) - (await statementsFor(false))).toBe(1);
  });
});
