import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { makeTempDir } from '@shoal/testkit';
import { expect, it } from 'vitest';
import { openStore } from './open.js';
import { initialiseInChild, isInitialised, PGLITE_SETTINGS } from './pglite-files.js';
import { makeJob } from './testing/fixtures.js';

it('creates a new PGlite directory in a child process, then opens it in this one', async () => {
  const dir = await makeTempDir('shoal-pglite-files-');
  try {
    const data = join(dir.path, 'db');
    expect(isInitialised(data)).toBe(false);
    const store = await openStore({ url: `pglite:${data}` });
    const job = makeJob();
    await store.jobs.insert(job);
    expect(await store.jobs.get(job.ID)).toEqual(job);
    await store.close();
    // What the child wrote is a whole cluster: its version file, and the store's tables.
    expect((await readFile(join(data, 'PG_VERSION'), 'utf8')).trim()).toMatch(/^\d+$/);
  } finally {
    await dir.cleanup();
  }
}, 120_000);

it('runs the database with the small buffer pool it is given', async () => {
  const dir = await makeTempDir('shoal-pglite-files-');
  try {
    await initialiseInChild(dir.path);
    const db = await PGlite.create({ dataDir: dir.path, postgresqlconf: [...PGLITE_SETTINGS] });
    const { rows } = await db.query<{ setting: string }>(
      "select setting from pg_settings where name = 'shared_buffers'",
    );
    await db.close();
    expect(rows[0]?.setting).toBe('2048'); // 16 MB of 8 kB pages
  } finally {
    await dir.cleanup();
  }
}, 120_000);

it('says what failed when the child cannot create the directory', async () => {
  await expect(initialiseInChild('/proc/shoal-cannot-be-here')).rejects.toThrow(
    /could not create the PGlite directory \/proc\/shoal-cannot-be-here/,
  );
}, 60_000);
