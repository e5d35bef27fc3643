/**
 * Trusted documents under TRUSTED_DOCUMENTS=enforce: registered per app version (admin mutation),
 * named by id over GET, POST, SSE and WebSocket in every spelling clients use, refused as text for
 * user keys, revoked at once, and counted in Prometheus by operation name only when trusted.
 * TRUSTED_DOCUMENTS=off and the CLI's manifests: trusted-documents-off.test.ts.
 */
import { STUDIO_APP, TERMINAL_CLIENT_APP } from '../../src/built-in-documents.ts';
import { DocumentSender } from '../../src/cli/client-documents.ts';
import studioDocuments from '../../studio/src/gql/persisted-documents.json' with { type: 'json' };
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import type { GraphQLErrorShape } from '../support/env.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { connect } from '../support/sockets.ts';
import { hash, MODELS, post, register, VIEWER, type TrustedModels, type TrustedViewer } from './trusted-documents.ts';

test.override('setup', {
  simulator: false,
  env: { TRUSTED_DOCUMENTS: 'enforce' },
  gateway: { runWorker: false },
  user: { name: 'Phone', dailyBudgetMicros: 1_000_000 },
});

describe('TRUSTED_DOCUMENTS=enforce', () => {
  test('registers per app version, all or nothing: a wrong hash or an invalid document writes nothing', async ({
    app,
    key,
  }) => {
    const refused = await app.graphql(
      'mutation ($input: RegisterDocumentsInput!) { registerDocuments(input: $input) { documents } }',
      {
        input: {
          app: 'phone',
          version: '1.0.0',
          documents: [
            { id: hash(MODELS), body: MODELS },
            { id: hash('x'), body: VIEWER },
            { id: hash('{ nope }'), body: '{ nope }' },
          ],
        },
      },
      TEST_ADMIN_TOKEN,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      invalidFields: [
        { path: 'documents.1.id', message: expect.stringContaining('SHA-256') },
        { path: 'documents.2.body', message: expect.stringContaining('does not validate') },
      ],
    });
    expect(await app.services.db.selectFrom('trusted_app_versions').where('app', '=', 'phone').execute()).toEqual([]);

    const registered = await register(app, '1.0.0', [MODELS, VIEWER]);
    expect(registered.data).toEqual({ registerDocuments: { documents: 2, added: 2 } });
    expect((await register(app, '1.0.0', [MODELS])).data).toEqual({ registerDocuments: { documents: 1, added: 0 } });
    const byUser = await register(app, '1.0.1', [MODELS]).then(() =>
      post(app, { query: '{ trustedAppVersions { app } }' }, key),
    );
    expect(byUser.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  test('runs a registered document named by documentId, doc_id or persistedQuery, with or without sha256:', async ({
    app,
    key,
  }) => {
    const id = hash(MODELS);
    for (const body of [
      { documentId: id },
      { documentId: `sha256:${id}` },
      { doc_id: id },
      { extensions: { persistedQuery: { version: 1, sha256Hash: id } } },
    ]) {
      const answer = await post(app, body, key);
      expect(answer.errors, JSON.stringify(body)).toBeUndefined();
      expect(answer.data?.models).toEqual(expect.any(Array));
    }
    const get = await fetch(`${app.url}/graphql?documentId=sha256:${id}`, {
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    });
    expect(((await get.json()) as { data: TrustedModels }).data.models).toEqual(expect.any(Array));
    const sse = await fetch(`${app.url}/graphql?documentId=${id}`, {
      headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    });
    expect(await sse.text()).toContain('"models"');
  });

  test('refuses text from a user key (the admin token still runs text) and answers PERSISTED_QUERY_NOT_FOUND for an unknown id', async ({
    app,
    key,
  }) => {
    const text = await post(app, { query: MODELS }, key);
    expect(text.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'PERSISTED_QUERY_REQUIRED',
      retryable: false,
    });
    expect((await post(app, { query: MODELS }, TEST_ADMIN_TOKEN)).data?.models).toEqual(expect.any(Array));
    const unknown = await post(app, { documentId: hash('query Other { models { name } }') }, key);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND', retryable: false });
    const neither = await post(app, { variables: {} }, key);
    expect(neither.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  test('names documents by id over WebSocket too, and refuses text there', async ({ app, key }) => {
    const { raw, acknowledged } = await connect(app, { authorization: `Bearer ${key}` });
    expect(acknowledged).toBe(true);
    try {
      const id = hash(VIEWER);
      raw.send({ id: '1', type: 'subscribe', payload: { query: '', documentId: `sha256:${id}` } });
      const byId = (await raw.next((message) => message.id === '1' && message.type === 'next')) as {
        payload: { data: TrustedViewer };
      };
      expect(byId.payload.data.viewer.id).toEqual(expect.any(String));
      raw.send({
        id: '2',
        type: 'subscribe',
        payload: { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: hash(MODELS) } } },
      });
      await raw.next((message) => message.id === '2' && message.type === 'next');
      raw.send({ id: '3', type: 'subscribe', payload: { query: MODELS } });
      // Raw refusal frames (text and an unknown id, on purpose): the shared error shape.
      const text = (await raw.next((message) => message.id === '3' && message.type === 'error')) as {
        payload: Required<GraphQLErrorShape>[];
      };
      expect(text.payload[0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PERSISTED_QUERY_REQUIRED' });
      raw.send({ id: '4', type: 'subscribe', payload: { query: '', documentId: hash('nope') } });
      const unknown = (await raw.next((message) => message.id === '4' && message.type === 'error')) as {
        payload: Required<GraphQLErrorShape>[];
      };
      expect(unknown.payload[0]!.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND' });
    } finally {
      raw.socket.close();
    }
  });

  test('labels Prometheus operations by name only for trusted documents', async ({ app, key }) => {
    await post(app, { documentId: hash(MODELS) }, key);
    await post(app, { query: 'query AnyNameACallerLikes { models { id } }' }, TEST_ADMIN_TOKEN);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/pixelgate_graphql_operations_total\{operation="TrustedModels"\} [1-9]/);
    expect(metrics).toMatch(/pixelgate_graphql_operations_total\{operation="\(text\)"\} [1-9]/);
    expect(metrics).not.toContain('AnyNameACallerLikes');
  });

  test('revoking a version stops its documents at once, keeping those another version ships', async ({ app, key }) => {
    const revoked = await app.graphql(
      'mutation { revokeAppVersion(app: "phone", version: "1.0.0") }',
      {},
      TEST_ADMIN_TOKEN,
    );
    // VIEWER was only in 1.0.0; MODELS is also in 1.0.1.
    expect(revoked.data).toEqual({ revokeAppVersion: 1 });
    const gone = await post(app, { documentId: hash(VIEWER) }, key);
    expect(gone.errors?.[0]?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND' });
    expect((await post(app, { documentId: hash(MODELS) }, key)).data?.models).toEqual(expect.any(Array));
    const again = await app.graphql(
      'mutation { revokeAppVersion(app: "phone", version: "1.0.0") }',
      {},
      TEST_ADMIN_TOKEN,
    );
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  test("registers the studio's and the terminal client's own documents at start, so they run by id", async ({
    app,
    key,
  }) => {
    const apps = await app.services.db.selectFrom('trusted_app_versions').select('app').execute();
    expect(apps.map((row) => row.app)).toEqual(expect.arrayContaining([STUDIO_APP, TERMINAL_CLIENT_APP]));
    const studioModels = Object.entries(studioDocuments).find(([, body]) => body.startsWith('query StudioModels'))!;
    expect((await post(app, { documentId: studioModels[0] }, key)).data?.models).toEqual(expect.any(Array));
    const estimate = await post(
      app,
      { ...new DocumentSender().http('estimate'), variables: { input: { modelId: 'flux-schnell', count: 1 } } },
      key,
    );
    expect(estimate.errors).toBeUndefined();
    expect(estimate.data?.estimateCost).toMatchObject({ totalUsd: expect.any(String) });
  });
});
