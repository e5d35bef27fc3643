/**
 * Replicate refuses a create (faults.test.ts has the lost answers): the refusal fails the
 * generation with its contract code and releases the hold.
 */
import { json, startStubServer } from '../replicate/helpers.ts';
import { holdOf, ledgerKinds } from './helpers.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

/** A Replicate that refuses every create with a 422 naming an invalid field. */
const test = base.extend('stub', { scope: 'file' }, async ({}, { onCleanup }) => {
  const stub = await startStubServer((_request, response) =>
    json(
      response,
      422,
      {
        type: 'about:blank',
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'Invalid input',
        invalid_fields: [{ type: 'invalid', field: 'input.megapixels', description: 'megapixels is not allowed' }],
      },
      { 'content-type': 'application/problem+json' },
    ),
  );
  onCleanup(() => stub.close());
  return stub;
});

test.override('setup', { simulator: { creditsMicros: 0 } });

describe('Replicate refuses the create', () => {
  test('402 → UPSTREAM_INSUFFICIENT_CREDITS; the generation is FAILED and its hold released', async ({ env, key }) => {
    const { generation, errors } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'no credit' });
    expect(errors).toBeUndefined();
    expect(generation!.status).toBe('QUEUED');
    const generationId = generation!.id;
    const row = await env.gateway.waitFor(key, generationId, (g) => g.costUsd !== null);
    expect(row.status).toBe('FAILED');
    expect(row.error?.code).toBe('UPSTREAM_INSUFFICIENT_CREDITS');
    expect((await holdOf(env.gateway.db, generationId))?.state).toBe('released');
  });

  test('422 → BAD_USER_INPUT naming Replicate’s invalid fields; FAILED, hold released', async ({ env, key, stub }) => {
    // The refusing gateway is the only worker: the first one stops, so its jobs are the other's.
    const [simulated] = env.gateways.splice(0, 1);
    await simulated!.app.close();
    const refusing = await env.startGateway({ REPLICATE_API_BASE_URL: stub.baseUrl });
    const { generation, errors } = await refusing.generate(key, { modelId: 'flux-schnell', prompt: 'refused' });
    expect(errors).toBeUndefined();
    expect(generation!.status).toBe('QUEUED');
    const done = await refusing.waitFor(key, generation!.id, (g) => g.costUsd !== null);
    expect(done.error?.code).toBe('BAD_USER_INPUT');
    expect(done.error?.message).toContain('megapixels');
    const generations = await refusing.db
      .selectFrom('generations')
      .selectAll()
      .where('prompt', '=', 'refused')
      .execute();
    expect(generations.map((row) => [row.status, row.error_code])).toEqual([['FAILED', 'BAD_USER_INPUT']]);
    expect(await ledgerKinds(refusing.db, generations[0]!.id)).toEqual({ hold: 1, release: 1 });
    expect(stub.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });
});
