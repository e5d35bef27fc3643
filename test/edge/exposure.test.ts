/**
 * Production exposure (issue 11, row "NODE_ENV=production"): no introspection, no suggestions,
 * no request body echoed in errors, /metrics closed or behind its token and cached, CORS only for
 * allowed origins and never with credentials, only JSON POSTs and GET queries executed.
 */
import { randomUUID } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { createUser } from '../../src/auth/users.ts';
import { METRICS_REFRESH_MS } from '../../src/metrics.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { postGraphQL } from '../foundation/graphql-client.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { useTestApp } from '../support/fixtures.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('production', () => {
  let sim: RunningSimulator;
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    sim = await startSimulator();
    app = await startTestApp({
      NODE_ENV: 'production',
      REPLICATE_API_TOKEN: 'r8_exposuretesttoken0123456789',
      REPLICATE_API_BASE_URL: sim.baseUrl,
      REPLICATE_WEBHOOK_SECRET: sim.webhookSecret,
      CORS_ORIGINS: 'https://app.example.test, https://admin.example.test',
    });
    const user = await createUser(app.services.db, { name: 'exposure' });
    key = (await createApiKey(app.services.db, user.id)).key;
  });
  afterAll(async () => {
    await app?.stop();
    await sim?.close();
  });

  it('refuses introspection (BAD_USER_INPUT) and still answers ordinary queries', async () => {
    const result = await postGraphQL(app.url, getIntrospectionQuery());
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/introspection/i);
    const typeQuery = await postGraphQL(app.url, '{ __type(name: "Generation") { fields { name } } }');
    expect(typeQuery.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const ordinary = await postGraphQL<{ models: unknown[] }>(app.url, '{ models { id } }');
    expect(ordinary.data?.models.length).toBeGreaterThan(0);
  });

  it('refuses introspection over WebSocket too', async () => {
    const client = createClient({
      url: app.url.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
    });
    const outcome = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: '{ __schema { types { name } } }' },
        { next: resolve, error: resolve, complete: () => {} },
      );
    });
    await client.dispose();
    expect(JSON.stringify(outcome)).toMatch(/introspection/i);
    expect(JSON.stringify(outcome)).not.toContain('"types"');
  });

  it('masks "Did you mean" in validation and variable errors', async () => {
    const field = await postGraphQL(app.url, '{ modelz { id } }');
    expect(field.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(field.errors?.[0]?.message).toContain('Cannot query field "modelz"');
    const enumValue = await postGraphQL(
      app.url,
      'mutation ($input: GenerateImageInput!) { generateImage(input: $input) { id } }',
      { input: { prompt: 'a fox', mode: 'FINALL', modelIdd: 'flux-schnell' } },
      key,
    );
    expect(enumValue.errors?.length).toBeGreaterThan(0);
    for (const response of [field, enumValue]) expect(JSON.stringify(response)).not.toMatch(/did you mean/i);
  });

  it('never echoes a malformed JSON body', async () => {
    const secretish = 'SECRET-BODY-CONTENT-' + randomUUID();
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query": "{ models { id } }", ${secretish}`,
    });
    const text = await response.text();
    expect(text).not.toContain(secretish);
    expect(text).not.toContain('originalError');
    expect(JSON.parse(text)).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('serves no /metrics without METRICS_TOKEN', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
  });

  it('answers CORS only for allowed origins, never with credentials', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('https://app.example.test');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const foreign = await preflight('https://evil.example.test');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    const post = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example.test' },
      body: JSON.stringify({ query: '{ models { id } }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('executes JSON POSTs and GET queries only: form and multipart POSTs are refused (415) and run nothing', async () => {
    const name = `csrf-${randomUUID()}`;
    const mutation = `mutation { createApiKey(userId: "${randomUUID()}") { key } }`;
    const form = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${key}` },
      body: new URLSearchParams({ query: mutation, operationName: name }).toString(),
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query: mutation }));
    multipart.set('map', '{}');
    expect((await fetch(`${app.url}/graphql`, { method: 'POST', body: multipart })).status).toBe(415);
    const graphqlText = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/graphql' },
      body: '{ models { id } }',
    });
    expect(graphqlText.status).toBe(415);
    const plain = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(plain.status).toBe(415);

    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ models { id } }')}`);
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data: { models: unknown[] } }).data.models.length).toBeGreaterThan(0);
    const graphqlResponse = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ models { id } }' }),
    });
    expect(graphqlResponse.status).toBe(200);
    expect(graphqlResponse.headers.get('content-type')).toContain('application/graphql-response+json');
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  let app: TestApp;
  let clock = Date.parse('2026-11-30T12:00:00Z');

  beforeAll(async () => {
    app = await startTestApp({ METRICS_TOKEN }, { now: () => new Date(clock) });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const scrape = (token?: string) =>
    fetch(`${app.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('needs the bearer token', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('wrong-token-0123456789abcdef')).status).toBe(401);
    const ok = await scrape(METRICS_TOKEN);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('pixelgate_reserved_micros');
  });

  it('reads database figures at most once per refresh window, however many scrapes', async () => {
    const generationsOf = async () => {
      const text = await (await scrape(METRICS_TOKEN)).text();
      return [...text.matchAll(/^pixelgate_generations\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    };
    clock += METRICS_REFRESH_MS; // a fresh window
    const before = await generationsOf();
    // A generation created after the window's read is not seen by its scrapes…
    const user = await createUser(app.services.db, { name: 'metrics-cache' });
    const userKey = (await createApiKey(app.services.db, user.id)).key;
    const created = await postGraphQL(
      app.url,
      'mutation { generateImage(input: { modelId: "flux-schnell", prompt: "a lamp" }) { id } }',
      {},
      userKey,
    );
    expect(created.errors).toBeUndefined();
    const during = await Promise.all(Array.from({ length: 10 }, () => generationsOf()));
    expect(new Set(during)).toEqual(new Set([before]));
    // …and is by the first scrape of the next window.
    clock += METRICS_REFRESH_MS;
    expect(await generationsOf()).toBe(before + 1);
  });
});

describe('CORS outside production without CORS_ORIGINS', () => {
  let app: TestApp;
  useTestApp((ready) => (app = ready));

  it('allows any origin, without credentials', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
