import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJson, type NodeState, shortId } from '@shoal/models';
import {
  describeWithServices,
  dockerClient,
  makeTempDir,
  type TempDir,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runShoal } from '../testing/test-cluster.js';
import { api, killProcessesUsing, type RunningDevstack, startDevstack } from './devstack-harness.js';

/**
 * The CLI driving the real devstack (an orchestrator and three agent
 * processes, docker and noop engines) as a user would, after `./shoal devstack`.
 */
describeWithServices(['nats', 'docker'], 'the shoal CLI against a real devstack', () => {
  let dir: TempDir;
  let devstack: RunningDevstack;
  let url = '';
  const shoal = (...args: string[]) => runShoal(url, args);

  beforeAll(async () => {
    dir = await makeTempDir('shoal-devstack-cli-');
    devstack = startDevstack([
      ...['--nodes', '3', '--engines', 'docker,noop', '--data-dir', join(dir.path, 'stack')],
      ...['--api-port', '0', '--nats-port', '0'],
    ]);
    url = await devstack.ready();
  }, 300_000);

  afterAll(async () => {
    devstack?.child.kill('SIGINT');
    await devstack?.exited;
    killProcessesUsing(dir.path);
    await dir.cleanup();
  }, 60_000);

  const stateOf = async (id: string) =>
    (await api<{ Job: { State: { StateType: string } } }>(url, `/orchestrator/jobs/${id}`)).Job.State
      .StateType;

  it('node list shows three connected nodes with their labels', async () => {
    const table = await shoal('node', 'list');
    expect(table.code).toBe(0);
    for (const zone of ['a', 'b', 'c']) expect(table.stdout).toContain(`zone=${zone}`);
    const json = await shoal('node', 'list', '--output', 'json');
    // The API's own shapes, as curl shows them.
    const { Nodes: nodes } = decodeJson(json.stdout) as { Nodes: NodeState[] };
    expect(nodes.map((n) => [n.Info.Labels.name, n.Connection]).sort()).toEqual([
      ['node-1', 'CONNECTED'],
      ['node-2', 'CONNECTED'],
      ['node-3', 'CONNECTED'],
    ]);
  });

  it('docker run --wait prints what the container printed', async () => {
    const run = await shoal('docker', 'run', '--wait', testImageName(), '--', 'echo', 'hello', 'world');
    expect(run.stdout).toBe('hello world\n');
    expect(run.code).toBe(0);
  }, 120_000);

  it('job run from YAML, --output json that is the API’s own job, and a ResultPath file through job get', async () => {
    const file = join(dir.path, 'job.yaml');
    await writeFile(
      file,
      [
        'Type: batch',
        'Labels: { suite: devstack-cli }',
        'Tasks:',
        '  - Name: main',
        '    Engine:',
        '      Type: docker',
        '      Params:',
        `        Image: ${testImageName()}`,
        '        Entrypoint: [sh, -c]',
        '        Parameters: ["echo from yaml; echo 42 > /outputs/answer"]',
        '    Publisher: { Type: local }',
        '    ResultPaths: [{ Name: outputs, Path: /outputs }]',
      ].join('\n'),
    );
    const run = await shoal('job', 'run', '--wait', file);
    expect(run.stdout).toBe('from yaml\n');
    expect(run.code).toBe(0);

    const listed = decodeJson(
      (await shoal('job', 'list', '--labels', 'suite=devstack-cli', '--output', 'json')).stdout,
    );
    const [job] = (listed as { Jobs: Array<{ ID: string }> }).Jobs;
    const id = job?.ID ?? '';
    const described = decodeJson((await shoal('job', 'describe', id, '--output', 'json')).stdout) as {
      Job?: unknown;
    };
    const fromApi = decodeJson(await (await fetch(`${url}/api/v1/orchestrator/jobs/${id}`)).text()) as {
      Job: unknown;
    };
    expect(described.Job ?? described).toEqual(fromApi.Job);

    const got = await shoal('job', 'get', shortId(id), '--output-dir', dir.path);
    expect(got.code).toBe(0);
    expect(await readFile(join(dir.path, `job-${shortId(id)}`, 'outputs', 'answer'), 'utf8')).toBe('42\n');
  }, 120_000);

  it('job logs --follow streams a running container line by line until it ends', async () => {
    const submitted = await shoal(
      'docker',
      'run',
      '--id-only',
      '--wait=false',
      testImageName(),
      '--',
      'sh',
      '-c',
      'for i in 1 2 3; do echo line $i; sleep 0.3; done',
    );
    const id = submitted.stdout.trim();
    const logs = await shoal('job', 'logs', id, '--follow');
    expect(logs.stdout).toBe('line 1\nline 2\nline 3\n');
  }, 120_000);

  it('job stop stops a running container and leaves none behind', async () => {
    const id = (
      await shoal('docker', 'run', '--id-only', '--wait=false', testImageName(), '--', 'sleep', '600')
    ).stdout.trim();
    await waitFor(async () => (await stateOf(id)) === 'Running', { timeoutMs: 60_000, message: 'running' });
    const stopped = await shoal('job', 'stop', id, '--reason', 'enough');
    expect(stopped.code).toBe(0);
    await waitFor(async () => (await stateOf(id)) === 'Stopped', { timeoutMs: 30_000, message: 'stopped' });
    await waitFor(
      async () =>
        (await dockerClient().listContainers({ all: true, filters: { label: [`io.shoal.job-id=${id}`] } }))
          .length === 0,
      { timeoutMs: 30_000, message: 'the stopped job’s container to be removed' },
    );
  }, 120_000);
});
