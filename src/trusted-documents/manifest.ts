/**
 * The two files apps ship their documents in: graphql-codegen's `persisted-documents.json`
 * (client-preset `persistedDocuments`: `{ "<sha256>": "<document>" }`) and an Apollo persisted-query
 * manifest (`{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ id, body }] }`).
 */
import { DocumentRegistrationError } from './errors.ts';
import type { DocumentInput } from './store.ts';

const APOLLO_FORMAT = 'apollo-persisted-query-manifest';

function apolloOperations(manifest: Record<string, unknown>): DocumentInput[] {
  const operations = manifest.operations;
  if (manifest.version !== 1 || !Array.isArray(operations)) {
    throw new DocumentRegistrationError('An Apollo manifest needs "version": 1 and an "operations" list.');
  }
  return operations.map((operation: unknown, index) => {
    const { id, body } = (operation ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || typeof body !== 'string') {
      throw new DocumentRegistrationError(`operations[${index}] needs a string "id" and "body".`);
    }
    return { id, body };
  });
}

/** The documents in a parsed manifest of either kind; refuses anything else, naming what it expected. */
export function documentsOfManifest(manifest: unknown): DocumentInput[] {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new DocumentRegistrationError(
      'Expected graphql-codegen persisted-documents.json ({"<sha256>": "<document>"}) or an Apollo persisted-query manifest.',
    );
  }
  const record = manifest as Record<string, unknown>;
  if (record.format === APOLLO_FORMAT) return apolloOperations(record);
  return Object.entries(record).map(([id, body]) => {
    if (typeof body !== 'string') {
      throw new DocumentRegistrationError(`"${id.slice(0, 80)}": expected the document's text as a string.`);
    }
    return { id, body };
  });
}
