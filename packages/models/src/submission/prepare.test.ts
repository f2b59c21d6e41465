import { describe, expect, it } from 'vitest';
import { encodeJson } from '../codec.js';
import { JobSchema } from '../schemas/job.js';
import { fixture } from '../test-data/fixtures.js';
import type { PrepareJobOptions } from './prepare.js';
import { prepareJobSubmission } from './prepare.js';

const ID = 'j-9809ae4b-d4fa-47c6-823b-86c924e60604';
const NOW = 1695883778909107178n;
const opts: PrepareJobOptions = { id: ID, now: NOW };

function docker(
  params: Record<string, unknown> = {},
  task: Record<string, unknown> = {},
  job: Record<string, unknown> = {},
) {
  return {
    Type: 'batch',
    Tasks: [
      { Name: 't', Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest', ...params } }, ...task },
    ],
    ...job,
  };
}

function ok(input: unknown, options: PrepareJobOptions = opts) {
  const result = prepareJobSubmission(input, options);
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result;
}

describe('prepareJobSubmission: valid jobs', () => {
  it("accepts the v1 jobs API's example create request with its warning and applies the defaults", () => {
    const { Job } = fixture('create-job-request') as { Job: unknown };
    const { job, warnings } = ok(Job);
    expect(warnings).toEqual(['job create time is ignored when submitting a job']);
    expect(job).toMatchObject({
      ID,
      Name: 'test-job',
      Namespace: 'default',
      Type: 'batch',
      Count: 1,
      Priority: 0,
      Labels: { foo: 'bar', env: 'dev' },
      State: { StateType: 'Pending', Message: '' },
      Version: 0,
      Revision: 1,
      CreateTime: NOW,
      ModifyTime: NOW,
    });
    const task = job.Tasks[0];
    expect(task?.Engine).toEqual({
      Type: 'docker',
      Params: {
        Image: 'ubuntu:latest',
        Entrypoint: ['echo', 'hello'],
        Parameters: [],
        EnvironmentVariables: [],
        WorkingDirectory: '',
      },
    });
    expect(task?.Resources).toEqual({ CPU: '500m', Memory: '512Mb', Disk: '', GPU: '' });
    expect(task?.Network).toEqual({ Type: 'None' });
    expect(task?.Publisher).toEqual({ Type: 'noop', Params: {} });
    // Bacalhau's default for a batch task that names no ExecutionTimeout.
    expect(task?.Timeouts).toEqual({ ExecutionTimeout: 1800, QueueTimeout: 0, TotalTimeout: 0 });
    // The result is a valid stored job.
    expect(JobSchema.parse(job)).toEqual(job);
  });

  it('accepts the described job resubmitted: empty means unset', () => {
    const { Job } = fixture('describe-job') as { Job: unknown };
    const { job, warnings } = ok(Job);
    expect(warnings).toEqual([
      'job ID is ignored when submitting a job',
      'job state is ignored when submitting a job',
      'job revision is ignored when submitting a job',
      'job create time is ignored when submitting a job',
      'job modify time is ignored when submitting a job',
      'meta key bacalhau.org/requester.id is set by the orchestrator; the submitted value was ignored',
      'meta key bacalhau.org/requester.publicKey is set by the orchestrator; the submitted value was ignored',
    ]);
    expect(job.ID).toBe(ID);
    expect(job.Name).toBe('A sample job');
    expect(job.State.StateType).toBe('Pending');
    expect(job.Tasks[0]?.Publisher.Type).toBe('');
    expect(job.Tasks[0]?.Resources.CPU).toBe('500m');
    expect(job.Tasks[0]?.Timeouts.ExecutionTimeout).toBe(1800);
    expect(job.Meta).toEqual({});
  });

  it('names a job after its id, and accepts nulls where Go clients send them', () => {
    const { job } = ok(
      docker({ Entrypoint: null }, { Env: null, InputSources: null, Resources: null }, { Labels: null }),
    );
    expect(job.Name).toBe(ID);
    expect(job.Labels).toEqual({});
    expect(job.Tasks[0]?.Env).toEqual({});
  });

  it('gives ops and daemon jobs without a Count 1, as Bacalhau does, and keeps an explicit batch Count', () => {
    expect(ok(docker({}, {}, { Type: 'ops' })).job.Count).toBe(1);
    expect(ok(docker({}, {}, { Type: 'daemon', Count: 0 })).job.Count).toBe(1);
    expect(ok(docker({}, {}, { Count: 3 })).job.Count).toBe(3);
  });

  it('normalises case-insensitive enums and paths', () => {
    const { job } = ok(
      docker(
        {},
        {
          Network: { Type: 'host' },
          Publisher: { Type: 'Local' },
          ResultPaths: [{ Name: 'out', Path: '/outputs//x/' }],
        },
      ),
    );
    expect(job.Tasks[0]?.Network.Type).toBe('Host');
    expect(job.Tasks[0]?.Publisher.Type).toBe('local');
    expect(job.Tasks[0]?.ResultPaths).toEqual([{ Name: 'out', Path: '/outputs/x' }]);
  });

  it('accepts a noop task with a scripted result', () => {
    const { job } = ok({
      Type: 'batch',
      Tasks: [{ Name: 'n', Engine: { Type: 'noop', Params: { ExitCode: 3, Stdout: 'x' } } }],
    });
    expect(job.Tasks[0]?.Engine).toEqual({ Type: 'noop', Params: { ExitCode: 3, Stdout: 'x' } });
  });

  it('accepts an allow-listed host path', () => {
    const policy = { allowedHostPaths: [{ path: '/data', readWrite: false }] };
    const input = docker(
      {},
      {
        InputSources: [
          { Source: { Type: 'localDirectory', Params: { SourcePath: '/data/set1' } }, Target: '/in' },
        ],
      },
    );
    const { job } = ok(input, { ...opts, policy });
    expect(job.Tasks[0]?.InputSources[0]?.Source.Params).toEqual({
      SourcePath: '/data/set1',
      ReadWrite: false,
    });
  });

  it('keeps big nanosecond times exact through encoding', () => {
    expect(encodeJson(ok(docker()).job)).toContain('"CreateTime":1695883778909107178');
  });
});
