/**
 * pixelgate's public API from the browser: queries and mutations over HTTP POST /graphql,
 * subscriptions over graphql-ws on the same path (the key in `connection_init`).
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

export class Api {
  private ws: Client | null = null;

  constructor(private readonly key: string | null) {}

  private get authorization(): Record<string, string> {
    return this.key ? { authorization: `Bearer ${this.key}` } : {};
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
        body: JSON.stringify({ query: document.toString(), variables }),
      });
    } catch {
      throw new ApiError('pixelgate cannot be reached. Is the gateway running?', undefined);
    }
    const body = (await response.json().catch(() => ({}))) as GraphQLResponse<TResult>;
    const error = firstError(body.errors);
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
    return this.ws.subscribe<TResult>(
      { query: document.toString(), variables: variables as Record<string, unknown> },
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
