/**
 * Postgres for tests: every test suite gets its own freshly created database on the server named by
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), so suites never share state.
 *
 *   const db = await createTestDatabase();   // { name, url, drop() }
 *   const sql = postgres(db.url);
 *   ...
 *   await sql.end(); await db.drop();
 *
 * Inside describeWithServices(['postgres'], ...), `usePostgres()` does the create/drop in hooks.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** $DATABASE_URL, or the default local server. */
export function databaseUrl(): string {
  return process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}

/** A URL pointing at another database on the same server (same user, host, parameters). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function adminClient(url: string) {
  return postgres(url, { max: 1, connect_timeout: 5, idle_timeout: 1, onnotice: () => {} });
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Terminates remaining sessions and drops the database. Idempotent. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Server to create it on (any database the user can connect to). Default: databaseUrl(). */
  adminUrl?: string;
  /** Name prefix, lowercase letters/digits/underscores. Default 'shoal_test'. */
  prefix?: string;
}

/** Creates a uniquely named, empty database. */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = options.adminUrl ?? databaseUrl();
  const prefix = options.prefix ?? 'shoal_test';
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`invalid database name prefix: ${prefix}`);
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const sql = adminClient(adminUrl);
  try {
    await sql`create database ${sql(name)}`;
  } catch (error) {
    throw new Error(
      `cannot create database ${name} on ${redactUrl(adminUrl)}: ${(error as Error).message} ` +
        '(DATABASE_URL must name a server where the user may CREATE DATABASE)',
      { cause: error },
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
  let dropped = false;
  return {
    name,
    url: withDatabase(adminUrl, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      const admin = adminClient(adminUrl);
      try {
        await admin`select pg_terminate_backend(pid) from pg_stat_activity
                    where datname = ${name} and pid <> pg_backend_pid()`;
        await admin`drop database if exists ${admin(name)}`;
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

/** Why the server at `url` cannot be used by tests, or undefined when it can. */
export async function probePostgres(url = databaseUrl()): Promise<string | undefined> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, idle_timeout: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ may: boolean }[]>`
      select rolcreatedb or rolsuper as may from pg_roles where rolname = current_user`;
    if (!row?.may) return `user on ${redactUrl(url)} may not CREATE DATABASE`;
    return undefined;
  } catch (error) {
    return `cannot connect to DATABASE_URL=${redactUrl(url)} (${(error as Error).message})`;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}
