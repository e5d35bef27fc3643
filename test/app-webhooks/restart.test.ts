/**
 * At least once across a crash: the receiver fails each event's first 3 attempts, and `pixelgate
 * serve` is SIGKILLed while it waits on an attempt of `generation.succeeded`. The restarted server
 * (once the dead process's job lock is released by the maintenance sweep) sends it again under the
 * same webhook-id, and the app ends up with every event of the generation's life, one id each.
 */
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATE, eventually, type GenerationResult } from '../generations/helpers.ts';
import { startRestartHarness, type RestartHarness } from '../generations/served.ts';
import { CreateWebhookEndpointDocument } from './operations.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const LIFE = ['generation.queued', 'generation.started', 'generation.succeeded'];

describe('webhooks across a SIGKILL', () => {
  let harness: RestartHarness;
  let receiver: Receiver;
  beforeAll(async () => {
    harness = await startRestartHarness(0.05);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await harness?.close();
  });

  it('delivers every event once per event id although the endpoint fails 3 times and the gateway dies mid-delivery', async () => {
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
    const created = await harness.graphql<{ createWebhookEndpoint: { secret: string } }>(
      first.url,
      print(CreateWebhookEndpointDocument),
      { input: { url: receiver.url } },
    );
    const { secret } = created.data!.createWebhookEndpoint;
    const started = await harness.graphql<{ generateImage: GenerationResult }>(first.url, GENERATE, {
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
