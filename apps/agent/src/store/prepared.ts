import { type SQL, sql } from 'drizzle-orm';

/**
 * The store's per-message statements are prepared once per connection: building the SQL with
 * drizzle and parsing it in SQLite on every call was a third of a busy agent's CPU. Values come in
 * through named placeholders when the statement runs.
 *
 * A placeholder for the `set` of a prepared update (or upsert). drizzle types `set()` values as
 * column data or SQL, not as a bare placeholder, so it is wrapped in SQL. That binds the value as
 * given, without the column's toDriver: right for the columns set this way (text, and int32/int64,
 * whose toDriver returns the value as it is), not for `flag` columns.
 */
export function setTo(name: string): SQL {
  return sql`${sql.placeholder(name)}`;
}
