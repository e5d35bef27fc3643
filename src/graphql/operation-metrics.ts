/**
 * `pixelgate_graphql_operations_total{operation}` over HTTP, SSE and WebSocket. The label is the
 * operation's name only for a trusted document — a set the operator registered, so the label's
 * values are bounded; any document sent as text counts under `(text)`, since a caller can name it
 * anything and every new name would be a new time series.
 */
import { Counter, type Registry } from 'prom-client';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.ts';

export const TEXT_OPERATION_LABEL = '(text)';
const UNNAMED_OPERATION_LABEL = '(unnamed)';

export function useOperationMetrics(registry: Registry): Plugin {
  const operations = new Counter({
    name: 'pixelgate_graphql_operations_total',
    help: 'GraphQL operations executed, by operation name for trusted documents and (text) for the rest.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const count = (context: unknown) => {
    const trusted = (context as Partial<GraphQLContext>).trustedDocument;
    operations.inc({ operation: trusted ? (trusted.operationName ?? UNNAMED_OPERATION_LABEL) : TEXT_OPERATION_LABEL });
  };
  return {
    onExecute: ({ args }) => count(args.contextValue),
    onSubscribe: ({ args }) => count(args.contextValue),
  };
}
