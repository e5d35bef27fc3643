/**
 * Keyset pages over `(created_at, id)`, newest first: a page starts strictly after (older than)
 * or before (newer than) a row's key, so rows inserted meanwhile never shift or repeat a page.
 * `inverted` reads from the other end (a Relay `last` page), oldest first.
 */
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';

export interface Keyset {
  readonly createdAt: Date;
  readonly id: string;
}

export interface KeysetPage {
  /** Rows older than this key. */
  readonly after?: Keyset | null;
  /** Rows newer than this key. */
  readonly before?: Keyset | null;
  readonly limit: number;
  readonly inverted: boolean;
}

/** The page as SQL: `bounds` (`and …` conditions, possibly empty) and `order` (`created_at, id` desc, or asc when inverted). */
export function keysetSql(
  page: KeysetPage,
  table: string,
): { bounds: RawBuilder<unknown>; order: RawBuilder<unknown> } {
  const key = sql`(${sql.ref(`${table}.created_at`)}, ${sql.ref(`${table}.id`)})`;
  const direction = page.inverted ? sql`asc` : sql`desc`;
  const after = page.after ? sql`and ${key} < (${page.after.createdAt}, ${page.after.id})` : sql``;
  const before = page.before ? sql`and ${key} > (${page.before.createdAt}, ${page.before.id})` : sql``;
  return {
    bounds: sql`${after} ${before}`,
    order: sql`${sql.ref(`${table}.created_at`)} ${direction}, ${sql.ref(`${table}.id`)} ${direction}`,
  };
}

/** Orders, bounds and limits `query` to `page`; `table` qualifies the two key columns. */
export function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: KeysetPage,
  table: string,
): SelectQueryBuilder<DB, TB, O> {
  const { bounds, order } = keysetSql(page, table);
  return query
    .where(sql<boolean>`true ${bounds}`)
    .orderBy(order)
    .limit(page.limit);
}
