import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { usePostgres } from './fixtures.js';
import { createTestDatabase, databaseUrl } from './postgres.js';
import { describeWithServices } from './services.js';

// Larger than Number.MAX_SAFE_INTEGER: a JS number would silently round it.
const BIG = 1695883778909107178n;

describeWithServices(['postgres'], 'postgres smoke test', () => {
  const db = usePostgres({ prefix: 'testkit_smoke' }); // fresh database, dropped in afterAll
  let sql: postgres.Sql<{ bigint: bigint }>;

  beforeAll(() => {
    sql = postgres(db.url, { max: 2, onnotice: () => {}, types: { bigint: postgres.BigInt } });
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
  });

  it('created a fresh database and connects to it', async () => {
    const [row] = await sql<{ name: string }[]>`select current_database() as name`;
    expect(row?.name).toBe(db.name);
    expect(db.url).not.toBe(databaseUrl());
  });

  it('creates a table, inserts and selects, with int8 as exact bigint', async () => {
    expect(BIG > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    await sql`create table items (id int8 primary key, label text not null)`;
    await sql`insert into items ${sql([
      { id: BIG, label: 'big' },
      { id: 1n, label: 'one' },
    ])}`;
    const rows = await sql<{ id: bigint; label: string }[]>`select id, label from items order by id`;
    expect(rows.map((r) => [r.id, r.label])).toEqual([
      [1n, 'one'],
      [BIG, 'big'],
    ]);
    expect(typeof rows[1]?.id).toBe('bigint');
    const [sum] = await sql<{ next: bigint }[]>`select ${BIG}::int8 + 1 as next`;
    expect(sum?.next).toBe(BIG + 1n);
    const [found] = await sql<{ label: string }[]>`select label from items where id = ${BIG}`;
    expect(found?.label).toBe('big');
  });

  it('without the bigint type, int8 arrives as an exact string, never a rounded number', async () => {
    const plain = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await plain<{ id: unknown }[]>`select id from items where label = 'big'`;
      expect(row?.id).toBe('1695883778909107178');
    } finally {
      await plain.end({ timeout: 5 });
    }
  });

  it('drop() removes the database and is idempotent', async () => {
    const extra = await createTestDatabase({ prefix: 'testkit_drop' });
    const client = postgres(extra.url, { max: 1, onnotice: () => {} });
    await client`select 1`; // an open session must not block the drop
    await extra.drop();
    await extra.drop();
    await client.end({ timeout: 1 }).catch(() => {});
    const admin = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      const rows = await admin`select 1 from pg_database where datname = ${extra.name}`;
      expect(rows.length).toBe(0);
    } finally {
      await admin.end({ timeout: 5 });
    }
  });
});
