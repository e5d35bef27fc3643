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
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { createUser } from '../../src/auth/users.ts';
import { webhookHeaders } from '../../src/replicate/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { freePort } from '../generations/helpers.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { rowId } from '../support/ids.ts';

const alnum = (bytes: number) => randomBytes(bytes).toString('hex');
const WEBHOOK_KEY = randomBytes(32);
const CANARY = {
  replicateToken: `r8_Canary${alnum(15)}`,
  adminToken: `admin-canary-${alnum(12)}`,
  webhookSecret: `whsec_${WEBHOOK_KEY.toString('base64')}`,
};

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('secret canaries', () => {
  let sim: RunningSimulator;
  let app: TestApp;
  let dataDir: string;
  let userKey: string;
  /** Every log line and every response, as text. */
  const seen: string[] = [];
  const logLines: string[] = [];

  /** The values no output may contain: each secret, and the parts of it that would still leak it. */
  const canaries = (): string[] => [
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

  async function call(pathname: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
    const response = await fetch(`${app.url}${pathname}`, init);
    const body = await response.text();
    seen.push(`${response.status} ${JSON.stringify([...response.headers])} ${body}`);
    return { status: response.status, body };
  }

  // Strings on purpose, sent raw: invalid inputs, forged credentials and every byte of each answer kept.
  async function graphql(query: string, variables: Record<string, unknown> = {}, token?: string) {
    const { body } = await call('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return JSON.parse(body) as { data?: Record<string, any>; errors?: Array<{ extensions?: { code?: string } }> };
  }

  /** One operation over a WebSocket: every frame and the close reason are kept. */
  async function overWebSocket(query: string, variables: Record<string, unknown>, authorization: string) {
    const client = createClient({
      url: `${app.url.replace(/^http/, 'ws')}/graphql`,
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

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation(
        (...args: unknown[]) => void logLines.push(args.map(String).join(' ')),
      );
    }
    sim = await startSimulator({
      speed: 0.02,
      tokens: [CANARY.replicateToken],
      webhookSecret: CANARY.webhookSecret,
      rateLimits: { createsPerMinute: 100_000, otherPerMinute: 1_000_000 },
    });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-canary-'));
    const port = await freePort();
    app = await startTestApp(
      {
        LOG_LEVEL: 'debug',
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        PIXELGATE_DATA_DIR: dataDir,
        PIXELGATE_ADMIN_TOKEN: CANARY.adminToken,
        REPLICATE_API_TOKEN: CANARY.replicateToken,
        REPLICATE_API_BASE_URL: sim.baseUrl,
        REPLICATE_WEBHOOK_SECRET: CANARY.webhookSecret,
      },
      { logDestination: { write: (line: string) => void logLines.push(line) } },
    );
    const user = await createUser(app.services.db, { name: 'canary', dailyBudgetMicros: 10_000_000 });
    userKey = (await createApiKey(app.services.db, user.id)).key;
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await app?.stop();
    await sim?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const GENERATE = 'mutation ($input: GenerateImageInput!) { generateImage(input: $input) { id status } }';
  const GET = 'query ($id: ID!) { generation(id: $id) { id status costUsd images { url } error { code message } } }';

  async function until(id: string, statuses: string[]) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const result = await graphql(GET, { id }, userKey);
      const generation = result.data?.generation as { status: string; images: Array<{ url: string }> } | undefined;
      if (generation && statuses.includes(generation.status)) return generation;
      if (Date.now() > deadline) throw new Error(`generation ${id}: ${JSON.stringify(result)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  let generationId: string;

  it('runs a generation to its image, with webhooks and a WebSocket subscription', async () => {
    const created = await graphql(GENERATE, { input: { modelId: 'flux-schnell', prompt: 'a canary' } }, userKey);
    generationId = (created.data?.generateImage as { id: string }).id;
    await overWebSocket(
      'subscription ($id: ID!) { generationProgress(id: $id) { status percent costUsd } }',
      { id: generationId },
      `Bearer ${userKey}`,
    );
    const done = await until(generationId, ['SUCCEEDED']);
    const image = new URL(done.images[0]!.url);
    expect((await call(image.pathname)).status).toBe(200);
    await graphql('{ viewer { id name usage { spentUsd reservedUsd } } }', {}, userKey);
    // The admin paths, with the admin token: a user, a key (a new secret, not a canary), a report.
    const user = await graphql(
      'mutation { createUser(input: { name: "Second", dailyBudgetUsd: "5" }) { id } }',
      {},
      CANARY.adminToken,
    );
    await graphql(
      'mutation ($u: ID!) { createApiKey(userId: $u) { apiKey { prefix } } }',
      { u: (user.data?.createUser as { id: string }).id },
      CANARY.adminToken,
    );
    await graphql('{ ledgerReport { ok problems } }', {}, CANARY.adminToken);
    expect((await call('/metrics')).status).toBe(200);
  });

  it('answers forged, replayed and valid webhook deliveries', async () => {
    const prediction = await app.services.db
      .selectFrom('predictions')
      .select(['id', 'replicate_id'])
      .where('generation_id', '=', rowId(generationId))
      .executeTakeFirstOrThrow();
    const upstream = await fetch(`${sim.baseUrl}/predictions/${prediction.replicate_id}`, {
      headers: { authorization: `Bearer ${CANARY.replicateToken}` },
    });
    const rawBody = JSON.stringify(await upstream.json());
    const url = `/webhooks/replicate?generation=${rowId(generationId)}&prediction=${prediction.id}`;
    const post = (headers: Record<string, string>, body = rawBody) =>
      call(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
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

  it('answers error paths: bad keys and tokens, bad input, upstream failures', async () => {
    const wrongKey = `pg_${randomBytes(32).toString('base64url')}`;
    expect((await graphql('{ viewer { id } }', {}, wrongKey)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await graphql('{ viewer { id } }', {}, `${userKey}x`);
    await graphql('{ viewer { id } }', {}, userKey.slice(0, -1));
    await graphql('{ ledgerReport { ok } }', {}, `${CANARY.adminToken}x`);
    await graphql('{ ledgerReport { ok } }', {}, userKey);
    await graphql('{ viewer { id } }', {}, CANARY.adminToken);
    await call('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query": "${userKey}`,
    });
    await call('/metrics', { headers: { authorization: `Bearer ${CANARY.adminToken}` } });
    await overWebSocket('{ viewer { id } }', {}, `Bearer ${wrongKey}`);
    await overWebSocket('{ viewer { id } }', {}, CANARY.adminToken);

    for (const input of [
      { modelId: 'flux-schnell', prompt: `a\u0000canary` },
      { modelId: 'nope', prompt: userKey },
      { modelId: 'flux-schnell', prompt: 'x', settings: { token: CANARY.replicateToken.slice(0, 4) } },
    ]) {
      expect((await graphql(GENERATE, { input }, userKey)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }

    // Replicate fails: a create answered 500 three times over, and a prediction that fails upstream.
    sim.injectFaults([
      { method: 'POST', path: '/v1/models/black-forest-labs/flux-schnell/predictions', fault: 'status_500', times: 3 },
    ]);
    const retried = await graphql(
      GENERATE,
      { input: { modelId: 'flux-schnell', prompt: 'a canary, retried' } },
      userKey,
    );
    expect(retried.data?.generateImage ?? retried.errors).toBeTruthy();
    const failing = await graphql(
      GENERATE,
      { input: { modelId: 'flux-schnell', prompt: 'a canary [sim:fail]' } },
      userKey,
    );
    await until((failing.data?.generateImage as { id: string }).id, ['FAILED']);
  });

  it('answers while the database is away', async () => {
    const name = app.database.name;
    await adminQuery(`alter database ${name} allow_connections false`);
    try {
      await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
      const away = await graphql('{ viewer { id } }', {}, userKey);
      expect(away.errors?.length).toBeGreaterThan(0);
      await graphql(GENERATE, { input: { modelId: 'flux-schnell', prompt: 'while away' } }, userKey);
      await graphql('{ ledgerReport { ok } }', {}, CANARY.adminToken);
      await call('/readyz');
    } finally {
      await adminQuery(`alter database ${name} allow_connections true`);
    }
  });

  it('put no canary in any log line or response', async () => {
    expect(logLines.length).toBeGreaterThan(20);
    expect(seen.length).toBeGreaterThan(20);
    // Sanity: the capture works — the log recorded the failures, the responses the generation.
    expect(logLines.join('\n')).toContain('database unavailable during a GraphQL operation');
    expect(seen.join('\n')).toContain(generationId);
    const leaks: string[] = [];
    for (const text of [...logLines, ...seen]) {
      for (const canary of canaries())
        if (text.includes(canary)) leaks.push(`${canary.slice(0, 6)}… in ${text.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
  });
});
