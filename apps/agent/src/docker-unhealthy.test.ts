import { join } from 'node:path';
import { describeWithServices, makeTempDir, type TempDir, useNatsServer, waitFor } from '@shoal/testkit';
import Docker from 'dockerode';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DockerExecutor } from './executor/docker/executor.js';
import { silentLogger } from './logger.js';
import { type RunningAgent, startAgent } from './main.js';
import { testAgentConfig } from './testing/agents.js';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk, makeJob } from './testing/fixtures.js';

/**
 * A dead Docker daemon, through the whole agent: the agent says so in every
 * heartbeat and refuses docker work with the reason, while still doing what needs no Docker.
 */

describeWithServices(['nats'], 'agent with a dead Docker daemon', () => {
  const nats = useNatsServer();
  let fake: FakeOrchestrator;
  let dir: TempDir;
  let agent: RunningAgent | undefined;

  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 200 });
    dir = await makeTempDir('shoal-agent-nodocker-');
  });
  afterEach(async () => {
    await agent?.stop();
    await fake.stop();
    await dir.cleanup();
  });

  it('reports itself unhealthy and refuses docker jobs with the reason', async () => {
    const docker = new DockerExecutor({
      docker: new Docker({ socketPath: join(dir.path, 'no-daemon.sock') }),
      nodeId: 'n-nodocker',
      stateDir: dir.path,
      logger: silentLogger,
      callTimeoutMs: 500,
    });
    agent = await startAgent(testAgentConfig(nats.url, dir.path, { name: 'n-nodocker' }), {
      executors: [docker],
    });
    const beat = await waitFor(
      () => fake.heartbeats.find((h) => h.nodeId === 'n-nodocker' && !h.payload.Healthy),
      { message: 'an unhealthy heartbeat' },
    );
    expect(beat.payload.HealthReason).toMatch(
      /^docker: docker daemon not responding \(docker ping: .*ENOENT/,
    );

    const job = makeJob({ Engine: { Type: 'docker', Params: { Image: 'busybox' } } });
    const ask = makeAsk({}, { Job: job, JobID: job.ID, WaitForApproval: false });
    fake.send('n-nodocker', 'AskForBid', ask);
    const [bid] = await waitFor(() => {
      const reports = fake.reportsOf(ask.ExecutionID);
      return reports.length > 0 && reports;
    });
    expect(bid).toMatchObject({
      type: 'BidResult',
      payload: {
        Accepted: false,
        Reason: expect.stringMatching(/^node is unhealthy: docker daemon not responding/),
      },
    });
  });
});
