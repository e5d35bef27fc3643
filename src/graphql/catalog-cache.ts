/**
 * The public catalog answers from memory: a query whose every root field is a catalog field
 * (`models`, `model`, `estimateCost`, `recommendModel`) and that carries no `Authorization`
 * header is served by Yoga's response cache — no parse, validation, context or execution on a
 * hit. Without a caller those fields are pure functions of their arguments and of the catalog
 * in force, whose version (`catalogVersion`, bumped by every reload: `catalog/sync.ts`) is part of
 * each key, so a cached answer is the answer and a catalog change is seen by the next request.
 *
 * Never anything viewer-specific: the cache is on only for documents whose root fields are all
 * on that allowlist (checked on the parsed document, fragments at the root refused), and only
 * without a credential — a request with a key, even a catalog query, runs as before (so a revoked
 * key is still refused). Answers with errors are not cached (the library's default). Bounded:
 * at most `MAX_CACHED_ANSWERS` answers, and the classification of at most `MAX_CLASSIFIED`
 * documents of at most `MAX_CLASSIFIED_LENGTH` characters.
 */
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { createHash } from 'node:crypto';
import { createInMemoryCache, useResponseCache } from '@graphql-yoga/plugin-response-cache';
import { catalogVersion } from '../catalog/models.ts';

const PUBLIC_ROOT_FIELDS = new Set(['models', 'model', 'estimateCost', 'recommendModel', '__typename']);
const MAX_CACHED_ANSWERS = 1_000;
const MAX_CLASSIFIED = 1_000;
const MAX_CLASSIFIED_LENGTH = 4_096;
/** Keys change with the catalog; a bounded lifetime all the same. */
const TTL_MS = 10 * 60_000;

/** Whether the operation reads only the public catalog. */
export function isPublicCatalogOperation(query: string, operationName: string | null | undefined): boolean {
  let document;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return false;
  }
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((candidate) => candidate.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!operation || operation.operation !== 'query') return false;
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && PUBLIC_ROOT_FIELDS.has(selection.name.value),
  );
}

/**
 * The answer's cache key: the operation and its variables as JSON — itself when short (a cached
 * catalog answer's hashing was ~3 % of its CPU), else its SHA-256 (synchronous: the library's
 * default, WebCrypto's async digest, was ~10 %), so 1,000 keys stay small. A JSON key starts
 * with `[`, which base64url never contains: the two kinds cannot collide.
 */
function cacheKey(documentString: string, operationName: string | null | undefined, variables: unknown): string {
  // The catalog's version first: answers from before a catalog change are never served after it.
  const key = JSON.stringify([catalogVersion(), documentString, operationName ?? null, variables ?? null]);
  return key.length <= MAX_CLASSIFIED_LENGTH ? key : createHash('sha256').update(key).digest('base64url');
}

export function useCatalogCache(): Plugin {
  const classified = new Map<string, boolean>();
  const cacheable = new WeakSet<Request>();

  function classify(query: string, operationName: string | null | undefined): boolean {
    if (query.length > MAX_CLASSIFIED_LENGTH) return false;
    const key = `${operationName ?? ''}\n${query}`;
    let verdict = classified.get(key);
    if (verdict === undefined) {
      verdict = isPublicCatalogOperation(query, operationName);
      if (classified.size >= MAX_CLASSIFIED) classified.delete(classified.keys().next().value!);
      classified.set(key, verdict);
    }
    return verdict;
  }

  return {
    // Runs before the response cache's own onParams (plugins run in order): marks the request.
    onParams({ params, request }) {
      if (
        typeof params.query === 'string' &&
        !request.headers.has('authorization') &&
        classify(params.query, params.operationName)
      ) {
        cacheable.add(request);
      }
    },
    onPluginInit({ addPlugin }) {
      addPlugin(
        useResponseCache({
          session: () => null,
          enabled: (request) => cacheable.has(request),
          // Other operations never touch the cache: no key for them.
          buildResponseCacheKey: ({ request, documentString, operationName, variableValues }) =>
            cacheable.has(request) ? cacheKey(documentString, operationName, variableValues) : '',
          cache: createInMemoryCache({ max: MAX_CACHED_ANSWERS }),
          ttl: TTL_MS,
          invalidateViaMutation: false,
        }),
      );
    },
  };
}
