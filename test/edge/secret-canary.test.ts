/**
 * Secret canaries (issue 11, item 7): pixelgate runs with recognisable values for every secret it
 * holds — the Replicate token, the admin token, the webhook secret — and a user's API key, then
 * goes through the generation path (against the simulator over real HTTP, with webhooks and a
 * WebSocket subscription), forged and valid webhook deliveries, and error paths (bad keys, bad
 * input, upstream failures, the database going away). Every log line (debug level, pino's
 * destination and the console) and every response — status, headers, body, WebSocket frames and
 * close reasons — is kept, and none may contain any canary, whole or in part.
 */
import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { inject, vi } from 'vitest';
import WebSocket from 'ws';
import { webhookHeaders } from '../../src/replicate/index.ts';
import type { GraphQLAnswer } from '../support/app.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { rowId } from '../support/ids.ts';
import { freePort } from '../support/ports.ts';
import { graphql as gql } from '../gql/index.ts';

const alnum = (bytes: number) => randomBytes(bytes).toString('hex');
const WEBHOOK_KEY = randomBytes(32);
const CANARY = {
  replicateToken: `r8_Canary${alnum(15)}`,
  adminToken: `admin-canary-${alnum(12)}`,
  webhookSecret: `whsec_${WEBHOOK_KEY.toString('base64')}`,
};

/** The values no output may contain: each secret, and the parts of it that would still leak it. */
const canaries = (userKey: string): string[] => [
  CANARY.replicateToken,
  CANARY.replicateToken.slice(3),
  CANARY.adminToken,
  CANARY.webhookSecret,
  CANARY.webhookSecret.slice('whsec_'.length),
  WEBHOOK_KEY.toString('hex'),
  WEBHOOK_KEY.toString('base64url'),
  userKey,
  // The part of an API key after its visible prefix (`pg_` + 10 characters) is the secret.
  userKey.slice(13),
];

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const CanaryGenerateMutation = gql(`
  mutation CanaryGenerate($input: GenerateImageInput!) {
    generateImage(input: $input) {
      id
      status
    }
  }
`);
/** The same document as text, for the invalid inputs. */
const GENERATE = print(CanaryGenerateMutation);

const CanaryGenerationQuery = gql(`
  query CanaryGeneration($id: ID!) {
    generation(id: $id) {
      id
      status
      costUsd
      images {
        url
      }
      error {
        code
        message
      }
    }
  }
`);

const CanaryCreateUserMutation = gql(`
  mutation CanaryCreateUser {
    createUser(input: { name: "Second", dailyBudgetUsd: "5" }) {
      id
    }
  }
`);

