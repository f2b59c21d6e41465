import { join } from 'node:path';
import { describeWithServices, makeTempDir } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runShoal, startTestCluster, type TestCluster } from '../testing/test-cluster.js';

describeWithServices(['nats'], 'shoal node token', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('prints the join token of the orchestrator whose --data-dir it is given', async () => {
    const dataDir = cluster.orchestrator.config.dataDir;
    const run = await runShoal(undefined, ['node', 'token', '--data-dir', dataDir]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`${cluster.orchestrator.joinToken}\n`);
  });

  it('says where it looked when there is no orchestrator state', async () => {
    const empty = await makeTempDir('shoal-no-orchestrator-');
    try {
      const run = await runShoal(undefined, ['node', 'token', '--data-dir', empty.path]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(join(empty.path, 'orchestrator', 'nats', 'join-token'));
      expect(run.stderr).toContain('start the orchestrator once');
    } finally {
      await empty.cleanup();
    }
  });
});
