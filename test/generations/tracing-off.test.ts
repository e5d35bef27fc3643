/**
 * With tracing off (no OTEL_* endpoint: every other test file), the links of the spans after the
 * request cost nothing: a generation remembers no trace (`generations.traceparent` stays null), no
 * statement reads one back for a Replicate webhook or an app webhook's delivery, and the app
 * receives no `traceparent` header.
 */
import { describe, expect, test as base } from '../support/fixtures.ts';
import { eventually, freePort, predictionRows } from './helpers.ts';
import { rowId } from '../support/ids.ts';
import { generate, waitForEnd } from './start-helpers.ts';
import { startReceiver } from '../app-webhooks/receiver.ts';
import { CreateWebhookEndpointDocument } from '../app-webhooks/operations.ts';

const statements: string[] = [];

const test = base.extend('receiver', { scope: 'file' }, async ({}, { onCleanup }) => {
  const receiver = await startReceiver();
  onCleanup(() => receiver.close());
  return receiver;
});

// PUBLIC_URL names the gateway's own port, so Replicate (the simulator) calls it back.
test.override('setup', async () => {
  const port = await freePort();
  return {
    speed: 0.05,
    env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
    gateway: { onQuery: (sql: string) => statements.push(sql) },
  };
});

describe('with tracing off', () => {
  test('no trace is stored, read or sent', async ({ env, app, key, receiver }) => {
    const endpoint = await app.graphql(CreateWebhookEndpointDocument, { input: { url: receiver.url } }, key);
    expect(endpoint.errors).toBeUndefined();
    statements.length = 0; // the migrations' and set-up's
    const started = await generate(env.gateway, key, { modelId: 'flux-schnell', prompt: 'an untraced lighthouse' });
    const done = await waitForEnd(env.gateway, key, started.data!.id);
    expect(done.status).toBe('SUCCEEDED');
    await eventually(
      async () => receiver.received.map((request) => request.type),
      (types) => types.includes('generation.succeeded'),
    );
    // The simulator's webhooks reached the gateway (so their route ran).
    const [prediction] = await predictionRows(env.gateway.db, done.id);
    expect(env.sim.predictions().find((upstream) => upstream.id === prediction!.replicate_id)?.webhook).toBeTruthy();
    expect(await env.gateway.db.selectFrom('webhook_deliveries').select('webhook_id').execute()).not.toEqual([]);

    // Read before this test's own look-up below, which goes through the gateway's handle too.
    expect(statements.filter((sql) => /traceparent/.test(sql) && !/insert into generations/.test(sql))).toEqual([]);
    const row = await env.gateway.db
      .selectFrom('generations')
      .select('traceparent')
      .where('id', '=', rowId(done.id))
      .executeTakeFirstOrThrow();
    expect(row.traceparent).toBeNull();
    expect(receiver.received.map((request) => request.headers.traceparent)).toEqual(
      receiver.received.map(() => undefined),
    );
  });
});
