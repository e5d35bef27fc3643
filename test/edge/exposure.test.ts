/**
 * Production exposure (issue 11, row "NODE_ENV=production"): no introspection, no suggestions,
 * no request body echoed in errors, /metrics closed, CORS only for allowed origins and never with
 * credentials, only JSON POSTs and GET queries executed. /metrics behind its token and cached:
 * exposure-metrics; CORS outside production: exposure-cors-development.
 */
import { randomUUID } from 'node:crypto';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { getIntrospectionQuery, print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { postGraphQL } from '../foundation/graphql-client.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { graphql } from '../gql/index.ts';

/** The simulator signs its webhooks with this secret, and the production gateway checks them with it. */
const WEBHOOK_SECRET = `whsec_${Buffer.from('exposure-test-webhook-signing-key').toString('base64')}`;

test.override('setup', {
  env: {
    NODE_ENV: 'production',
    REPLICATE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    CORS_ORIGINS: 'https://app.example.test, https://admin.example.test',
  },
  simulator: { webhookSecret: WEBHOOK_SECRET },
});

/** Sent as a GET query string, where a GET query is executed. */
const ExposureModelsQuery = graphql(`
  query ExposureModels {
    models {
      id
    }
  }
`);

describe('production', () => {
  test('refuses introspection (BAD_USER_INPUT) and still answers ordinary queries', async ({ app }) => {
    const result = await postGraphQL(app.url, getIntrospectionQuery());
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/introspection/i);
    const typeQuery = await postGraphQL(app.url, '{ __type(name: "Generation") { fields { name } } }');
    expect(typeQuery.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const ordinary = await postGraphQL<{ models: unknown[] }>(app.url, '{ models { id } }');
    expect(ordinary.data?.models.length).toBeGreaterThan(0);
  });

  test('refuses introspection over WebSocket too', async ({ app, key }) => {
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

  test('masks "Did you mean" in validation and variable errors', async ({ app, key }) => {
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

  test('never echoes a malformed JSON body', async ({ app }) => {
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

  test('serves no /metrics without METRICS_TOKEN', async ({ app }) => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
  });

  test('answers CORS only for allowed origins, never with credentials', async ({ app }) => {
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

  test('executes JSON POSTs and GET queries only: form and multipart POSTs are refused (415) and run nothing', async ({
    app,
    key,
  }) => {
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

    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent(print(ExposureModelsQuery))}`);
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data: ResultOf<typeof ExposureModelsQuery> }).data.models.length).toBeGreaterThan(
      0,
    );
    const graphqlResponse = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ models { id } }' }),
    });
    expect(graphqlResponse.status).toBe(200);
    expect(graphqlResponse.headers.get('content-type')).toContain('application/graphql-response+json');
  });
});
