/**
 * Operation limits, checked before anything executes, for HTTP and WebSocket operations alike
 * (server.ts runs graphql-ws operations through Yoga's envelop, so these plugins see both):
 *
 * - tokens (document size): counted while parsing, so a huge document stops at the limit;
 * - depth, aliases and directives: validation rules, cached with the document by Yoga;
 * - cost: each field costs 1 and list fields multiply their selection (`complexity` on the
 *   field: `models` by the catalog size, `images` by the most images a generation can have,
 *   pages by their `first`, other lists by 10). It depends on the variables, so it is measured at
 *   execution start, before any resolver runs;
 * - the answer's size, as the last line: an answer over the limit is replaced by an error.
 *
 * The counting is graphql-armor's (tokens, depth, aliases, directives) and Pothos' complexity
 * plugin's (cost); a refusal is QUERY_TOO_COMPLEX naming the limit, its maximum and what the
 * operation measured.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { catalogVersion } from '../catalog/models.ts';
import {
  GraphQLError,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { OperationLimits } from '../config.ts';
import { contractError } from './errors.ts';
import { serializedResult } from './serialized-result.ts';

type LimitName = 'tokens' | 'depth' | 'aliases' | 'directives' | 'cost' | 'responseBytes';

/** The environment variable of each limit, named in refusals so an operator knows what to change. */
const SETTING: Record<LimitName, string> = {
  tokens: 'GRAPHQL_MAX_TOKENS',
  depth: 'GRAPHQL_MAX_DEPTH',
  aliases: 'GRAPHQL_MAX_ALIASES',
  directives: 'GRAPHQL_MAX_DIRECTIVES',
  cost: 'GRAPHQL_MAX_COST',
  responseBytes: 'GRAPHQL_MAX_RESPONSE_BYTES',
};

const MEASURED: Record<LimitName, (found: number, maximum: number) => string> = {
  tokens: (_found, maximum) => `the document has more than ${maximum} tokens`,
  depth: (found) => `its selections nest ${found} deep`,
  aliases: (found) => `it has ${found} aliases`,
  directives: (found) => `it has ${found} directives`,
  cost: (found) => `its cost is ${found}`,
  responseBytes: (found) => `its answer is ${found} bytes`,
};

export function queryTooComplex(limit: LimitName, maximum: number, found: number, advice: string): GraphQLError {
  return new GraphQLError(
    `Operation refused: ${MEASURED[limit](found, maximum)}, over the limit of ${maximum} (${SETTING[limit]}). ${advice}`,
    { extensions: { code: 'QUERY_TOO_COMPLEX', limit, maximum, found } },
  );
}

/** graphql-armor reports the measured value only inside its message ("…, found 12."). */
function foundIn(error: GraphQLError): number {
  return Number(/found (\d+)/.exec(error.message)?.[1] ?? Number.NaN);
}

function armorRule(
  limit: 'depth' | 'aliases' | 'directives',
  maximum: number,
  advice: string,
  rule: (options: {
    n: number;
    propagateOnRejection: boolean;
    onReject: Array<(context: ValidationContext | null, error: GraphQLError) => void>;
  }) => ValidationRule,
): ValidationRule {
  return rule({
    n: maximum,
    propagateOnRejection: false,
    onReject: [(context, error) => context?.reportError(queryTooComplex(limit, maximum, foundIn(error), advice))],
  });
}

/**
 * The answer as it will be sent: error masking (after this plugin) turns a domain error into its
 * contract error, which may add `invalidFields`; unexpected errors only shrink to "Unexpected error.".
 */
function answerBytes(result: ExecutionResult): number {
  // Shared by every subscriber of one shared execution, and by the WebSocket layer that sends it.
  if (!result.errors?.length) return serializedResult(result).length;
  const errors = result.errors.map((error) => contractError(error) ?? error);
  return Buffer.byteLength(JSON.stringify({ ...result, errors }));
}

function answerTooLarge(limits: OperationLimits, result: ExecutionResult): ExecutionResult | undefined {
  const bytes = answerBytes(result);
  if (bytes <= limits.maxResponseBytes) return undefined;
  return {
    data: null,
    errors: [
      queryTooComplex(
        'responseBytes',
        limits.maxResponseBytes,
        bytes,
        'Select fewer fields or ask for a smaller page.',
      ),
    ],
  };
}

