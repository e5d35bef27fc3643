/**
 * At least once across a crash: the receiver fails each event's first 3 attempts, and `pixelgate
 * serve` is SIGKILLed while it waits on an attempt of `generation.succeeded`. The restarted server
 * (once the dead process's job lock is released by the maintenance sweep) sends it again under the
 * same webhook-id, and the app ends up with every event of the generation's life, one id each.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { startRestartHarness } from '../generations/served.ts';
import { eventually, GenerateDocument } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { CreateWebhookEndpointDocument } from './operations.ts';
import { startReceiver } from './receiver.ts';

const LIFE = ['generation.queued', 'generation.started', 'generation.succeeded'];

const test = base
  /** Servers as child processes on one database and simulator (served.ts), killed and restarted by the test. */
  .extend('harness', { scope: 'file' }, async ({}, { onCleanup }) => {
    const harness = await startRestartHarness(0.05);
    onCleanup(() => harness.close());
    return harness;
  })
  .extend('receiver', { scope: 'file' }, async ({}, { onCleanup }) => {
    const receiver = await startReceiver();
    onCleanup(() => receiver.close());
    return receiver;
  });

describe('webhooks across a SIGKILL', () => {
  test('delivers every event once per event id although the endpoint fails 3 times and the gateway dies mid-delivery', async ({
    harness,
    receiver,
  }) => {
    let hung = false;
    receiver.respond((request, attempt) => {
      if (attempt < 3) return 503;
      if (request.type === 'generation.succeeded' && !hung) {
        hung = true;
        return 'hang';
      }
      return 200;
    });
    const env = { WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.3,0.3,0.3,0.3,0.3' };
    const first = await harness.start(env);
    const created = await harness.graphql<ResultOf<typeof CreateWebhookEndpointDocument>>(
      first.url,
      print(CreateWebhookEndpointDocument),
      { input: { url: receiver.url } },
    );
    const { secret } = created.data!.createWebhookEndpoint;
    const started = await harness.graphql<ResultOf<typeof GenerateDocument>>(first.url, print(GenerateDocument), {
      input: { modelId: 'flux-schnell', prompt: 'a lighthouse that outlives its keeper' },
    });
    const generationId = started.data!.generateImage.id;

    await eventually(async () => hung, Boolean, 30_000);
    await harness.kill(first);
    const second = await harness.start(env);
    const succeeded = await eventually(
      async () => receiver.received.filter((entry) => entry.type === 'generation.succeeded'),
      (entries) => entries.length >= 5,
      60_000,
    );
    await harness.kill(second);

    // One event id per event type; every attempt of an event carries the same id and body.
    const idsByType = new Map<string, Set<string>>();
    for (const entry of receiver.received) {
      idsByType.set(entry.type, (idsByType.get(entry.type) ?? new Set()).add(entry.id));
      expect(receiver.verify(entry, secret)).toEqual(entry.payload);
    }
    expect([...idsByType.keys()].sort()).toEqual([...LIFE].sort());
    for (const ids of idsByType.values()) expect(ids.size).toBe(1);
    for (const type of LIFE) {
      const attempts = receiver.received.filter((entry) => entry.type === type);
      expect(new Set(attempts.map((entry) => entry.body)).size).toBe(1);
      expect(attempts.length).toBeGreaterThanOrEqual(4);
    }
    // Three refusals, the attempt cut by the kill, then the one answered 200 by the receiver.
    expect(succeeded.length).toBe(5);
    expect(succeeded[0]!.payload.data).toMatchObject({
      generation: { id: generationId, status: 'SUCCEEDED', costUsd: '0.003' },
    });
  });
});
