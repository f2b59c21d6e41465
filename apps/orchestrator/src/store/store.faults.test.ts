import { ErrorCode, parseSelectors } from '@shoal/models';
import { describeWithServices, type PostgresServer, startPostgresServer, waitFor } from '@shoal/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bounded } from './bounded.js';
import { Deadline } from './deadline.js';
import { openStore } from './open.js';
import { makeJob } from './testing/fixtures.js';
import { rejection } from './testing/harness.js';
import type { ListJobsQuery, Store } from './types.js';

/**
 * The store against a Postgres server that freezes (SIGSTOP): what a bounded caller sees, what is
 * committed once the server resumes, and which connections are dropped.
 */
describeWithServices(['postgres-server'], 'store on a Postgres server that freezes', () => {
  let pg: PostgresServer;
  let store: Store;
  let sql: postgres.Sql;

  beforeAll(async () => {
    pg = await startPostgresServer();
    store = await openStore({ url: pg.url });
    sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    await pg?.thaw();
    await sql?.end({ timeout: 1 });
    await store?.close();
    await pg?.destroy();
  });

  const exists = async (id: string) =>
    (await sql<{ n: number }[]>`select count(*)::int as n from jobs where id = ${id}`)[0]?.n === 1;

  /** No session of the store is inside a transaction: what the freeze left queued has been run. */
  const settled = () =>
    waitFor(
      async () =>
        (
          await sql`select 1 from pg_stat_activity where application_name = 'shoal-orchestrator'
                    and (state <> 'idle' or xact_start is not null)`
        ).length === 0,
      { timeoutMs: 20_000, message: 'the store’s sessions to leave their transactions' },
    );

  it('rolls back a COMMIT the server only runs after the deadline', async () => {
    const job = makeJob();
    const deadline = Deadline.after(600);
    const started = performance.now();
    const attempt = bounded(store, deadline).transaction(async (tx) => {
      await tx.jobs.insert(job);
      // The server stalls with the COMMIT that follows on its way to it.
      await pg.freeze();
    });
    const error = await rejection(attempt, ErrorCode.Unavailable);
    const answeredAfter = performance.now() - started;
    expect(error.message).toBe('store unavailable: no answer within 600ms');
    expect(answeredAfter).toBeLessThan(1_000);
    await pg.thaw();
    await settled();
    expect(await exists(job.ID)).toBe(false);
  }, 30_000);

  it('rolls back a transaction it gave up on before its COMMIT was sent', async () => {
    const job = makeJob();
    await pg.freeze();
    const attempt = bounded(store, Deadline.after(300)).transaction((tx) => tx.jobs.insert(job));
    await rejection(attempt, ErrorCode.Unavailable);
    await pg.thaw();
    await settled();
    expect(await exists(job.ID)).toBe(false);
    // And the store is usable again, without reopening it.
    await store.jobs.insert(job);
    expect(await exists(job.ID)).toBe(true);
  }, 30_000);

  it('drops the connections stuck on a frozen server, and only then', async () => {
    // Alive but slow (an update waits for a row lock the test holds): the probe is answered, so
    // the waiting statement is left alone and finishes once the lock is released.
    const job = makeJob();
    await store.jobs.insert(job);
    const slow = await sql.begin(async (tx) => {
      await tx`select 1 from jobs where id = ${job.ID} for update`;
      const update = store.jobs.updateState(job.ID, 1, { StateType: 'Running', Message: '' }, 1n);
      const outcome = update.then(
        (updated) => updated.Revision,
        (error: unknown) => error,
      );
      await waitFor(
        async () => (await tx`select 1 from pg_stat_activity where wait_event_type = 'Lock'`).length === 1,
        { timeoutMs: 5_000, message: 'the update to wait for the lock' },
      );
      await store.stalled();
      // Wrapped: a promise returned as it is would be awaited before this transaction ends.
      return { outcome };
    });
    expect(await slow.outcome).toBe(2);

    await pg.freeze();
    const stuck = store.jobs.get('j-stuck').catch((e: unknown) => e);
    await store.stalled();
    // Dropped once the probe got no answer: the query fails although the server is still frozen.
    expect(await stuck).toMatchObject({
      code: ErrorCode.Unavailable,
      message: 'store unavailable: connection lost',
    });
    await pg.thaw();
    await waitFor(async () => (await store.jobs.list(listAll)).items !== undefined, {
      timeoutMs: 10_000,
      message: 'the store to answer after SIGCONT',
    });
  }, 30_000);
});

const listAll: ListJobsQuery = {
  namespace: '*',
  selector: parseSelectors([]),
  limit: 1,
  orderBy: 'id',
  reverse: false,
};
