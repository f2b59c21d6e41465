import { existsSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PostgresServer, startPostgresServer } from './postgres-server.js';
import { describeWithServices } from './services.js';
import { waitFor } from './wait.js';

describeWithServices(['postgres-server'], 'a private Postgres server', () => {
  let pg: PostgresServer;
  let sql: postgres.Sql;

  beforeAll(async () => {
    pg = await startPostgresServer();
    sql = postgres(pg.url, { max: 1, onnotice: () => {}, connect_timeout: 5, backoff: () => 0.05 });
  });

  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await pg?.destroy();
  });

  const answer = async () => (await sql<{ n: number }[]>`select 1 as n`)[0]?.n;

  it('serves on its own port', async () => {
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/postgres`);
    expect(await answer()).toBe(1);
  });

  it('freezes (queries wait, unanswered) and thaws (they are answered)', async () => {
    await pg.freeze();
    const pending = answer();
    const outcome = await Promise.race([
      pending.then(() => 'answered'),
      waitFor(() => false, { timeoutMs: 500 }).catch(() => 'still waiting'),
    ]);
    await pg.thaw();
    expect(outcome).toBe('still waiting');
    expect(await pending).toBe(1);
  });

  it('stops (refusing connections) and starts again on the same port with the same data', async () => {
    await sql`create table kept (n int)`;
    await sql`insert into kept values (7)`;
    await pg.stop();
    await expect(answer()).rejects.toThrow();
    await pg.start();
    const rows = await waitFor(() => sql<{ n: number }[]>`select n from kept`, { timeoutMs: 10_000 });
    expect(rows.map((r) => r.n)).toEqual([7]);
  });

  it('removes everything when destroyed, frozen or not', async () => {
    const other = await startPostgresServer();
    const pid = other.pid();
    await other.freeze();
    await other.destroy();
    await other.destroy(); // idempotent
    expect(existsSync(other.dir)).toBe(false);
    await waitFor(() => !existsSync(`/proc/${pid}`), { message: `postmaster ${pid} to be gone` });
  }, 60_000);
});
