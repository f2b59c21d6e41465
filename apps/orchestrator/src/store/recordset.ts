import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './db.js';

/**
 * Rows as ONE jsonb parameter read back as a table `v` with the given columns: a statement's text
 * does not depend on how many rows it carries (the driver prepares it once, the server plans it
 * once), and nothing is done per value on the way out. Int64 values travel as strings, which the
 * bigint columns parse; jsonb columns take the value as it is.
 */
export function recordset(rows: readonly object[], columns: string): SQL {
  const json = JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  return sql`jsonb_to_recordset(${json}::jsonb) as v(${sql.raw(columns)})`;
}

/** The rows of a raw `db.execute`: postgres.js answers an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

/**
 * A multi-row insert through `recordset`, for the hot batch writes: the columns are those the rows
 * set (the keys of the first one, which every row of a mapper shares); the others take their
 * defaults. Drizzle's own multi-row insert binds every value as its own parameter, which was a
 * tenth of the orchestrator's CPU under load.
 */
export async function insertRows<T extends PgTable>(
  db: Db,
  table: T,
  rows: ReadonlyArray<T['$inferInsert']>,
): Promise<void> {
  const [first] = rows;
  if (first === undefined) return;
  const columns = getTableColumns(table);
  const keys = Object.keys(first as object).filter((key) => columns[key] !== undefined);
  const names = keys.map((key) => `"${columns[key]?.name}"`);
  const types = keys.map((key) => `"${columns[key]?.name}" ${columns[key]?.getSQLType()}`);
  const values = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const key of keys) out[columns[key]?.name ?? key] = (row as Record<string, unknown>)[key] ?? null;
    return out;
  });
  const list = sql.raw(names.join(', '));
  await db.execute(
    sql`insert into ${table} (${list}) select ${list} from ${recordset(values, types.join(', '))}`,
  );
}

/** One row of `updateRows`: its id, the revision it must still have, and what to set. */
export interface RowUpdate<T extends PgTable> {
  id: string;
  expectedRevision: number;
  set: Partial<T['$inferInsert']>;
}

/**
 * Compare-and-swap on many rows in one statement, through `recordset`: each row is updated only
 * if its `revision` is still the expected one. The columns set are those of the first row's `set`
 * (every row of a caller sets the same ones). Returns the ids of the rows updated; the caller
 * decides what a missing one means.
 */
export async function updateRows<T extends PgTable>(
  db: Db,
  table: T,
  rows: ReadonlyArray<RowUpdate<T>>,
): Promise<string[]> {
  const [first] = rows;
  if (first === undefined) return [];
  const columns = getTableColumns(table);
  const keys = Object.keys(first.set).filter((key) => columns[key] !== undefined);
  const nameOf = (key: string) => columns[key]?.name ?? key;
  const types = [
    '"id" text',
    '"expected" integer',
    ...keys.map((k) => `"${nameOf(k)}" ${columns[k]?.getSQLType()}`),
  ];
  const values = rows.map((row) => {
    const out: Record<string, unknown> = { id: row.id, expected: row.expectedRevision };
    for (const key of keys) out[nameOf(key)] = (row.set as Record<string, unknown>)[key] ?? null;
    return out;
  });
  const assignments = sql.raw(keys.map((key) => `"${nameOf(key)}" = v."${nameOf(key)}"`).join(', '));
  const result = await db.execute(
    sql`update ${table} set ${assignments} from ${recordset(values, types.join(', '))}
        where ${table}."id" = v."id" and ${table}."revision" = v."expected"
        returning ${table}."id"`,
  );
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

/** `column IN (ids)` with the ids as one jsonb array parameter: one statement text for any count. */
export function inList(column: PgColumn, ids: readonly string[]): SQL {
  return sql`${column} = any(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`;
}
