/**
 * Text that no input may carry, refused in one place before anything executes: a NUL character
 * (Postgres text and jsonb cannot store it) and an unpaired UTF-16 surrogate (not Unicode at all:
 * jsonb refuses it, UTF-8 cannot encode it). Every argument of the operation is checked — literals
 * and variables, strings, IDs, enums' raw values and JSON (keys and values, at any depth) — so a
 * new string input is covered without a rule of its own. A refusal is BAD_USER_INPUT naming each
 * offending field by its argument path (`input.prompt`, `input.settings.style`, `reason`), as the
 * resolvers' own refusals do; nothing runs, so nothing is written or held.
 *
 * Runs in envelop (`onExecute`/`onSubscribe`), so HTTP and WebSocket operations alike.
 */
import { Kind, valueFromASTUntyped, visit, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { InvalidField } from '../refusal.ts';
import { badUserInput } from './errors.ts';

/** The most offending fields one refusal lists; a huge input full of them gets a short answer. */
const MAX_LISTED = 20;

/** A NUL, or (with the `u` flag, which reads surrogate pairs as one code point) a lone surrogate. */
const FORBIDDEN = /[\0\p{Cs}]/u;

function problemOf(text: string): string | undefined {
  const match = FORBIDDEN.exec(text);
  if (!match) return undefined;
  return match[0] === '\0'
    ? 'must not contain a NUL character (U+0000)'
    : 'must be valid Unicode: it contains an unpaired surrogate (U+D800–U+DFFF)';
}

/** Problems in one argument's value; iterative, so a deeply nested JSON value cannot exhaust the stack. */
function problemsIn(root: unknown, rootPath: string, into: Map<string, string>): void {
  const pending: Array<[unknown, string]> = [[root, rootPath]];
  while (pending.length > 0 && into.size < MAX_LISTED) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      const problem = problemOf(value);
      if (problem && !into.has(path)) into.set(path, problem);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push([item, `${path}.${index}`]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        const keyProblem = problemOf(key);
        if (keyProblem && !into.has(path)) into.set(path, `has a key that ${keyProblem}`);
        pending.push([item, `${path}.${keyProblem ? JSON.stringify(key) : key}`]);
      }
    }
  }
}

/** The refusal for an operation's arguments, or undefined when all their text is fine. */
export function malformedTextError(
  document: DocumentNode,
  variableValues: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError | undefined {
  const problems = new Map<string, string>();
  const variables = variableValues ?? {};
  visit(document, {
    [Kind.ARGUMENT]: (node) => {
      if (problems.size >= MAX_LISTED) return false;
      problemsIn(valueFromASTUntyped(node.value, variables), node.name.value, problems);
      return false;
    },
  });
  if (problems.size === 0) return undefined;
  const fields: InvalidField[] = [...problems].map(([path, message]) => ({ path, message }));
  return badUserInput(fields.map((field) => `${field.path} ${field.message}.`).join(' '), fields);
}

export function useWellFormedText(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = malformedTextError(args.document, args.variableValues);
      if (refusal) setResultAndStopExecution({ data: null, errors: [refusal] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = malformedTextError(args.document, args.variableValues);
      if (refusal) setResultAndStopExecution({ data: null, errors: [refusal] });
    },
  };
}
