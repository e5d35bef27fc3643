/**
 * Relay connections over keyset pages (`db/keyset.ts`): the relay plugin's
 * `resolveCursorConnection` builds edges and the standard `PageInfo`; this module only says what a
 * cursor is (a row's `(created_at, id)`), refuses a page size or cursor the list does not take
 * with the contract's BAD_USER_INPUT, and prices a page by its size.
 */
import { decodeBase64, encodeBase64 } from '@pothos/core';
import { resolveCursorConnection, type DefaultConnectionArguments, type PageInfoShape } from '@pothos/plugin-relay';
import type { Keyset, KeysetPage } from '../db/keyset.ts';
import { badUserInput } from './errors.ts';

export interface PageRules {
  /** Rows when neither `first` nor `last` is given. */
  readonly defaultSize: number;
  readonly maxSize: number;
  /** The message's tail for an out-of-range size, e.g. `out of range`. */
  readonly sizeMessage: string;
  /** What a key's id looks like in this list (a cursor with another id is refused). */
  readonly id: RegExp;
}

export function keysetCursor(key: Keyset): string {
  return encodeBase64(`${key.createdAt.toISOString()}|${key.id}`);
}

function parseCursor(cursor: string, arg: 'after' | 'before', rules: PageRules): Keyset {
  let text = '';
  try {
    text = decodeBase64(cursor);
  } catch {
    // refused below
  }
  const [iso, id, extra] = text.split('|');
  const createdAt = new Date(iso ?? '');
  if (extra === undefined && id !== undefined && rules.id.test(id) && !Number.isNaN(createdAt.getTime())) {
    return { createdAt, id };
  }
  throw badUserInput(`${arg} is not a cursor from this list.`, [{ path: arg, message: 'invalid cursor' }]);
}

function checkSize(arg: 'first' | 'last', size: number | null | undefined, rules: PageRules): void {
  if (size === null || size === undefined) return;
  if (!Number.isInteger(size) || size < 1 || size > rules.maxSize) {
    throw badUserInput(`${arg} must be from 1 to ${rules.maxSize}.`, [{ path: arg, message: rules.sizeMessage }]);
  }
}

/** One connection page: `load` reads `page` (one row more than it returns, for `hasNextPage`). */
export async function resolveKeysetConnection<T>(
  args: DefaultConnectionArguments,
  rules: PageRules,
  keyOf: (node: T) => Keyset,
  load: (page: KeysetPage) => Promise<readonly T[]>,
): Promise<{ edges: Array<{ cursor: string; node: T }>; pageInfo: PageInfoShape }> {
  checkSize('first', args.first, rules);
  checkSize('last', args.last, rules);
  const after = args.after ? parseCursor(args.after, 'after', rules) : null;
  const before = args.before ? parseCursor(args.before, 'before', rules) : null;
  const connection = await resolveCursorConnection<Promise<readonly T[]>>(
    {
      args,
      defaultSize: rules.defaultSize,
      maxSize: rules.maxSize,
      toCursor: (node) => keysetCursor(keyOf(node as T)),
    },
    ({ limit, inverted }) => load({ after, before, limit, inverted }),
  );
  return connection as { edges: Array<{ cursor: string; node: T }>; pageInfo: PageInfoShape };
}

/** The cost of a page: its size (an out-of-range size is refused by the resolver, not priced). */
export function pageCost(rules: PageRules) {
  return (args: DefaultConnectionArguments) => ({
    field: 1,
    multiplier: Math.min(Math.max(args.first ?? args.last ?? rules.defaultSize, 1), rules.maxSize),
  });
}