/** Requests to the gateway at `url` whose every answer (status, headers, body, frames, close reasons) goes to `seen`. */
function recordingClient(url: string, seen: string[]) {
  async function call(pathname: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
    const response = await fetch(`${url}${pathname}`, init);
    const body = await response.text();
    seen.push(`${response.status} ${JSON.stringify([...response.headers])} ${body}`);
    return { status: response.status, body };
  }

  // Sent raw, every byte of each answer kept. A typed document types its answer; strings are for
  // invalid inputs and forged credentials, their answers read only for their errors.
  async function graphql<T, V>(
    document: TypedDocumentNode<T, V>,
    variables: V,
    token?: string,
  ): Promise<GraphQLAnswer<T>>;
  async function graphql(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLAnswer<unknown>>;
  async function graphql(document: string | TypedDocumentNode, variables: unknown = {}, token?: string) {
    const query = typeof document === 'string' ? document : print(document);
    const { body } = await call('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return JSON.parse(body) as GraphQLAnswer<unknown>;
  }

  /** One operation over a WebSocket: every frame and the close reason are kept. */
  async function overWebSocket(query: string, variables: Record<string, unknown>, authorization: string) {
    const client = createClient({
      url: `${url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization },
      retryAttempts: 0,
      on: {
        message: (message) => void seen.push(JSON.stringify(message)),
        closed: (event) => void seen.push(`close ${(event as CloseEvent).code} ${(event as CloseEvent).reason}`),
      },
    });
    try {
      await new Promise<void>((resolve) => {
        client.subscribe({ query, variables }, { next: () => {}, error: () => resolve(), complete: () => resolve() });
      });
    } finally {
      await client.dispose();
    }
  }

  async function until(id: string, statuses: string[], token: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const result = await graphql(CanaryGenerationQuery, { id }, token);
      const generation = result.data?.generation;
      if (generation && statuses.includes(generation.status)) return generation;
      if (Date.now() > deadline) throw new Error(`generation ${id}: ${JSON.stringify(result)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  return { call, graphql, overWebSocket, until };
}

const test = base
  /** Every response, as text. */
  .extend('seen', { scope: 'file' }, (): string[] => [])
  .extend('client', { scope: 'file' }, ({ app, seen }) => recordingClient(app.url, seen));
test.override('setup', async () => {
  const port = await freePort();
  return {
    simulator: { tokens: [CANARY.replicateToken], webhookSecret: CANARY.webhookSecret },
    env: {
      LOG_LEVEL: 'debug',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PIXELGATE_ADMIN_TOKEN: CANARY.adminToken,
      REPLICATE_API_TOKEN: CANARY.replicateToken,
      REPLICATE_WEBHOOK_SECRET: CANARY.webhookSecret,
    },
    user: { name: 'canary', dailyBudgetMicros: 10_000_000, openLimits: false, adminToken: CANARY.adminToken },
  };
});
// Every log line: pino's at debug level and the console's, spied on before the gateway starts.
test.override('log', ({}, { onCleanup }) => {
  const lines: string[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  }
  onCleanup(() => {
    vi.restoreAllMocks();
  });
  return lines;
});

/** The generation the first test runs; the webhook test replays its deliveries. */
let generationId: string;

describe('secret canaries', () => {
  test('runs a generation to its image, with webhooks and a WebSocket subscription', async ({ client, key }) => {
    const created = await client.graphql(
      CanaryGenerateMutation,
      { input: { modelId: 'flux-schnell', prompt: 'a canary' } },
      key,
    );
    generationId = created.data!.generateImage.id;
    await client.overWebSocket(
      'subscription ($id: ID!) { generationProgress(id: $id) { status percent costUsd } }',
      { id: generationId },
      `Bearer ${key}`,
    );
    const done = await client.until(generationId, ['SUCCEEDED'], key);
    const image = new URL(done.images[0]!.url);
    expect((await client.call(image.pathname)).status).toBe(200);
    await client.graphql('{ viewer { id name usage { spentUsd reservedUsd } } }', {}, key);
    // The admin paths, with the admin token: a user, a key (a new secret, not a canary), a report.
    const user = await client.graphql(CanaryCreateUserMutation, {}, CANARY.adminToken);
    await client.graphql(
      'mutation ($u: ID!) { createApiKey(userId: $u) { apiKey { prefix } } }',
      { u: user.data!.createUser.id },
      CANARY.adminToken,
    );
    await client.graphql('{ ledgerReport { ok problems } }', {}, CANARY.adminToken);
    expect((await client.call('/metrics')).status).toBe(200);
  });

  test('answers forged, replayed and valid webhook deliveries', async ({ app, simulator, client }) => {
    const prediction = await app.services.db
      .selectFrom('predictions')
      .select(['id', 'replicate_id'])
      .where('generation_id', '=', rowId(generationId))
      .executeTakeFirstOrThrow();
    const upstream = await fetch(`${simulator.baseUrl}/predictions/${prediction.replicate_id}`, {
      headers: { authorization: `Bearer ${CANARY.replicateToken}` },
    });
    const rawBody = JSON.stringify(await upstream.json());
    const url = `/webhooks/replicate?generation=${rowId(generationId)}&prediction=${prediction.id}`;
    const post = (headers: Record<string, string>, body = rawBody) =>
      client.call(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    const signed = (secret: string, id = `msg_canary_${alnum(4)}`) =>
      webhookHeaders({ id, timestamp: new Date(), rawBody, secret });

    const forged = await post(signed(`whsec_${randomBytes(32).toString('base64')}`));
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect((await post({})).status).toBeGreaterThanOrEqual(400);
    const tampered = await post(signed(CANARY.webhookSecret), rawBody.replace('succeeded', 'failed'));
    expect(tampered.status).toBeGreaterThanOrEqual(400);
    const stale = webhookHeaders({
      id: 'msg_old',
      timestamp: new Date(Date.now() - 3_600_000),
      rawBody,
      secret: CANARY.webhookSecret,
    });
    expect((await post(stale)).status).toBeGreaterThanOrEqual(400);
    const valid = signed(CANARY.webhookSecret, 'msg_canary_replayed');
    expect((await post(valid)).status).toBe(200);
    expect((await post(valid)).status).toBe(200);
  });

  test('answers error paths: bad keys and tokens, bad input, upstream failures', async ({ simulator, client, key }) => {
    const wrongKey = `pg_${randomBytes(32).toString('base64url')}`;
    expect((await client.graphql('{ viewer { id } }', {}, wrongKey)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    await client.graphql('{ viewer { id } }', {}, `${key}x`);
    await client.graphql('{ viewer { id } }', {}, key.slice(0, -1));
    await client.graphql('{ ledgerReport { ok } }', {}, `${CANARY.adminToken}x`);
    await client.graphql('{ ledgerReport { ok } }', {}, key);
    await client.graphql('{ viewer { id } }', {}, CANARY.adminToken);
    await client.call('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query": "${key}`,
    });
    await client.call('/metrics', { headers: { authorization: `Bearer ${CANARY.adminToken}` } });
    await client.overWebSocket('{ viewer { id } }', {}, `Bearer ${wrongKey}`);
    await client.overWebSocket('{ viewer { id } }', {}, CANARY.adminToken);

    for (const input of [
      { modelId: 'flux-schnell', prompt: `a\u0000canary` },
      { modelId: 'nope', prompt: key },
      { modelId: 'flux-schnell', prompt: 'x', settings: { token: CANARY.replicateToken.slice(0, 4) } },
    ]) {
      expect((await client.graphql(GENERATE, { input }, key)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }

    // Replicate fails: a create answered 500 three times over, and a prediction that fails upstream.
    simulator.injectFaults([
      { method: 'POST', path: '/v1/models/black-forest-labs/flux-schnell/predictions', fault: 'status_500', times: 3 },
    ]);
    const retried = await client.graphql(
      CanaryGenerateMutation,
      { input: { modelId: 'flux-schnell', prompt: 'a canary, retried' } },
      key,
    );
    expect(retried.data?.generateImage ?? retried.errors).toBeTruthy();
    const failing = await client.graphql(
      CanaryGenerateMutation,
      { input: { modelId: 'flux-schnell', prompt: 'a canary [sim:fail]' } },
      key,
    );
    await client.until(failing.data!.generateImage.id, ['FAILED'], key);
  });

  test('answers while the database is away', async ({ app, client, key }) => {
    const name = app.database.name;
    await adminQuery(`alter database ${name} allow_connections false`);
    try {
      await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
      const away = await client.graphql('{ viewer { id } }', {}, key);
      expect(away.errors?.length).toBeGreaterThan(0);
      await client.graphql(GENERATE, { input: { modelId: 'flux-schnell', prompt: 'while away' } }, key);
      await client.graphql('{ ledgerReport { ok } }', {}, CANARY.adminToken);
      await client.call('/readyz');
    } finally {
      await adminQuery(`alter database ${name} allow_connections true`);
    }
  });

  test('put no canary in any log line or response', async ({ log, seen, key }) => {
    expect(log.length).toBeGreaterThan(20);
    expect(seen.length).toBeGreaterThan(20);
    // Sanity: the capture works — the log recorded the failures, the responses the generation.
    expect(log.join('\n')).toContain('database unavailable during a GraphQL operation');
    expect(seen.join('\n')).toContain(generationId);
    const leaks: string[] = [];
    for (const text of [...log, ...seen]) {
      for (const canary of canaries(key))
        if (text.includes(canary)) leaks.push(`${canary.slice(0, 6)}… in ${text.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
  });
});
