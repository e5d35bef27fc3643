/**
 * What the GraphQL endpoint tells a stranger about the schema: introspection can be turned off
 * (off by default in production), and "Did you mean …" suggestions — which leak field, argument
 * and enum names one guess at a time — are removed from every error message in production.
 * Both run in envelop, so HTTP and WebSocket operations are treated alike.
 */
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

/** graphql-js appends suggestions as one sentence: `Did you mean "x"?`, `Did you mean the enum value "X"?`. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function withoutSuggestion<E extends Error>(error: E): E | GraphQLError {
  if (!(error instanceof GraphQLError)) return error;
  const message = error.message.replace(SUGGESTION, '');
  if (message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

function maskResult(result: ExecutionResult, setResult: (result: ExecutionResult) => void) {
  if (result.errors?.length) setResult({ ...result, errors: result.errors.map(withoutSuggestion) });
}

export function useSchemaExposure(options: { introspection: boolean; suggestions: boolean }): Plugin {
  return {
    onValidate({ addValidationRule }) {
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      if (options.suggestions) return;
      return ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map(withoutSuggestion));
      };
    },
    // Variables and arguments are coerced during execution; their errors carry suggestions too.
    onExecute() {
      if (options.suggestions) return;
      return {
        onExecuteDone: (payload) =>
          handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => maskResult(result, setResult)),
      };
    },
    onSubscribe() {
      if (options.suggestions) return;
      return {
        onSubscribeResult: (payload) =>
          handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => maskResult(result, setResult)),
      };
    },
  };
}
