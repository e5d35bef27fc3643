/**
 * pixelgate's public API from the browser: queries and mutations over HTTP POST /graphql,
 * subscriptions over graphql-ws on the same path (the key in `connection_init`). Documents are
 * sent by id (graphql-codegen's persisted documents, which the server registers at start); a
 * server that answers PERSISTED_QUERY_NOT_FOUND (TRUSTED_DOCUMENTS=off) gets the text from then on.
 */
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './gql/graphql.ts';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

function firstError(errors: GraphQLResponse<unknown>['errors']): ApiError | null {
  const error = errors?.[0];
  return error ? new ApiError(error.message, error.extensions?.code) : null;
}

/** The document's sha256 id (`sha256:<hex>`), from codegen's persisted-documents metadata. */
const idOf = (document: { __meta__?: Record<string, unknown> }): string | undefined =>
  (document.__meta__ as { hash?: string } | undefined)?.hash;

export class Api {
  private ws: Client | null = null;
  private byId = true;

  constructor(private readonly key: string | null) {}

  private get authorization(): Record<string, string> {
    return this.key ? { authorization: `Bearer ${this.key}` } : {};
  }

  private documentOf(document: {
    __meta__?: Record<string, unknown>;
    toString(): string;
  }): { documentId: string } | { query: string } {
    const id = idOf(document);
    return this.byId && id ? { documentId: id } : { query: document.toString() };
  }

  async request<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<TResult> {
    let response: Response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...this.authorization },
        body: JSON.stringify({ ...this.documentOf(document), variables }),
      });
    } catch {
      throw new ApiError('pixelgate cannot be reached. Is the gateway running?', undefined);
    }
    const body = (await response.json().catch(() => ({}))) as GraphQLResponse<TResult>;
    const error = firstError(body.errors);
    if (error?.code === 'PERSISTED_QUERY_NOT_FOUND' && this.byId) {
      this.byId = false;
      return this.request(document, ...([variables] as never));
    }
    if (error) throw error;
    if (!body.data) throw new ApiError(`Unexpected answer from pixelgate (HTTP ${response.status}).`, undefined);
    return body.data;
  }

  /** Follows a subscription until it completes or the returned function is called. */
  subscribe<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
    onData: (data: TResult) => void,
    onError: (error: ApiError) => void,
  ): () => void {
    this.ws ??= createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      connectionParams: this.key ? { authorization: `Bearer ${this.key}` } : {},
      retryAttempts: 5,
      lazy: true,
    });
    // By id once HTTP requests showed the server knows the ids (graphql-ws needs a string query).
    const id = idOf(document);
    const payload =
      this.byId && id
        ? { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: id.replace(/^sha256:/, '') } } }
        : { query: document.toString() };
    return this.ws.subscribe<TResult>(
      { ...payload, variables: variables as Record<string, unknown> },
      {
        next: (result) => {
          const error = firstError(result.errors as GraphQLResponse<unknown>['errors']);
          if (error) onError(error);
          else if (result.data) onData(result.data);
        },
        error: (error) =>
          onError(
            Array.isArray(error)
              ? (firstError(error) ?? new ApiError('Subscription failed.', undefined))
              : new ApiError('The live connection to pixelgate closed.', undefined),
          ),
        complete: () => undefined,
      },
    );
  }

  close(): void {
    void this.ws?.dispose();
    this.ws = null;
  }
}
