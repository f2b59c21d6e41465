import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { ComputeStateType as C } from '@shoal/models';
import { createTestDatabase, describeWithServices, makeTempDir } from '@shoal/testkit';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type { Db } from './db.js';
import { jobToRow } from './jobs.js';
import { rowsOf } from './recordset.js';
import { jobs } from './schema.js';
import { makeJob, tick } from './testing/fixtures.js';

/**
 * Migration 0010 on a database that already holds executions, on both drivers: running ones (compute
 * state BidAccepted) get their creation as the start of their run; the others have none.
 */

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
const BEFORE = '0010_run_start_time';

/** A copy of the migrations that stops before 0010, and a way to get rid of it. */
async function migrationsBefore(tag: string): Promise<{ folder: string; cleanup(): Promise<void> }> {
  const dir = await makeTempDir('shoal-migrations-');
  const folder = join(dir.path, 'drizzle');
  await cp(MIGRATIONS, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  await writeFile(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  return { folder, cleanup: () => dir.cleanup() };
}

/** Stores executions as 0009 knew them, migrates the rest, and reads what 0010 made of them. */
async function backfilled(db: Db, migrate: (folder: string) => Promise<void>) {
  const before = await migrationsBefore(BEFORE);
  try {
    await migrate(before.folder);
  } finally {
    await before.cleanup();
  }
  const job = makeJob();
  await db.insert(jobs).values(jobToRow(job));
  const rows = [
    { id: 'e-running', state: C.BidAccepted, created: tick() },
    { id: 'e-offered', state: C.AskForBidAccepted, created: tick() },
    { id: 'e-done', state: C.Completed, created: tick() },
  ];
  for (const r of rows) {
    await db.execute(sql`insert into executions (id, job_id, namespace, eval_id, name, node_id,
      desired_state, desired_message, compute_state, compute_message, allocated_resources,
      published_result, previous_execution, next_execution, followup_eval_id, revision,
      create_time, modify_time)
      values (${r.id}, ${job.ID}, 'default', '', '', 'n-1', 1, '', ${r.state}, '', '{}'::jsonb,
        '{"Type":"","Params":null}'::jsonb, '', '', '', 1, ${r.created.toString()}::bigint,
        ${tick().toString()}::bigint)`);
  }
  await migrate(MIGRATIONS);
  const read = await db.execute(sql`select id, run_start_time::text as start from executions order by id`);
  const created = new Map(rows.map((r) => [r.id, r.created.toString()]));
  return { read: rowsOf<{ id: string; start: string | null }>(read), created };
}

/** Only the execution already running gets a start: its creation. */
function expectedStarts(created: Map<string, string>) {
  return [
    { id: 'e-done', start: null },
    { id: 'e-offered', start: null },
    { id: 'e-running', start: created.get('e-running') },
  ];
}

describe('migration 0010 on PGlite', () => {
  it('starts the runs of executions already running at their creation', async () => {
    const client = await PGlite.create();
    try {
      const db = drizzlePglite({ client });
      const { read, created } = await backfilled(db, (folder) =>
        migratePglite(db, { migrationsFolder: folder }),
      );
      expect(read).toEqual(expectedStarts(created));
    } finally {
      await client.close();
    }
  });
});

describeWithServices(['postgres'], 'migration 0010 on Postgres', () => {
  it('starts the runs of executions already running at their creation', async () => {
    const database = await createTestDatabase({ prefix: 'shoal_migrate' });
    const client = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const db = drizzlePostgres(client);
      const { read, created } = await backfilled(db, (folder) =>
        migratePostgres(db, { migrationsFolder: folder }),
      );
      expect(read).toEqual(expectedStarts(created));
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
