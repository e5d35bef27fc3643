/**
 * A WebSocket message's bounds read off its text (issue 21, item 1): what `boundedMessage` hands
 * graphql-ws instead of the text sent — values past the bounds cut to `null` without being parsed,
 * the refusal of a subscribe's variables or extensions, and nothing worth parsing when the part to
 * cut is not JSON. The served behaviour (an `error` for the operation, a `pong`, an acknowledged
 * `connection_init`) is in request-bounds.test.ts.
 */
import { MAX_VARIABLES_DEPTH, MAX_VARIABLES_VALUES } from '../../src/graphql/request-bounds.ts';
import { boundedMessage } from '../../src/graphql/ws-message-bounds.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const subscribe = (payload: string) => `{"id":"1","type":"subscribe","payload":{"query":"{ a }",${payload}}}`;

describe('WebSocket message bounds', () => {
  test('hands a message within the bounds on as sent', () => {
    const text = subscribe(`"variables":{"v":${deep(MAX_VARIABLES_DEPTH - 1)}},"extensions":{"e":"[[[["}`);
    expect(boundedMessage(text)).toEqual({ text });
  });

  test('cuts variables and extensions past the bounds to null, refusing with the first one cut', () => {
    const many = JSON.stringify(
      Object.fromEntries(Array.from({ length: MAX_VARIABLES_VALUES }, (_, i) => [`k${i}`, i])),
    );
    const { text, refusal } = boundedMessage(subscribe(`"variables": ${many} ,"extensions":{"e":${deep(20_000)}}`));
    expect(JSON.parse(text)).toEqual({
      id: '1',
      type: 'subscribe',
      payload: { query: '{ a }', variables: null, extensions: null },
    });
    expect(refusal?.message).toBe(`Request refused: the variables hold more than ${MAX_VARIABLES_VALUES} values.`);
    expect(refusal?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'VARIABLES_TOO_LARGE' });
  });

  test('cuts nesting elsewhere at the first container past the bound, and refuses nothing', () => {
    const { text, refusal } = boundedMessage(`{"type":"ping","payload":{"a":${deep(5_000)},"b":[1,${deep(5_000)}]}}`);
    expect(refusal).toBeUndefined();
    // The message and its payload are two levels: containers nest 16 more before the cut.
    const kept = `${'['.repeat(MAX_VARIABLES_DEPTH)}null${']'.repeat(MAX_VARIABLES_DEPTH)}`;
    expect(text).toBe(`{"type":"ping","payload":{"a":${kept},"b":[1,${kept.slice(1, -1)}]}}`);
  });

  test('hands on an empty text (refused by graphql-ws unparsed) when the part to cut is not JSON', () => {
    expect(boundedMessage(`{"type":"ping","payload":{"a":${'['.repeat(5_000)}}}`)).toEqual({ text: '' });
    expect(boundedMessage(subscribe(`"variables":{"v":${'['.repeat(20)}}`))).toEqual({ text: '' });
    // Text that is not JSON but passes no bound is left for graphql-ws's parser, as before.
    expect(boundedMessage('{"type":"ping"')).toEqual({ text: '{"type":"ping"' });
  });

  test('ignores bounded names anywhere but in the payload', () => {
    const text = `{"type":"ping","variables":${deep(MAX_VARIABLES_DEPTH + 1)},"payload":{}}`;
    expect(boundedMessage(text)).toEqual({ text });
  });
});
