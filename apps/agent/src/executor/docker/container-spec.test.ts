import { describe, expect, it } from 'vitest';
import { makeTask } from '../../testing/fixtures.js';
import { ALLOWED_CAPABILITIES, planContainer } from './container-spec.js';

const options = {
  nodeId: 'n-1',
  allowNetworkedJobs: false,
  pidsLimit: 256,
  maxOutputFileBytes: 100 * 1048576,
};
const resources = { cpuMillis: 1500, memoryBytes: 64 * 1048576, diskBytes: 0, gpu: 0 };

function plan(params: Record<string, unknown>, task: Parameters<typeof makeTask>[0] = {}, opts = options) {
  return planContainer(
    {
      executionId: 'e-1',
      jobId: 'j-1',
      task: makeTask({ Engine: { Type: 'docker', Params: params }, ...task }),
      resources,
    },
    '/state/executions/e-1',
    opts,
  );
}

describe('planContainer', () => {
  it('builds a named, labelled, locked-down container from the task', () => {
    const outcome = plan(
      {
        Image: 'busybox:1.36',
        Entrypoint: ['sh', '-c'],
        Parameters: ['echo $HOME; ls'],
        EnvironmentVariables: ['B=2', 'A=override'],
        WorkingDirectory: '/work',
      },
      { Env: { A: '1' }, ResultPaths: [{ Name: 'out', Path: '/outputs' }] },
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const { create, results } = outcome.plan;
    expect(create).toMatchObject({
      name: 'shoal-e-1',
      Image: 'busybox:1.36',
      Entrypoint: ['sh', '-c'],
      Cmd: ['echo $HOME; ls'],
      Env: ['A=1', 'B=2', 'A=override'],
      WorkingDir: '/work',
      Tty: false,
      Labels: {
        'io.shoal.managed': 'true',
        'io.shoal.node-id': 'n-1',
        'io.shoal.job-id': 'j-1',
        'io.shoal.execution-id': 'e-1',
      },
    });
    expect(create.HostConfig).toMatchObject({
      NetworkMode: 'none',
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: ALLOWED_CAPABILITIES,
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 256,
      Memory: 64 * 1048576,
      MemorySwap: 64 * 1048576,
      NanoCpus: 1_500_000_000,
      Binds: ['/state/executions/e-1/results/out:/outputs:rw'],
      AutoRemove: false,
    });
    expect(results).toEqual([
      { name: 'out', hostPath: '/state/executions/e-1/results/out', containerPath: '/outputs' },
    ]);
  });

  it('leaves the image defaults alone when Entrypoint and Parameters are not given', () => {
    const outcome = plan({ Image: 'busybox' });
    expect(outcome.ok && outcome.plan.create).not.toHaveProperty('Entrypoint');
    expect(outcome.ok && outcome.plan.create).not.toHaveProperty('Cmd');
    expect(outcome.ok && outcome.plan.create).not.toHaveProperty('WorkingDir');
  });

  it('maps networks only when the operator allows them', () => {
    const allowed = { ...options, allowNetworkedJobs: true };
    const mode = (type: string, opts = options) => {
      const outcome = plan({ Image: 'busybox' }, { Network: { Type: type as 'None' } }, opts);
      return outcome.ok ? outcome.plan.create.HostConfig?.NetworkMode : outcome.error;
    };
    expect(mode('Host', allowed)).toBe('host');
    expect(mode('Full', allowed)).toBe('bridge');
    expect(mode('Full')).toBe('network type Full is not allowed on this node (see --allow-networked-jobs)');
    expect(mode('HTTP', allowed)).toBe('network type HTTP is not supported by the docker engine');
  });

  it('refuses smuggled options and unsafe names, all problems at once', () => {
    const outcome = plan(
      { Image: 'busybox', Privileged: true },
      {
        ResultPaths: [
          { Name: '../etc', Path: '/x' },
          { Name: 'ok', Path: '/' },
        ],
        Env: { 'A=B': 'x' },
      },
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatch(/Engine\.Params: Unrecognized key: "Privileged"/);
    expect(outcome.error).toMatch(/Env: "A=B" is not a valid variable/);
    expect(outcome.error).toMatch(/name "\.\.\/etc" must be/);
    expect(outcome.error).toMatch(/path "\/" must be an absolute path below \//);
  });
});

describe('planContainer: inputs', () => {
  const withInputs = (inputs: Array<{ hostPath: string; target: string; readOnly: boolean }>) =>
    planContainer(
      {
        executionId: 'e-1',
        jobId: 'j-1',
        task: makeTask({
          Engine: { Type: 'docker', Params: { Image: 'busybox' } },
          ResultPaths: [{ Name: 'out', Path: '/outputs' }],
        }),
        resources,
        inputs,
      },
      '/state/executions/e-1',
      options,
    );

  it('mounts each staged input at its target, read-only unless it may be written, before the results', () => {
    const outcome = withInputs([
      { hostPath: '/state/executions/e-1/inputs/0', target: '/inputs', readOnly: true },
      { hostPath: '/data/set', target: '/data', readOnly: true },
      { hostPath: '/scratch/x', target: '/scratch', readOnly: false },
    ]);
    expect(outcome.ok && outcome.plan.create.HostConfig?.Binds).toEqual([
      '/state/executions/e-1/inputs/0:/inputs:ro',
      '/data/set:/data:ro',
      '/scratch/x:/scratch:rw',
      '/state/executions/e-1/results/out:/outputs:rw',
    ]);
  });

  it('refuses paths a bind cannot name', () => {
    const outcome = withInputs([
      { hostPath: '/data/a:b', target: '/in', readOnly: true },
      { hostPath: '/data/a', target: '/in:rw', readOnly: true },
    ]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toContain('host path "/data/a:b" cannot be mounted');
    expect(outcome.error).toContain('target "/in:rw" must be an absolute path');
  });
});
