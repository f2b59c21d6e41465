import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executionDir } from '../../execution/execution-files.js';
import { ALLOWED_CAPABILITIES } from './container-spec.js';
import { type DockerHarness, dockerHarness, dockerSpec, SMALL, sh } from './testing.js';

/** What a task sees and gets back: output, exit codes, arguments, environment, mounts, limits. */

describeWithServices(['docker'], 'docker executor: running a task', () => {
  let h: DockerHarness;
  beforeAll(async () => {
    h = await dockerHarness({ pidsLimit: 200 });
    expect((await h.executor.checkHealth()).healthy).toBe(true);
  });
  afterAll(() => h.cleanup());

  it('runs echo and captures its output and exit code, in RunOutput and in the stdout file', async () => {
    const spec = dockerSpec({ Parameters: ['echo', 'hello', 'world'] });
    expect(await h.executor.run(spec)).toEqual({
      kind: 'completed',
      runOutput: {
        stdout: 'hello world\n',
        stdouttruncated: false,
        stderr: '',
        stderrtruncated: false,
        exitCode: 0,
        runnerError: '',
      },
    });
    expect(await h.file(spec.executionId, 'stdout')).toBe('hello world\n');
    expect(await h.file(spec.executionId, 'stderr')).toBe('');
    // The local image needs no pull, so nothing was said about one.
    expect(spec.progress).toEqual([]);
  });

  it('keeps stdout and stderr apart, and a non-zero exit is a run that ran to its end', async () => {
    const spec = dockerSpec(sh('echo out; echo err >&2; echo out2; exit 3'));
    const result = await h.executor.run(spec);
    expect(result).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'out\nout2\n', stderr: 'err\n', exitCode: 3 },
    });
    expect(await h.file(spec.executionId, 'stderr')).toBe('err\n');
  });

  it('keeps a last line that does not end in a newline as it is', async () => {
    const spec = dockerSpec(sh('echo first; printf last; printf err-last >&2'));
    expect(await h.executor.run(spec)).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'first\nlast', stderr: 'err-last', exitCode: 0 },
    });
    expect(await h.file(spec.executionId, 'stdout')).toBe('first\nlast');
  });

  it('passes Entrypoint and Parameters as arguments, never through a shell', async () => {
    const spec = dockerSpec({ Entrypoint: ['echo'], Parameters: ['a; echo injected', '$HOME', '`id`'] });
    expect(await h.executor.run(spec)).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'a; echo injected $HOME `id`\n', exitCode: 0 },
    });
  });

  it('gives the task its Env and EnvironmentVariables, and its working directory', async () => {
    const spec = dockerSpec(
      {
        ...sh('echo "$FROM_TASK|$FROM_PARAMS|$BOTH|$(pwd)"'),
        EnvironmentVariables: ['FROM_PARAMS=p', 'BOTH=params win'],
        WorkingDirectory: '/tmp',
      },
      { Env: { FROM_TASK: 't', BOTH: 'task' } },
    );
    expect(await h.executor.run(spec)).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 't|p|params win|/tmp\n' },
    });
  });

  it('has no network by default: only the loopback interface', async () => {
    const spec = dockerSpec(sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"));
    expect(await h.executor.run(spec)).toMatchObject({ kind: 'completed', runOutput: { stdout: 'lo\n' } });
  });

  it('refuses a networked task when the node does not allow it, and fails invalid params', async () => {
    const networked = dockerSpec(sh('true'), { Network: { Type: 'Full' } });
    expect(await h.executor.run(networked)).toEqual({
      kind: 'failed',
      error:
        'invalid docker task: network type Full is not allowed on this node (see --allow-networked-jobs)',
    });
    const smuggled = dockerSpec({ Privileged: true });
    expect(await h.executor.run(smuggled)).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(/Unrecognized key: "Privileged"/),
    });
    expect(await h.containers(networked.executionId)).toEqual([]);
  });

  it('fails a container that cannot start, with the daemon’s reason, and leaves nothing behind', async () => {
    const spec = dockerSpec({ Entrypoint: ['/no/such/binary'] });
    const result = await h.executor.run(spec);
    expect(result).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(/cannot start the container: .*no such file/i),
    });
    expect(await h.containers(spec.executionId)).toEqual([]);
  });

  it('mounts each result path writable, and nothing else from the host', async () => {
    const spec = dockerSpec(sh('echo data > /outputs/a.txt && mkdir /logs/sub && echo x > /logs/sub/b'), {
      ResultPaths: [
        { Name: 'outputs', Path: '/outputs' },
        { Name: 'logs', Path: '/logs' },
      ],
    });
    expect(await h.executor.run(spec)).toMatchObject({ kind: 'completed', runOutput: { exitCode: 0 } });
    const results = join(executionDir(h.dir.path, spec.executionId), 'results');
    expect(await readFile(join(results, 'outputs', 'a.txt'), 'utf8')).toBe('data\n');
    expect(await readFile(join(results, 'logs', 'sub', 'b'), 'utf8')).toBe('x\n');
  });

  it('creates a locked-down container, and a cancel kills and removes it at once, output kept', async () => {
    const spec = dockerSpec(sh('echo up; exec sleep 600'), {}, { ...SMALL, cpuMillis: 250 });
    const run = h.executor.run(spec);
    const [listed] = await waitFor(() => h.containers(spec.executionId).then((c) => c.length > 0 && c));
    const info = await h.docker.getContainer(listed?.Id ?? '').inspect();
    expect(info.Name).toBe(`/shoal-${spec.executionId}`);
    expect(info.Config.Labels).toMatchObject({
      'io.shoal.managed': 'true',
      'io.shoal.node-id': h.nodeId,
      'io.shoal.job-id': spec.jobId,
      'io.shoal.execution-id': spec.executionId,
    });
    expect(info.HostConfig).toMatchObject({
      NetworkMode: 'none',
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: ALLOWED_CAPABILITIES,
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 200,
      Memory: SMALL.memoryBytes,
      MemorySwap: SMALL.memoryBytes,
      NanoCpus: 250_000_000,
    });
    expect(info.Mounts).toEqual([]);

    await waitFor(async () => (await h.file(spec.executionId, 'stdout')) === 'up\n');
    const started = Date.now();
    spec.controller.abort(new Error('cancelled by the orchestrator'));
    // SIGKILL at once (no grace for a cancel), and what it printed until then comes back.
    expect(await run).toEqual({
      kind: 'cancelled',
      runOutput: expect.objectContaining({ stdout: 'up\n', exitCode: 137, runnerError: '' }),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await h.containers(spec.executionId)).toEqual([]);
  });
});

describeWithServices(['docker'], 'docker executor: a node that allows networked jobs', () => {
  let h: DockerHarness;
  beforeAll(async () => {
    h = await dockerHarness({ allowNetworkedJobs: true });
  });
  afterAll(() => h.cleanup());

  it('offers Host and Full, and gives a Full task a bridge interface', async () => {
    expect(h.executor.capabilities().networks).toEqual(['None', 'Host', 'Full']);
    const spec = dockerSpec(sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort"), {
      Network: { Type: 'Full' },
    });
    expect(await h.executor.run(spec)).toMatchObject({
      kind: 'completed',
      runOutput: { stdout: 'eth0\nlo\n' },
    });
  });
});
