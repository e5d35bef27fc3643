/**
 * Every error a client sees carries an `extensions.code` from the contract (`ErrorCode`, listed in
 * docs/api.md), so clients branch on one field whatever refused the request. GraphQL's
 * own refusals — a document that does not parse or validate, a variable of the wrong type — have
 * none or one of Yoga's, so they are labelled BAD_USER_INPUT here: they are the caller's input,
 * and nothing was executed. Resolver errors already carry a code (unexpected ones are masked
 * with INTERNAL_SERVER_ERROR), so an error without one can only be such a refusal. Each also gets
 * `extensions.retryable` here when nothing before gave it one.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { withRetryable } from './errors.ts';

/** Yoga's own codes for requests and documents it refuses, kept as `reason` beside the contract's code. */
const DOCUMENT_ERROR_CODES = new Set(['BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

/** A refusal of the request or its document labelled BAD_USER_INPUT (Yoga's code kept as `reason`). */
export function withContractCode(error: GraphQLError): GraphQLError {
  const code = error.extensions?.code;
  if (code !== undefined && !DOCUMENT_ERROR_CODES.has(String(code))) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', ...(code ? { reason: code } : {}) },
  });
}

function isExecutionResult(value: unknown): value is ExecutionResult {
  return typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value) && !Array.isArray(value);
}

export function useInputErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (!isExecutionResult(result) || !result.errors?.length) return;
      setResult({
        ...result,
        errors: result.errors.map((error) => withRetryable(withContractCode(error as GraphQLError))),
      });
    },
  };
}
