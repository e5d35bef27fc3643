/**
 * Trusted documents on every transport. A request names a registered document by `documentId`
 * (GraphQL over HTTP), Relay's `doc_id` or Apollo's `extensions.persistedQuery.sha256Hash`, with or
 * without the `sha256:` prefix, in a POST body, a GET's query string, an SSE request or a
 * WebSocket `subscribe` (whose `query` is then empty). `TRUSTED_DOCUMENTS`:
 * - `off` (default): documents run from their text; an id is answered PERSISTED_QUERY_NOT_FOUND
 *   without a lookup (clients then send the text);
 * - `allow`: ids and text both run;
 * - `enforce`: a user key runs registered documents only (text is refused, FORBIDDEN with
 *   `reason: PERSISTED_QUERY_REQUIRED`); the admin token still runs text.
 * HTTP goes through Yoga's persisted-operations plugin; the WebSocket path parses its own payloads
 * and asks `documentSource` the same questions. A registered document is still validated and
 * limited like any other (it ran the same checks when it was registered).
 */
import { GraphQLError, Kind, parse, validate, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Viewer } from '../auth/viewer.ts';
import {
  findTrustedDocument,
  normalizedDocumentId,
  type DocumentCheck,
  type TrustedDocument,
} from '../trusted-documents/store.ts';
import type { Db } from '../db/index.ts';

export type TrustedDocumentsMode = 'off' | 'allow' | 'enforce';

/** What a context knows about the trusted document it runs (metrics label by its operation name). */
export interface TrustedDocumentRef {
  readonly id: string;
  readonly operationName: string | null;
}

/** Registration's check: the document parses, validates against the schema and has an operation. */
export function documentChecker(schema: GraphQLSchema): (body: string) => DocumentCheck {
  return (body) => {
    let document;
    try {
      document = parse(body);
    } catch (error) {
      return { refusal: `does not parse: ${(error as Error).message}` };
    }
    const errors = validate(schema, document);
    if (errors.length > 0) return { refusal: `does not validate: ${errors[0]!.message}` };
    const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    if (operations.length === 0) return { refusal: 'has no operation' };
    return { operationName: operations.length === 1 ? (operations[0]!.name?.value ?? null) : null };
  };
}

function extensionHash(extensions: unknown): unknown {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as Record<string, unknown>).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return undefined;
  return (persisted as Record<string, unknown>).sha256Hash;
}

/** The document id a request names (as sent), from its parameters or, for a GET, its query string. */
export function requestedDocumentId(params: Record<string, unknown>, url?: string): string | null {
  const search = url?.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : undefined;
  const candidates = [
    params.documentId,
    params.doc_id,
    extensionHash(params.extensions),
    search?.get('documentId'),
    search?.get('doc_id'),
  ];
  const found = candidates.find((candidate) => typeof candidate === 'string' && candidate !== '');
  return (found as string | undefined) ?? null;
}

const error = (message: string, extensions: Record<string, unknown>) => new GraphQLError(message, { extensions });

export class TrustedDocuments {
  constructor(
    readonly mode: TrustedDocumentsMode,
    private readonly find: (id: string) => Promise<TrustedDocument | null>,
  ) {}

  static fromDatabase(mode: TrustedDocumentsMode, db: Db): TrustedDocuments {
    return new TrustedDocuments(mode, (id) => findTrustedDocument(db, id));
  }

  notFound(): GraphQLError {
    return error(
      this.mode === 'off'
        ? 'This server runs documents from their text (TRUSTED_DOCUMENTS=off): send the query.'
        : 'No app version in force has registered a document with this id.',
      { code: 'PERSISTED_QUERY_NOT_FOUND', retryable: false },
    );
  }

  textRefused(): GraphQLError {
    return error('This server runs registered documents only: send a documentId instead of the query text.', {
      code: 'FORBIDDEN',
      reason: 'PERSISTED_QUERY_REQUIRED',
      retryable: false,
    });
  }

  noDocument(): GraphQLError {
    return error('Send the query text or the id of a registered document (documentId).', {
      code: 'BAD_USER_INPUT',
      retryable: false,
    });
  }

  /** The registered document named by `rawId`, or PERSISTED_QUERY_NOT_FOUND (off: without a lookup). */
  async lookUp(rawId: string): Promise<TrustedDocument> {
    const id = this.mode === 'off' ? null : normalizedDocumentId(rawId);
    const document = id === null ? null : await this.find(id);
    if (!document) throw this.notFound();
    return document;
  }

  /** Whether a caller may run a document from its text. */
  textAllowed(isAdmin: boolean): boolean {
    return this.mode !== 'enforce' || isAdmin;
  }
}

/** Where the HTTP path leaves the trusted document it found for the context (`server.ts`). */
export const TRUSTED_DOCUMENT = Symbol('trustedDocument');

/** HTTP (GET, POST, SSE): Yoga's persisted-operations plugin over `documents`. */
export function useTrustedDocuments(
  documents: TrustedDocuments,
  isAdmin: (authorization: string | null) => Promise<boolean>,
): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: (request) =>
      documents.mode !== 'enforce' || isAdmin(request.headers.get('authorization')),
    extractPersistedOperationId: (params, request) =>
      requestedDocumentId(
        params as unknown as Record<string, unknown>,
        request.method === 'GET' ? request.url : undefined,
      ),
    getPersistedOperation: async (id, _request, context) => {
      const document = await documents.lookUp(id);
      const ref: TrustedDocumentRef = { id: document.id, operationName: document.operationName };
      (context as Record<symbol, unknown>)[TRUSTED_DOCUMENT] = ref;
      return document.body;
    },
    customErrors: {
      notFound: () => documents.notFound(),
      persistedQueryOnly: () => documents.textRefused(),
      keyNotFound: () => documents.noDocument(),
    },
  });
}

/**
 * The WebSocket path's answer to the same questions: the text to run (sent, or registered under
 * the id sent) and the trusted document it is, or the error that refuses it.
 */
export async function documentSource(
  documents: TrustedDocuments,
  payload: Record<string, unknown>,
  viewer: Viewer | null,
): Promise<{ query: string; trusted?: TrustedDocumentRef } | GraphQLError> {
  if (typeof payload.query === 'string' && payload.query !== '') {
    return documents.textAllowed(viewer?.kind === 'admin') ? { query: payload.query } : documents.textRefused();
  }
  const id = requestedDocumentId(payload);
  if (id === null) return documents.noDocument();
  try {
    const document = await documents.lookUp(id);
    return { query: document.body, trusted: { id: document.id, operationName: document.operationName } };
  } catch (refusal) {
    if (refusal instanceof GraphQLError) return refusal;
    throw refusal;
  }
}
