import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { ErrorCode, isShoalError, ShoalError } from '@shoal/models';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { monotonicSeconds, type StoreCallTimer } from './call-timer.js';
import type { Db } from './db.js';
import { toStoreError, unavailable } from './errors.js';
import { openPgPool, SESSION_SETTINGS } from './pg-pool.js';
import { compileWebAssemblyLean, initialiseInChild, isInitialised, PGLITE_SETTINGS } from './pglite-files.js';
import { preparedClient } from './prepared-client.js';
import { rowsOf } from './recordset.js';
import { makeRepos } from './repos.js';
import type { OpenStoreOptions, Store } from './types.js';

/** `apps/orchestrator/drizzle`, from `src/store` when run from source and `dist/store` when built. */
const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Advisory lock key held while migrating ("shoal" in ASCII), shared by every orchestrator. */
const MIGRATION_LOCK = 0x73686f616cn;

/** PGlite directories open in this process: a second instance on one directory corrupts it. */
const openDirectories = new Set<string>();

/**
 * Opens the store named by `url` and brings its schema up to date:
 * `postgres://…` / `postgresql://…` (a pool over postgres.js), `pglite:<dir>` (embedded, persisted
 * in `<dir>`), or `pglite:memory`.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { url, migrate = true, timer } = options;
  try {
    if (/^postgres(ql)?:\/\//i.test(url)) return await openPostgres(url, migrate, timer);
    if (url.startsWith('pglite:') && url.length > 'pglite:'.length) {
      return await openPglite(url.slice('pglite:'.length), migrate, timer);
    }
  } catch (error) {
    throw toStoreError(error);
  }
  throw new ShoalError(ErrorCode.BadRequest, `unsupported store URL: ${url.split(':')[0]}:…`, {
    component: 'Store',
    hint: 'use postgres://user:password@host:port/database, pglite:<directory> or pglite:memory',
  });
}

async function openPostgres(url: string, migrate: boolean, timer?: StoreCallTimer): Promise<Store> {
  if (migrate) {
    // Migrating runs on a connection of its own that holds a session advisory lock, so orchestrators
    // starting together take turns; drizzle's migrator alone would let both create the tables. No
    // statement timeout here: building an index on a large table may take a while.
    const single = postgres(url, {
      onnotice: () => {},
      connect_timeout: 10,
      max: 1,
      connection: { application_name: SESSION_SETTINGS.application_name },
    });
    try {
      const db = drizzlePostgres({ client: single });
      await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK})`);
      await migratePostgres(db, { migrationsFolder: MIGRATIONS });
    } finally {
      // Ending the session releases the lock, even if migrating failed.
      await single.end({ timeout: 5 });
    }
  }
  const pool = openPgPool(url);
  const db = drizzlePostgres({ client: preparedClient(pool.client) });
  return buildStore({
    driver: 'postgres',
    db,
    end: () => pool.end(),
    stalled: () => pool.stalled(),
    warnings: await serverWarnings(db),
    timer,
  });
}

/**
 * Server settings Shoal works badly with. Without autovacuum nothing removes dead row versions:
 * evaluations and executions are updated several times each, so the indexes the scheduler reads
 * on every batch keep growing, and scheduling slows down as history accumulates.
 */
async function serverWarnings(db: Db): Promise<string[]> {
  try {
    const [row] = rowsOf<{ autovacuum: string }>(
      await db.execute(sql`select current_setting('autovacuum') as autovacuum`),
    );
    if (row?.autovacuum !== 'off') return [];
    return [
      'autovacuum is off on this Postgres server: dead row versions pile up and scheduling slows down as jobs accumulate; turn it on (autovacuum = on) or VACUUM the Shoal database regularly',
    ];
  } catch {
    // A server that cannot say is not worth failing the start for.
    return [];
  }
}

async function openPglite(location: string, migrate: boolean, timer?: StoreCallTimer): Promise<Store> {
  const dataDir = location === 'memory' ? undefined : resolve(location);
  if (dataDir !== undefined) {
    if (openDirectories.has(dataDir)) {
      throw unavailable(`the PGlite directory ${dataDir} is already open in this process`);
    }
    await mkdir(dataDir, { recursive: true });
    openDirectories.add(dataDir);
  }
  const release = () => {
    if (dataDir !== undefined) openDirectories.delete(dataDir);
  };
  let client: PGlite | undefined;
  try {
    if (dataDir !== undefined && !isInitialised(dataDir)) await initialiseInChild(dataDir);
    compileWebAssemblyLean();
    client = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir }),
      postgresqlconf: [...PGLITE_SETTINGS],
    });
    const db = drizzlePglite({ client });
    if (migrate) await migratePglite(db, { migrationsFolder: MIGRATIONS });
    const opened = client;
    return buildStore({
      driver: 'pglite',
      db,
      async end() {
        await opened.close();
        release();
      },
      // In-process: nothing between the orchestrator and the database can stall on its own.
      stalled: async () => {},
      warnings: [],
      timer,
    });
  } catch (error) {
    await client?.close().catch(() => {});
    release();
    throw error;
  }
}

interface Driver {
  driver: Store['driver'];
  db: Db;
  end(): Promise<void>;
  stalled(): Promise<void>;
  warnings: readonly string[];
  timer: StoreCallTimer | undefined;
}

function buildStore({ driver, db, end, stalled, warnings, timer }: Driver): Store {
  let closing: Promise<void> | undefined;
  const recordTransaction = timer?.recorder('transaction');
  return {
    driver,
    warnings,
    stalled,
    ...makeRepos({ db, inTransaction: false }, timer),
    async transaction(fn) {
      const started = recordTransaction && monotonicSeconds();
      try {
        return await db.transaction((tx) => fn(makeRepos({ db: tx, inTransaction: true }, timer)));
      } catch (error) {
        throw toStoreError(error);
      } finally {
        if (started !== undefined) recordTransaction?.(monotonicSeconds() - started);
      }
    },
    async ping() {
      try {
        await db.execute(sql`select 1`);
      } catch (error) {
        // Whatever stops `select 1` from answering, the database is not usable.
        const mapped = toStoreError(error);
        if (isShoalError(mapped) && mapped.code === ErrorCode.Unavailable) throw mapped;
        throw unavailable(error instanceof Error ? error.message : String(error), error);
      }
    },
    close() {
      closing ??= end();
      return closing;
    },
  };
}
