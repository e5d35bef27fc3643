/**
 * An execution result's JSON, computed once per result object however many times it is sent or
 * measured. Shared subscription execution (`shared-execution.ts`) hands one result object to every
 * subscriber of a (document, variables, viewer), so its bytes are made once for all of them: the
 * answer-size limit measures them and the WebSocket layer sends them.
 *
 * Keyed by identity in a WeakMap: the bytes live as long as the result does, never beyond. Results
 * are never mutated after execution (plugins that change one replace it with a new object).
 */
import type { ExecutionResult } from 'graphql';

const serialized = new WeakMap<ExecutionResult, Buffer>();

/** `JSON.stringify(result)` as UTF-8 bytes (GraphQL errors through their `toJSON`). */
export function serializedResult(result: ExecutionResult): Buffer {
  let bytes = serialized.get(result);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(result));
    serialized.set(result, bytes);
  }
  return bytes;
}
