/** What the trusted-documents tests (enforce and off) send: two documents, their ids, and a registration. */
import { createHash } from 'node:crypto';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { TEST_ADMIN_TOKEN, type GraphQLAnswer, type TestApp } from '../support/app.ts';
import { graphql } from '../gql/index.ts';

const TrustedModelsQuery = graphql(`
  query TrustedModels {
    models {
      id
    }
  }
`);

const TrustedViewerQuery = graphql(`
  query TrustedViewer {
    viewer {
      id
    }
  }
`);

/** The documents as the text that is registered and hashed (sent by id or as text, not typed by the sender). */
export const MODELS = print(TrustedModelsQuery);
export const VIEWER = print(TrustedViewerQuery);
export type TrustedModels = ResultOf<typeof TrustedModelsQuery>;
export type TrustedViewer = ResultOf<typeof TrustedViewerQuery>;
export const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * POSTs `body` as it is (text, an id, or neither): the shapes a client may send, which a typed
 * document cannot express; the answer is any registered document's (the studio's, the CLI's) or a refusal.
 */
export async function post(
  app: TestApp,
  body: Record<string, unknown>,
  token?: string,
): Promise<GraphQLAnswer<Record<string, unknown>>> {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as GraphQLAnswer<Record<string, unknown>>;
}

/** Registers `bodies` for the `phone` app at `version`, each under its SHA-256 id. */
export async function register(app: TestApp, version: string, bodies: string[]) {
  return app.graphql(
    'mutation ($input: RegisterDocumentsInput!) { registerDocuments(input: $input) { documents added } }',
    { input: { app: 'phone', version, documents: bodies.map((body) => ({ id: `sha256:${hash(body)}`, body })) } },
    TEST_ADMIN_TOKEN,
  );
}
