import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '@shoal/models';
import {
  createTestDatabase,
  describeWithServices,
  makeTempDir,
  type TestDatabase,
  waitFor,
} from '@shoal/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from './open.js';
import { makeJob } from './testing/fixtures.js';
import { rejection } from './testing/harness.js';

/** What only one driver has: PGlite's directory, Postgres's pool, its outages and its migrations. */

describe('PGlite in a directory', () => {
  it('keeps the data across a restart, and is Unavailable once closed', async () => {
    const dir = await makeTempDir('shoal-store-');
    const url = `pglite:${join(dir.path, 'nested', 'db')}`; // created on first open
    try {
      const first = await openStore({ url });
      const job = makeJob();
      await first.jobs.insert(job);
      const twice = await rejection(openStore({ url }), ErrorCode.Unavailable);
      expect(twice.message).toContain('already open in this process');
      await first.close();
      await first.close(); // idempotent
      const closed = await rejection(first.ping(), ErrorCode.Unavailable);
      expect(closed.hint).toBe('the database is not reachable; retry later');
      await rejection(first.jobs.get(job.ID), ErrorCode.Unavailable);

      const second = await openStore({ url }); // migrations already applied: a no-op
      expect(await second.jobs.get(job.ID)).toEqual(job);
      await second.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses URLs it does not know', async () => {
    for (const url of ['mysql://x', 'pglite:', 'memory', '']) {
      const error = await rejection(openStore({ url }), ErrorCode.BadRequest);
      expect(error.hint).toContain('pglite:memory');
    }
  });
});

describeWithServices(['postgres'], 'Postgres driver', () => {
  let database: TestDatabase;
  let admin: postgres.Sql;
  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'shoal_store' });
    admin = postgres(database.url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  it('lets orchestrators that start together migrate one at a time', async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore({ url: database.url })));
    const job = makeJob();
    await stores[0]?.jobs.insert(job);
    for (const store of stores) expect((await store.jobs.get(job.ID)).CreateTime).toBe(job.CreateTime);
    // Each migration recorded once, not once per orchestrator.
    const journal = JSON.parse(
      await readFile(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8'),
    ) as { entries: unknown[] };
    expect(await admin`select count(*)::int as n from drizzle.__drizzle_migrations`).toEqual([
      { n: journal.entries.length },
    ]);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('warns when the server runs without autovacuum, and only then', async () => {
    const store = await openStore({ url: database.url });
    try {
      const [{ autovacuum }] = (await admin`select current_setting('autovacuum') as autovacuum`) as [
        { autovacuum: string },
      ];
      const expected =
        autovacuum === 'off' ? [expect.stringMatching(/^autovacuum is off on this Postgres server: /)] : [];
      expect(store.warnings).toEqual(expected);
    } finally {
      await store.close();
    }
  });

  it('reports a server that cannot be reached as Unavailable', async () => {
    const error = await rejection(
      openStore({ url: 'postgres://postgres@127.0.0.1:1/none' }),
      ErrorCode.Unavailable,
    );
    expect(error.message).toBe('store unavailable: connection refused');
    expect(error).toMatchObject({ status: 503, retryable: true, component: 'Store' });
    const lazy = await openStore({ url: 'postgres://postgres@127.0.0.1:1/none', migrate: false });
    await rejection(lazy.ping(), ErrorCode.Unavailable);
    await rejection(lazy.jobs.get('j-1'), ErrorCode.Unavailable);
    await lazy.close();
  });

  it('reports a query whose connection the server ends as Unavailable, and recovers', async () => {
    const store = await openStore({ url: database.url });
    const job = makeJob();
    await store.jobs.insert(job);
    // Hold the job's row so that the store's update waits on the server, then end its session.
    const held = admin.begin(async (tx) => {
      await tx`select 1 from jobs where id = ${job.ID} for update`;
      // Its outcome is taken at once: it may fail before this transaction gets to await it.
      const blocked = store.jobs.updateState(job.ID, 1, { StateType: 'Running', Message: '' }, 1n).then(
        () => undefined,
        (error: unknown) => error,
      );
      const waiting = await waitFor(
        async () =>
          (
            await tx`select pid from pg_stat_activity
                     where datname = current_database() and application_name = 'shoal-orchestrator'
                       and wait_event_type = 'Lock'`
          )[0],
        { timeoutMs: 5_000, message: 'the update never waited for the lock' },
      );
      await tx`select pg_terminate_backend(${waiting.pid})`;
      return blocked;
    });
    expect(await held).toMatchObject({
      code: ErrorCode.Unavailable,
      message: expect.stringMatching(/^store unavailable: /),
    });
    expect(
      (await store.jobs.updateState(job.ID, 1, { StateType: 'Running', Message: '' }, 1n)).Revision,
    ).toBe(2);
    await store.close();
  });

  it('reports other database errors as internal errors with their SQLSTATE', async () => {
    const empty = await createTestDatabase({ prefix: 'shoal_store' });
    const store = await openStore({ url: empty.url, migrate: false });
    try {
      const error = await rejection(store.jobs.get('j-1'), ErrorCode.Internal);
      expect(error.message).toBe('store error: relation "jobs" does not exist (SQLSTATE 42P01)');
    } finally {
      await store.close();
      await empty.drop();
    }
  });

  it('makes two batches that lock the same jobs in opposite orders wait for each other, not deadlock', async () => {
    const store = await openStore({ url: database.url });
    const [a, b] = [makeJob(), makeJob()].sort((x, y) => x.ID.localeCompare(y.ID));
    if (!a || !b) throw new Error('two jobs expected');
    await store.jobs.insert(a);
    await store.jobs.insert(b);
    let holdsA!: () => void;
    const firstHoldsA = new Promise<void>((resolve) => {
      holdsA = resolve;
    });
    let goOn!: () => void;
    const firstMayGoOn = new Promise<void>((resolve) => {
      goOn = resolve;
    });
    try {
      // The first batch holds a, and will want b once the second one is waiting.
      const first = store.transaction(async (tx) => {
        await tx.bulk.lockJobs([a.ID]);
        holdsA();
        await firstMayGoOn;
        return (await tx.bulk.lockJobs([b.ID])).map((l) => l.job.ID);
      });
      await firstHoldsA;
      // Asked for b first: locking in that order would hold b while waiting for a, and the first
      // batch's request for b would then close the cycle (SQLSTATE 40P01 after deadlock_timeout).
      const second = store.transaction(async (tx) =>
        (await tx.bulk.lockJobs([b.ID, a.ID])).map((l) => l.job.ID),
      );
      await waitFor(
        async () =>
          (
            await admin`select 1 from pg_stat_activity
                        where datname = current_database() and wait_event_type = 'Lock'`
          ).length === 1,
        { timeoutMs: 5_000, message: 'the second batch never waited for the first' },
      );
      goOn();
      expect(await first).toEqual([b.ID]);
      expect(await second).toEqual([a.ID, b.ID]);
    } finally {
      goOn();
      await store.close();
    }
  });

  it('lets one transaction at a time hold the placement lock, until it ends', async () => {
    const store = await openStore({ url: database.url });
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const first = store.transaction(async (tx) => {
        await tx.scheduling.lockPlacement();
        order.push('first locked');
        await held;
        order.push('first done');
      });
      await waitFor(() => order.length === 1, { timeoutMs: 5_000, message: 'the first lock' });
      const second = store.transaction(async (tx) => {
        await tx.scheduling.lockPlacement();
        order.push('second locked');
      });
      await waitFor(
        async () =>
          (
            await admin`select 1 from pg_stat_activity
                        where datname = current_database() and wait_event = 'advisory'`
          ).length === 1,
        { timeoutMs: 5_000, message: 'the second transaction never waited for the lock' },
      );
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first locked', 'first done', 'second locked']);
    } finally {
      release();
      await store.close();
    }
  });
});
