import {
  type ComputeStateType,
  DesiredStateType,
  type Execution,
  type Job,
  type JobStateType,
  type JobType,
  type RunOutput,
} from '@shoal/models';

/**
 * Test-only: jobs and executions as the API returns them, for the pure functions that read them
 * (outcomes, readiness, tables, prefixes). Each test states only the fields it is about.
 */

export function testJob(
  fields: { state?: JobStateType; message?: string; type?: JobType; count?: number } = {},
): Job {
  return {
    ID: 'j-1a2b3c4d-0000-4000-8000-000000000001',
    Name: 'test',
    Namespace: 'default',
    Type: fields.type ?? 'batch',
    Priority: 0,
    Count: fields.count ?? 1,
    Constraints: [],
    Meta: {},
    Labels: {},
    Tasks: [],
    State: { StateType: fields.state ?? 'Running', Message: fields.message ?? '' },
    Version: 0,
    Revision: 1,
    CreateTime: 1_700_000_000_000_000_000n,
    ModifyTime: 1_700_000_000_000_000_000n,
  };
}

/** The run output of a task that exited with `exitCode`. */
export function ran(exitCode: number, fields: Partial<RunOutput> = {}): RunOutput {
  return {
    stdout: '',
    stdouttruncated: false,
    stderr: '',
    stderrtruncated: false,
    exitCode,
    runnerError: '',
    ...fields,
  };
}

let serial = 0;

export function testExecution(fields: {
  id?: string;
  node?: string;
  compute: ComputeStateType;
  desired?: DesiredStateType;
  message?: string;
  run?: RunOutput | null;
}): Execution {
  serial += 1;
  return {
    ID: fields.id ?? `e-${String(serial).padStart(8, '0')}-0000-4000-8000-000000000000`,
    Namespace: 'default',
    EvalID: '',
    Name: '',
    NodeID: fields.node ?? 'node-1',
    JobID: 'j-1a2b3c4d-0000-4000-8000-000000000001',
    AllocatedResources: { Tasks: {} },
    DesiredState: { StateType: fields.desired ?? DesiredStateType.Running, Message: '' },
    ComputeState: { StateType: fields.compute, Message: fields.message ?? '' },
    PublishedResult: { Type: '', Params: null },
    RunOutput: fields.run ?? null,
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    Revision: 1,
    CreateTime: 1_700_000_000_000_000_000n,
    ModifyTime: 1_700_000_000_000_000_000n,
  };
}
