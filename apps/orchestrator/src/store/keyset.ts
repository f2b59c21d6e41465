import { ErrorCode, ShoalError } from '@shoal/models';
import { asc, desc, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { decodePageToken, encodePageToken, type KeyValue, type PageScope } from './page-token.js';
import type { Page } from './types.js';

/**
 * Keyset pagination: a page is `WHERE (sort, id) > (last sort, last id) ORDER BY sort, id LIMIT
 * n + 1`. Unlike OFFSET it costs the same on page 1000 as on page 1 (an index range scan), and
 * rows inserted or deleted meanwhile never shift what the next page returns.
 */
export interface Keyset<Row> {
  readonly scope: PageScope;
  /** The sort columns (or expressions of a row), the unique tie-breaker (the id) last. */
  readonly columns: readonly (PgColumn | SQL)[];
  /** The same values, read from a row. */
  readonly keyOf: (row: Row) => KeyValue[];
  readonly reverse: boolean;
}

/** Refuses limits the API should have refused already, instead of sending them to SQL. */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ShoalError(ErrorCode.BadRequest, `invalid limit: ${limit} (must be a positive integer)`, {
      component: 'Store',
      details: { Parameter: 'limit' },
    });
  }
  return limit;
}

export function afterToken<Row>(keyset: Keyset<Row>, token: string | undefined): KeyValue[] | undefined {
  return token ? decodePageToken(token, keyset.scope) : undefined;
}

/** The condition "after `key`" in the keyset's direction, as one row comparison. */
export function keysetAfter<Row>(keyset: Keyset<Row>, key: readonly KeyValue[] | undefined): SQL | undefined {
  if (!key) return undefined;
  // A row comparison, not an OR of column comparisons, so the planner turns it into an index bound.
  const columns = sql.join([...keyset.columns], sql`, `);
  const values = sql.join(
    key.map((value) => sql`${value}`),
    sql`, `,
  );
  return keyset.reverse ? sql`(${columns}) < (${values})` : sql`(${columns}) > (${values})`;
}

export function keysetOrder<Row>(keyset: Keyset<Row>): SQL[] {
  return keyset.columns.map((column) => (keyset.reverse ? desc(column) : asc(column)));
}

/**
 * Turns the `limit + 1` rows a keyset query fetched into a page: the extra row only says that more
 * exist, and the token points after the last row returned.
 */
export function toPage<Row, Item>(
  rows: readonly Row[],
  limit: number,
  keyset: Keyset<Row>,
  map: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const more = rows.length > limit && last !== undefined;
  return { items: items.map(map), nextToken: more ? encodePageToken(keyset.scope, keyset.keyOf(last)) : '' };
}
