/** What the trusted-documents tests (enforce and off) send: two documents, their ids, and a registration. */
import { createHash } from 'node:crypto';
import { TEST_ADMIN_TOKEN, type TestApp } from '../support/app.ts';

export const MODELS = 'query TrustedModels { models { id } }';
export const VIEWER = 'query TrustedViewer { viewer { id } }';
export const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** POSTs `body` as it is (text, an id, or neither): the shapes a client may send. */
export async function post(app: TestApp, body: Record<string, unknown>, token?: string) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ extensions?: object }> };
}

/** Registers `bodies` for the `phone` app at `version`, each under its SHA-256 id. */
export async function register(app: TestApp, version: string, bodies: string[]) {
  return app.graphql(
    'mutation ($input: RegisterDocumentsInput!) { registerDocuments(input: $input) { documents added } }',
    { input: { app: 'phone', version, documents: bodies.map((body) => ({ id: `sha256:${hash(body)}`, body })) } },
    TEST_ADMIN_TOKEN,
  );
}
