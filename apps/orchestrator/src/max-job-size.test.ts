import { describeWithServices, makeTempDir, type TempDir } from '@shoal/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningOrchestrator, startOrchestrator } from './main.js';

/** The configured job size limit reaches the API of a running orchestrator. */
describeWithServices(['nats'], 'orchestrator with maxJobBytes 2KiB', () => {
  let dir: TempDir;
  let orchestrator: RunningOrchestrator;
  beforeAll(async () => {
    dir = await makeTempDir('shoal-max-job-');
    orchestrator = await startOrchestrator(
      {
        apiHost: '127.0.0.1',
        apiPort: 0,
        dataDir: dir.path,
        db: 'pglite:memory',
        natsPort: 0,
        maxJobBytes: '2KiB',
      },
      { logger: pino({ level: 'silent' }) },
    );
  });
  afterAll(async () => {
    await orchestrator?.stop();
    await dir?.cleanup();
  });

  const submit = (note: string) =>
    fetch(`${orchestrator.url}/api/v1/orchestrator/jobs`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        Job: { Meta: { note }, Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'noop' } }] },
      }),
    });

  it('refuses a larger job with 413 naming the limit, and takes a smaller one', async () => {
    const large = await submit('x'.repeat(3000));
    expect(large.status).toBe(413);
    expect(((await large.json()) as { Message: string }).Message).toMatch(/the limit is 2048 bytes$/);
    expect((await submit('small')).status).toBe(200);
  }, 60_000);
});
