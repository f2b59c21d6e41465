import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/**
 * What repositories run their queries on: the database itself or an open transaction. Both drivers'
 * databases and transactions are `PgDatabase`s, so one repository implementation serves all four.
 */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface Handle {
  readonly db: Db;
  /** True inside `Store.transaction`: work that must be atomic joins it instead of opening its own. */
  readonly inTransaction: boolean;
}

/** Runs `fn` atomically: in the caller's transaction when there is one, else in a new one. */
export function atomically<T>(handle: Handle, fn: (db: Db) => Promise<T>): Promise<T> {
  return handle.inTransaction ? fn(handle.db) : handle.db.transaction((tx) => fn(tx));
}