/** The depth, alias and directive limits as validation rules (static: Yoga caches them with the document). */
export function limitValidationRules(limits: OperationLimits): ValidationRule[] {
  return [
    armorRule('depth', limits.maxDepth, 'Select less deeply nested fields.', maxDepthRule),
    armorRule('aliases', limits.maxAliases, 'Send fewer aliased fields.', maxAliasesRule),
    armorRule('directives', limits.maxDirectives, 'Use fewer directives.', maxDirectivesRule),
  ];
}

/**
 * The cost of the operation that will run (the named one, else the only one), with its variables;
 * undefined when the variables do not fit it (execution reports that as usual).
 */
export function operationCost(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  variableValues?: Record<string, unknown> | null;
  operationName?: string | null;
  contextValue?: unknown;
}): number | undefined {
  let cost: number | undefined;
  const rule = createComplexityRule({
    context: (args.contextValue ?? {}) as object,
    variableValues: args.variableValues ?? {},
    operationName: args.operationName,
    onResult: ({ complexity }) => {
      cost = Math.max(cost ?? 0, complexity);
    },
  });
  validate(args.schema, args.document, [rule]);
  return cost;
}

/** Variables longer than this (as JSON) are costed afresh each time rather than remembered. */
const MAX_REMEMBERED_VARIABLES_LENGTH = 1_024;
/** Costs remembered per document (one per operation name and variables). */
const MAX_COSTS_PER_DOCUMENT = 64;

/**
 * `operationCost`, remembered per parsed document (Yoga's parse cache hands the same object to
 * every request with the same text), operation name, variables and catalog version: every field's
 * complexity here is a function of its arguments and of the catalog (list multipliers such as
 * `Generation.images` follow the models it holds), never of the viewer, so the same operation with
 * the same variables costs the same until the catalog changes. Bounded: documents are weak keys,
 * and each keeps at most `MAX_COSTS_PER_DOCUMENT` costs of short variables.
 */
function rememberedCost(): (args: Parameters<typeof operationCost>[0]) => number | undefined {
  const costs = new WeakMap<DocumentNode, Map<string, number | undefined>>();
  return (args) => {
    const key = `${catalogVersion()}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}`;
    if (key.length > MAX_REMEMBERED_VARIABLES_LENGTH) return operationCost(args);
    let known = costs.get(args.document);
    if (known?.has(key)) return known.get(key);
    const cost = operationCost(args);
    if (!known) costs.set(args.document, (known = new Map()));
    if (known.size >= MAX_COSTS_PER_DOCUMENT) known.delete(known.keys().next().value!);
    known.set(key, cost);
    return cost;
  };
}

export function useOperationLimits(limits: OperationLimits): Plugin[] {
  const rules = limitValidationRules(limits);
  const costOf = rememberedCost();
  const costRefusal = (args: Parameters<typeof operationCost>[0]): GraphQLError | undefined => {
    const cost = costOf(args);
    if (cost === undefined || cost <= limits.maxCost) return undefined;
    return queryTooComplex('cost', limits.maxCost, cost, 'Ask for smaller pages, fewer nested lists or fewer fields.');
  };

  return [
    maxTokensPlugin({
      n: limits.maxTokens,
      propagateOnRejection: false,
      onReject: [
        () => {
          throw queryTooComplex('tokens', limits.maxTokens, limits.maxTokens + 1, 'Send a smaller document.');
        },
      ],
    }),
    {
      onValidate({ addValidationRule }) {
        for (const rule of rules) addValidationRule(rule);
      },
      onExecute({ args, setResultAndStopExecution }) {
        const refusal = costRefusal(args);
        if (refusal) {
          setResultAndStopExecution({ data: null, errors: [refusal] });
          return;
        }
        return {
          onExecuteDone: (payload) =>
            handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
              const replacement = answerTooLarge(limits, result);
              if (replacement) setResult(replacement);
            }),
        };
      },
      onSubscribe({ args, setResultAndStopExecution }) {
        const refusal = costRefusal(args);
        if (refusal) {
          setResultAndStopExecution({ data: null, errors: [refusal] });
          return;
        }
        return {
          onSubscribeResult: (payload) =>
            handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
              const replacement = answerTooLarge(limits, result);
              if (replacement) setResult(replacement);
            }),
        };
      },
    },
  ];
}
