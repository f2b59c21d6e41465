import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputSource } from '@shoal/models';
import {
  describeWithServices,
  dockerClient,
  ensureTestImage,
  type HttpFiles,
  makeTempDir,
  removeContainersByLabel,
  startHttpFiles,
  type TempDir,
  testImageName,
  useNatsServer,
  waitFor,
} from '@shoal/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { agentStateDir } from './config.js';
import { inputsDir } from './execution/execution-files.js';
import { LABEL_EXECUTION, LABEL_NODE } from './executor/docker/labels.js';
import { AGENT_RESTARTED } from './executor/executor.js';
import { type RunningAgent, startAgent } from './main.js';
import { testAgentConfig } from './testing/agents.js';
import { type FakeOrchestrator, startFakeOrchestrator } from './testing/fake-orchestrator.js';
import { makeAsk, makeJob } from './testing/fixtures.js';

/**
 * Fetched inputs across agent restarts: a container that outlives the agent keeps its inputs until
 * the restarted agent sees it end; a fetch cut short by a stop leaves nothing; inputs of executions
 * that no longer run are swept at start.
 */

const exists = (path: string) =>
  readdir(path).then(
    () => true,
    () => false,
  );

describeWithServices(['nats', 'docker'], 'fetched inputs across agent restarts', () => {
  const nats = useNatsServer();
  const docker = dockerClient();
  let fake: FakeOrchestrator;
  let dir: TempDir;
  let http: HttpFiles;
  const agents: RunningAgent[] = [];
  const name = `n-inputs-${Date.now()}`;
  const config = (engines: string[]) =>
    testAgentConfig(nats.url, dir.path, { name, engines, shutdownTimeoutMs: 300 });
  const inputs = (executionId: string) => inputsDir(agentStateDir({ dataDir: dir.path }), executionId);

  beforeAll(async () => {
    await ensureTestImage();
    http = await startHttpFiles({
      '/hang': (_req, res) => {
        res.writeHead(200);
        res.write('a');
      },
    });
  }, 120_000);
  afterAll(() => http?.close());
  beforeEach(async () => {
    fake = await startFakeOrchestrator(nats.url, { heartbeatIntervalMs: 200 });
    dir = await makeTempDir('shoal-agent-inputs-');
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    await fake.stop();
    await removeContainersByLabel(`${LABEL_NODE}=${name}`, docker);
    await dir.cleanup();
  });

  const start = async (engines: string[]) => {
    const agent = await startAgent(config(engines));
    agents.push(agent);
    await waitFor(() => agent.accepted, { timeoutMs: 30_000, message: 'the handshake' });
    return agent;
  };
  /** What the agent reported of an execution, its progress aside. */
  const reports = (executionId: string) =>
    fake.reportsOf(executionId).filter((r) => r.type !== 'ExecutionProgress');
  const stop = async (agent: RunningAgent) => {
    await agent.stop();
    agents.splice(agents.indexOf(agent), 1);
  };

  it('keeps the inputs of a container the agent let go of, until the restarted agent sees it end', async () => {
    const input: InputSource = {
      Source: { Type: 'inline', Params: { URL: 'data:,kept%20across%20a%20restart%0A' } },
      Alias: '',
      Target: '/inputs/msg.txt',
    };
    const job = makeJob({
      Engine: {
        Type: 'docker',
        Params: {
          Image: testImageName(),
          Entrypoint: ['sh', '-c'],
          Parameters: ['sleep 3; cat /inputs/msg.txt'],
        },
      },
      InputSources: [input],
    });
    const ask = makeAsk({}, { Job: job, JobID: job.ID, WaitForApproval: false });
    const first = await start(['docker']);
    fake.send(first.nodeId, 'AskForBid', ask);
    await waitFor(
      async () =>
        (await docker.listContainers({ filters: { label: [`${LABEL_EXECUTION}=${ask.ExecutionID}`] } }))
          .length === 1,
      { timeoutMs: 30_000, message: 'the container to run' },
    );
    await stop(first);
    expect(await exists(inputs(ask.ExecutionID))).toBe(true);

    await start(['docker']);
    await waitFor(() => reports(ask.ExecutionID).length === 2, {
      timeoutMs: 60_000,
      message: 'the result',
    });
    const [, result] = reports(ask.ExecutionID);
    expect(result).toMatchObject({
      type: 'RunResult',
      payload: { RunOutput: { stdout: 'kept across a restart\n', exitCode: 0 } },
    });
    expect(await exists(inputs(ask.ExecutionID))).toBe(false);
  }, 120_000);

  it('leaves nothing of a fetch cut short by a stop, and reports the run failed after the restart', async () => {
    const job = makeJob({
      Engine: { Type: 'noop', Params: {} },
      InputSources: [
        { Source: { Type: 'urlDownload', Params: { URL: http.url('/hang') } }, Alias: '', Target: '/in' },
      ],
    });
    const ask = makeAsk({}, { Job: job, JobID: job.ID, WaitForApproval: false });
    const first = await start(['noop']);
    fake.send(first.nodeId, 'AskForBid', ask);
    await waitFor(() => exists(inputs(ask.ExecutionID)), {
      timeoutMs: 10_000,
      message: 'the fetch to start',
    });
    await stop(first);
    expect(await exists(inputs(ask.ExecutionID))).toBe(false);

    await start(['noop']);
    await waitFor(() => reports(ask.ExecutionID).length === 2, {
      timeoutMs: 30_000,
      message: 'the report',
    });
    expect(reports(ask.ExecutionID)[1]).toMatchObject({
      type: 'ComputeError',
      payload: { Error: AGENT_RESTARTED },
    });
  }, 60_000);

  it('sweeps, at start, the inputs of executions that no longer run', async () => {
    const stale = join(inputs('e-stale'), '0');
    await mkdir(stale, { recursive: true });
    await writeFile(join(stale, 'data.csv'), 'x');
    await start(['noop']);
    expect(await exists(inputs('e-stale'))).toBe(false);
  });
});
