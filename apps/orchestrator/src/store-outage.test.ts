import {
  createTestDatabase,
  databaseUrl,
  describeWithServices,
  makeTempDir,
  type TempDir,
  type TestDatabase,
  waitFor,
} from '@shoal/testkit';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningOrchestrator, startOrchestrator } from './main.js';

/**
 * The database goes away. The API answers 503 (retryable) instead of 500 or
 * hanging, and everything works again when the database returns, without a restart.
 */
describeWithServices(['postgres'], 'orchestrator during a database outage', () => {
  let db: TestDatabase;
  let dir: TempDir;
  let orchestrator: RunningOrchestrator;
  let admin: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'shoal_outage' });
    dir = await makeTempDir('shoal-outage-');
    orchestrator = await startOrchestrator(
      { apiHost: '127.0.0.1', apiPort: 0, dataDir: dir.path, db: db.url },
      { logger: pino({ level: 'silent' }) },
    );
    admin = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    await admin?.unsafe(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`).catch(() => {});
    await orchestrator?.stop();
    await admin?.end();
    await db?.drop();
    await dir?.cleanup();
  });

  const submit = () =>
    fetch(`${orchestrator.url}/api/v1/orchestrator/jobs`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ Job: { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'noop' } }] } }),
    });

  it('answers 503 while the database is unreachable, then recovers', async () => {
    const before = await submit();
    expect(before.status).toBe(200);
    const { JobID } = (await before.json()) as { JobID: string };

    await admin.unsafe(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
    await admin.unsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`);

    const during = await waitFor(
      async () => {
        const res = await fetch(`${orchestrator.url}/api/v1/orchestrator/jobs/${JobID}`);
        return res.status === 503 ? res : undefined;
      },
      { timeoutMs: 20_000, message: 'the API never answered 503 during the outage' },
    );
    const body = (await during.json()) as { Status: number; Code: string; Message: string };
    expect(body.Status).toBe(503);
    expect(body.Code).toBe('ServiceUnavailable');
    expect((await submit()).status).toBe(503);

    await admin.unsafe(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
    const after = await waitFor(
      async () => {
        const res = await fetch(`${orchestrator.url}/api/v1/orchestrator/jobs/${JobID}`);
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: 20_000, message: 'the API did not recover after the outage' },
    );
    expect(((await after.json()) as { Job: { ID: string } }).Job.ID).toBe(JobID);
    expect((await submit()).status).toBe(200);
  }, 60_000);
});
