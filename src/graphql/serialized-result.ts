/**
 * An execution result's JSON, computed once per result object however many times it is sent or
 * measured. Shared subscription execution (`shared-execution.ts`) hands one result object to every
 * subscriber of a (document, variables, viewer), so its bytes are made once for all of them: the
 * answer-size limit measures them, the WebSocket layer sends them, and Yoga's SSE responses
 * (`text/event-stream`) write the same text (`shareSerialization`).
 *
 * Keyed by identity in a WeakMap: the JSON lives as long as the result does, never beyond. Results
 * are never mutated after execution (plugins that change one replace it with a new object).
 */
import type { ExecutionResult } from 'graphql';

interface Serialized {
  readonly json: string;
  bytes?: Buffer;
}

const serialized = new WeakMap<ExecutionResult, Serialized>();

function serializedOf(result: ExecutionResult): Serialized {
  let entry = serialized.get(result);
  if (entry === undefined) {
    entry = { json: JSON.stringify(result) };
    serialized.set(result, entry);
  }
  return entry;
}

/** `JSON.stringify(result)`, made once per result (GraphQL errors through their `toJSON`). */
export function serializedJson(result: ExecutionResult): string {
  return serializedOf(result).json;
}

/** `JSON.stringify(result)` as UTF-8 bytes, made once per result. */
export function serializedResult(result: ExecutionResult): Buffer {
  const entry = serializedOf(result);
  entry.bytes ??= Buffer.from(entry.json);
  return entry.bytes;
}

/**
 * Lets Yoga's own result writers (SSE, and any HTTP answer) reuse the result's one serialization:
 * Yoga stringifies a result through its `stringify` property when it has one (the hook
 * graphql-jit uses). Yoga passes either the result itself — then the text is the cached JSON,
 * byte for byte what `JSON.stringify` gives — or, when it strips internal error extensions, a copy
 * of it, which is stringified as Yoga would. Not enumerable: the JSON does not change, and the
 * copies Yoga makes do not carry it.
 */
export function shareSerialization<T extends ExecutionResult>(result: T): T {
  if (typeof result !== 'object' || result === null || Object.isFrozen(result)) return result;
  Object.defineProperty(result, 'stringify', {
    value: (value: unknown) => (value === result ? serializedJson(result) : JSON.stringify(value)),
    enumerable: false,
  });
  return result;
}
