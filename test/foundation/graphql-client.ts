/**
 * A minimal typed GraphQL client for the foundation tests: documents come from the generated
 * `graphql()` (test/gql, `npm run codegen`), so results and variables are checked by tsc.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { GraphQLAnswer } from '../support/app.ts';

/** A GraphQL answer (the one error shape of test/support/app.ts) with its HTTP status. */
export interface GraphQLResponse<TData> extends GraphQLAnswer<TData | null> {
  readonly status: number;
}

export async function execute<TData, TVariables>(
  baseUrl: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
  token?: string,
): Promise<GraphQLResponse<TData>> {
  return postGraphQL<TData>(baseUrl, print(document), (variables ?? {}) as Record<string, unknown>, token);
}

/** For documents that must not be typed (invalid on purpose) and for raw headers. */
export async function postGraphQL<TData = Record<string, unknown>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  // The wire body: TData is the typed document's answer (execute), or the caller's for a string.
  const body = (await response.json()) as Omit<GraphQLResponse<TData>, 'status'>;
  return { status: response.status, ...body };
}

/** The single error's code; fails loudly when there is data or more than one error. */
export function errorCode(result: GraphQLResponse<unknown>): string | undefined {
  if (!result.errors || result.errors.length !== 1) {
    throw new Error(`expected exactly one error, got ${JSON.stringify(result)}`);
  }
  return result.errors[0]!.extensions?.code;
}
