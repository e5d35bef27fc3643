/**
 * One user's hung endpoints cannot take the delivery runner from everyone else: a user has at most
 * `attemptsInFlightPerUser` attempts in flight per process, whatever number of endpoints they
 * register, so another user's events go out on the slots that are left.
 */
import { eventually } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { CreateWebhookEndpointDocument } from './operations.ts';
import { startReceiver } from './receiver.ts';

const LIFE = ['generation.queued', 'generation.started', 'generation.succeeded'];
/** The runner's slots in this file, and what one user may hold of them. */
const SLOTS = 4;
const PER_USER = 2;

const test = base
  /** An endpoint that never answers. */
  .extend('hung', { scope: 'file' }, async ({}, { onCleanup }) => {
    const receiver = await startReceiver();
    receiver.respond(() => 'hang');
    onCleanup(() => receiver.close());
    return receiver;
  })
  .extend('healthy', { scope: 'file' }, async ({}, { onCleanup }) => {
    const receiver = await startReceiver();
    onCleanup(() => receiver.close());
    return receiver;
  });
test.override('setup', {
  gateway: {
    appWebhooks: {
      concurrency: SLOTS,
      // Long enough that a hung attempt still holds its slot when the test has its answer.
      settings: { timeoutMs: 120_000, attemptsInFlightPerUser: PER_USER },
    },
  },
});

describe('webhook deliveries are shared fairly between users', () => {
  test("a user with more hung endpoints than the runner has slots delays no one else's events", async ({
    app,
    gateway,
    newUser,
    hung,
    healthy,
  }) => {
    const endpointFor = async (key: string, url: string) => {
      const answer = await app.graphql(CreateWebhookEndpointDocument, { input: { url } }, key);
      expect(answer.errors).toBeUndefined();
    };
    const attacker = await newUser();
    const bystander = await newUser();
    for (let index = 0; index < SLOTS + 2; index += 1) await endpointFor(attacker.key, `${hung.url}?n=${index}`);
    await endpointFor(bystander.key, healthy.url);

    await gateway.generate(attacker.key, { modelId: 'flux-schnell', prompt: 'a hung lighthouse' });
    // Every attacker attempt the runner allows is open (and hanging) before the bystander starts.
    await eventually(
      async () => hung.received.length,
      (count) => count >= PER_USER,
      20_000,
    );
    await gateway.generate(bystander.key, { modelId: 'flux-schnell', prompt: 'a healthy lighthouse' });

    await eventually(
      async () => healthy.received.map((entry) => entry.type),
      (types) => LIFE.every((type) => types.includes(type)),
      30_000,
    );
    // The attacker's endpoints never held more than their share: the rest of the slots were free.
    expect(hung.received.length).toBe(PER_USER);
  });
});
