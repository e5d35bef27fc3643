/**
 * `GET /v1/predictions`: newest first, 100 per page, `next`/`previous` as absolute URLs carrying an
 * opaque cursor. A cursor marks a position (creation time + creation order), not an offset, so
 * predictions created while a client pages through do not shift or repeat the pages it walks.
 * `created_after` (inclusive) and `created_before` (exclusive) filter, as the spec documents, and
 * are carried over into the page links.
 */
export const PAGE_SIZE = 100;

export interface Position {
  readonly createdAt: number;
  readonly sequence: number;
}

interface Cursor extends Position {
  readonly direction: 'next' | 'previous';
}

export interface ListQuery {
  readonly createdAfter: number | undefined;
  readonly createdBefore: number | undefined;
  readonly webOnly: boolean;
  readonly cursor: Cursor | undefined;
}

export type ParsedListQuery =
  { readonly ok: true; readonly query: ListQuery } | { readonly ok: false; readonly detail: string };

export function parseListQuery(params: URLSearchParams): ParsedListQuery {
  const createdAfter = parseDate(params.get('created_after'));
  const createdBefore = parseDate(params.get('created_before'));
  if (Number.isNaN(createdAfter)) return { ok: false, detail: 'created_after must be an ISO 8601 date-time' };
  if (Number.isNaN(createdBefore)) return { ok: false, detail: 'created_before must be an ISO 8601 date-time' };
  const source = params.get('source');
  if (source !== null && source !== 'web') return { ok: false, detail: 'source must be "web"' };
  const rawCursor = params.get('cursor');
  const cursor = rawCursor === null ? undefined : decodeCursor(rawCursor);
  if (cursor === null) return { ok: false, detail: 'Invalid cursor' };
  return { ok: true, query: { createdAfter, createdBefore, webOnly: source === 'web', cursor } };
}

export interface Page<T> {
  readonly results: readonly T[];
  /** Query string (without `?`) of the neighbouring pages, or null at either end. */
  readonly nextQuery: string | null;
  readonly previousQuery: string | null;
}

/** Pages `items`, which must be sorted newest first, according to `query`. */
export function paginate<T>(items: readonly T[], positionOf: (item: T) => Position, query: ListQuery): Page<T> {
  const filtered = query.webOnly
    ? []
    : items.filter((item) => {
        const { createdAt } = positionOf(item);
        return (
          (query.createdAfter === undefined || createdAt >= query.createdAfter) &&
          (query.createdBefore === undefined || createdAt < query.createdBefore)
        );
      });
  let start = 0;
  const { cursor } = query;
  if (cursor?.direction === 'next') {
    start = indexOfFirst(filtered, (item) => isOlder(positionOf(item), cursor));
  } else if (cursor?.direction === 'previous') {
    const end = indexOfFirst(filtered, (item) => !isNewer(positionOf(item), cursor));
    start = Math.max(0, end - PAGE_SIZE);
  }
  const results = filtered.slice(start, start + PAGE_SIZE);
  const first = results[0];
  const last = results.at(-1);
  const linkQuery = (position: Position, direction: Cursor['direction']): string => {
    const params = new URLSearchParams();
    if (query.createdAfter !== undefined) params.set('created_after', new Date(query.createdAfter).toISOString());
    if (query.createdBefore !== undefined) params.set('created_before', new Date(query.createdBefore).toISOString());
    if (query.webOnly) params.set('source', 'web');
    params.set('cursor', encodeCursor({ ...position, direction }));
    return params.toString();
  };
  return {
    results,
    nextQuery: last && start + PAGE_SIZE < filtered.length ? linkQuery(positionOf(last), 'next') : null,
    previousQuery: first && start > 0 ? linkQuery(positionOf(first), 'previous') : null,
  };
}

function isOlder(a: Position, b: Position): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.sequence < b.sequence);
}

function isNewer(a: Position, b: Position): boolean {
  return isOlder(b, a);
}

function indexOfFirst<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  const index = items.findIndex(predicate);
  return index === -1 ? items.length : index;
}

function parseDate(value: string | null): number | undefined {
  if (value === null) return undefined;
  // Date.parse accepts far more than ISO 8601; require the ISO shape first.
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(value)) return NaN;
  return Date.parse(value);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(
    JSON.stringify([cursor.direction === 'next' ? 'n' : 'p', cursor.createdAt, cursor.sequence]),
  ).toString('base64url');
}

/** null when the cursor is not one this simulator issued. */
function decodeCursor(text: string): Cursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [direction, createdAt, sequence] = value as unknown[];
    if ((direction !== 'n' && direction !== 'p') || typeof createdAt !== 'number' || typeof sequence !== 'number') {
      return null;
    }
    return { direction: direction === 'n' ? 'next' : 'previous', createdAt, sequence };
  } catch {
    return null;
  }
}
