import { createTestDatabase, describeWithServices, type TestDatabase } from '@shoal/testkit';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { preparedClient } from './prepared-client.js';
import { rowsOf } from './recordset.js';

describeWithServices(['postgres'], 'preparedClient', () => {
  let database: TestDatabase;
  let client: postgres.Sql;
  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'shoal_prepared' });
    // One connection, so every statement below runs in the session whose statements we read.
    client = postgres(database.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await client?.end({ timeout: 5 });
    await database?.drop();
  });

  /** The session's named prepared statements whose text starts with `marker`. */
  const preparedLike = async (marker: string) =>
    (await client`select statement from pg_prepared_statements where statement like ${`${marker}%`}`).map(
      (r) => r.statement as string,
    );

  it('prepares drizzle statements once per connection: outside, inside a transaction and in a savepoint', async () => {
    const db = drizzle({ client: preparedClient(client) });
    const once = (n: number) => db.execute(sql`select ${n}::int + 1 as "outside"`);
    const results = [await once(1), await once(2)];
    expect(results.map((r) => rowsOf<{ outside: number }>(r)[0]?.outside)).toEqual([2, 3]);
    expect(await preparedLike('select $1::int + 1 as "outside"')).toHaveLength(1);

    const inner = await db.transaction(async (tx) => {
      await tx.execute(sql`select ${1}::int as "in_transaction"`);
      return tx.transaction((nested) => nested.execute(sql`select ${2}::int as "in_savepoint"`));
    });
    expect(rowsOf<{ in_savepoint: number }>(inner)[0]?.in_savepoint).toBe(2);
    expect(await preparedLike('select $1::int as "in_transaction"')).toHaveLength(1);
    expect(await preparedLike('select $1::int as "in_savepoint"')).toHaveLength(1);
  });

  it('leaves a plain drizzle client unprepared, which is why the wrapper exists', async () => {
    const db = drizzle({ client });
    await db.execute(sql`select ${1}::int as "unwrapped"`);
    expect(await preparedLike('select $1::int as "unwrapped"')).toEqual([]);
  });

  it('still rolls a failed transaction back', async () => {
    const db = drizzle({ client: preparedClient(client) });
    await db.execute(sql`create table if not exists t (v int)`);
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`insert into t values (${1})`);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect(rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from t`))[0]?.n).toBe(0);
  });
});
