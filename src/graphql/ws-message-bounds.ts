/**
 * WebSocket messages bounded before they are parsed, as HTTP bodies are (request-bounds.ts): `ws`
 * caps a message's size (`maxPayload`), and here its nesting and values are read off the text
 * (`jsonBoundsCuts`) before graphql-ws runs JSON.parse on it — parsing 58 KB nested 29,000 deep
 * costs ~40 ms of a core per message, and graphql-ws would then JSON.stringify a `ping`'s payload
 * back in its `pong` and overflow the stack (closing 4500).
 *
 * A message has no answer of its own, so nothing in it past the bounds is read: it is cut to `null`
 * before parsing.
 * - A `subscribe` whose `variables` or `extensions` pass the bounds is refused for its id with the
 *   same error as when the parsed values are walked (BAD_USER_INPUT, `VARIABLES_TOO_LARGE`): the
 *   cut is noted here, and the operation's `onSubscribe` takes it (`takeMessageRefusal`).
 * - Nesting anywhere else past the variables' depth (plus the two levels of the message and its
 *   payload) is never something the gateway reads — `connection_init`'s `authorization` is at most
 *   two levels down — so it reads as `null`: a `connection_init` is still acknowledged, a `ping`
 *   answered.
 * - A text whose cut part is not JSON goes on as an empty text, which graphql-ws refuses as it
 *   refuses any bad message (close 4400), without parsing the rest.
 */
import type { GraphQLError } from 'graphql';
import type { RawData, WebSocket } from 'ws';
import { jsonBoundsCuts } from './json-scan.ts';
import { SCAN_BOUNDS, variablesTooLarge } from './request-bounds.ts';

/** The members of a message that nest, by their path, and what a refusal calls them. */
const BOUNDED_MEMBERS = { 'payload.variables': 'the variables', 'payload.extensions': 'the extensions' } as const;

/** A socket's refused operations by id, until their `onSubscribe` takes them. */
const refusals = new WeakMap<WebSocket, Map<string, GraphQLError>>();

/**
 * The message's text with every value past the bounds cut to `null`, and the refusal of the first
 * bounded value (variables or extensions) cut, if any.
 */
export function boundedMessage(text: string): { text: string; refusal?: GraphQLError } {
  const cuts = jsonBoundsCuts(text, SCAN_BOUNDS, BOUNDED_MEMBERS);
  if (cuts === undefined) return { text: '' };
  if (cuts.length === 0) return { text };
  let kept = '';
  let from = 0;
  for (const cut of cuts) {
    kept += `${text.slice(from, cut.start)}null`;
    from = cut.end;
  }
  kept += text.slice(from);
  const refused = cuts.find((cut) => cut.inBoundedValue);
  return { text: kept, refusal: refused && variablesTooLarge(refused.problem) };
}

/**
 * Puts the bounds in front of graphql-ws's message listener on `socket` (call it after
 * `useServer`'s `connection` listener has added its own): each message reaches graphql-ws as
 * `boundedMessage` leaves it.
 */
export function boundMessagesBeforeParse(socket: WebSocket): void {
  const listeners = socket.listeners('message') as Array<(data: RawData | string, isBinary: boolean) => void>;
  socket.removeAllListeners('message');
  socket.on('message', (data: RawData, isBinary: boolean) => {
    const { text, refusal } = boundedMessage(String(data));
    if (refusal) noteRefusal(socket, text, refusal);
    for (const listener of listeners) listener.call(socket, text, isBinary);
  });
}

/**
 * The refusal noted for operation `id` of `socket` when its message was cut, taken once. graphql-ws
 * calls `onSubscribe` for every `subscribe` it accepts, and closes the socket for any it does not,
 * so a refusal never outlives its message.
 */
export function takeMessageRefusal(socket: WebSocket, id: string): GraphQLError | undefined {
  const pending = refusals.get(socket);
  const refusal = pending?.get(id);
  pending?.delete(id);
  return refusal;
}

/** Notes the refusal under the message's id; the cut text is within the bounds, so parsing it is cheap. */
function noteRefusal(socket: WebSocket, text: string, refusal: GraphQLError): void {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return; // graphql-ws closes the socket for it
  }
  const { type, id } = (message ?? {}) as { type?: unknown; id?: unknown };
  if (type !== 'subscribe' || typeof id !== 'string') return;
  let pending = refusals.get(socket);
  if (!pending) refusals.set(socket, (pending = new Map()));
  pending.set(id, refusal);
}
