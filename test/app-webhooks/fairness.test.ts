/**
 * One user's hung endpoints cannot take the delivery runner from everyone else: a user has at most
 * `attemptsInFlightPerUser` attempts in flight per process, whatever number of endpoints they
 * register, so another user's events go out on the slots that are left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startGenerationsEnv, type GenerationsEnv } from '../support/env.ts';
import { CreateWebhookEndpointDocument } from './operations.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const LIFE = ['generation.queued', 'generation.started', 'generation.succeeded'];
/** The runner's slots in this file, and what one user may hold of them. */
const SLOTS = 4;
const PER_USER = 2;

describe('webhook deliveries are shared fairly between users', () => {
  let env: GenerationsEnv;
  let hung: Receiver;
  let healthy: Receiver;

  beforeAll(async () => {
    env = await startGenerationsEnv({
      gateway: {
        appWebhooks: {
          concurrency: SLOTS,
          // Long enough that a hung attempt still holds its slot when the test has its answer.
          settings: { timeoutMs: 120_000, attemptsInFlightPerUser: PER_USER },
        },
      },
    });
    hung = await startReceiver();
    hung.respond(() => 'hang');
    healthy = await startReceiver();
  });
  afterAll(async () => {
    await hung?.close();
    await healthy?.close();
    await env?.close();
  });

  async function endpointFor(key: string, url: string) {
    const answer = await env.gateway.app.graphql(CreateWebhookEndpointDocument, { input: { url } }, key);
    expect(answer.errors).toBeUndefined();
  }

  it("a user with more hung endpoints than the runner has slots delays no one else's events", async () => {
    const attacker = await env.user();
    const bystander = await env.user();
    for (let index = 0; index < SLOTS + 2; index += 1) await endpointFor(attacker.key, `${hung.url}?n=${index}`);
    await endpointFor(bystander.key, healthy.url);

    await env.gateway.generate(attacker.key, { modelId: 'flux-schnell', prompt: 'a hung lighthouse' });
    // Every attacker attempt the runner allows is open (and hanging) before the bystander starts.
    await eventually(
      async () => hung.received.length,
      (count) => count >= PER_USER,
      20_000,
    );
    await env.gateway.generate(bystander.key, { modelId: 'flux-schnell', prompt: 'a healthy lighthouse' });

    await eventually(
      async () => healthy.received.map((entry) => entry.type),
      (types) => LIFE.every((type) => types.includes(type)),
      30_000,
    );
    // The attacker's endpoints never held more than their share: the rest of the slots were free.
    expect(hung.received.length).toBe(PER_USER);
  });
});
