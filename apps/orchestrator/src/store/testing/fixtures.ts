import { randomBytes } from 'node:crypto';
import {
  ComputeStateType,
  createIdGenerator,
  DesiredStateType,
  type Evaluation,
  EvaluationStatus,
  EvaluationTrigger,
  type Execution,
  HistoryEventType,
  type Job,
  type JobStateType,
  type NodeState,
  type RunOutput,
} from '@shoal/models';
import type { NewHistoryEvent, NodeHeartbeat } from '../types.js';

/** Builders for valid models with fresh ids, so tests sharing one store never see each other. */

export const ids = createIdGenerator();

/** The v1 jobs API example job's CreateTime: past 2^53, so any lossy step in the store changes its digits. */
export const SEED_TIME = 1695883778909107178n;

let clock = SEED_TIME;
/** Strictly increasing nanosecond times. */
export const tick = (): bigint => {
  clock += 1_000n;
  return clock;
};

export const unique = (prefix: string): string => `${prefix}${randomBytes(4).toString('hex')}`;

export function makeJob(overrides: Partial<Job> = {}): Job {
  const id = overrides.ID ?? ids.job();
  const time = tick();
  return {
    ID: id,
    Name: id,
    Namespace: 'default',
    Type: 'batch',
    Priority: 0,
    Count: 1,
    Constraints: [{ Key: 'zone', Operator: 'in', Values: ['a', 'b'] }],
    Meta: { 'shoal.io/requester': 'test' },
    Labels: {},
    Tasks: [
      {
        Name: 'main',
        Engine: { Type: 'docker', Params: { Image: 'busybox:latest', Entrypoint: ['echo', 'hi'] } },
        Publisher: { Type: 'noop', Params: null },
        Env: {},
        Meta: {},
        InputSources: [],
        ResultPaths: [],
        Resources: { CPU: '500m', Memory: '512Mb', Disk: '', GPU: '' },
        Network: { Type: 'None' },
        Timeouts: { ExecutionTimeout: 1800 },
      },
    ],
    State: { StateType: 'Pending', Message: '' },
    Version: 0,
    Revision: 1,
    CreateTime: time,
    ModifyTime: time,
    ...overrides,
  };
}

/** A run's output as an agent reports it: exit 0, `stdout` as given, nothing truncated. */
export function runOutput(stdout = 'ok\n', overrides: Partial<RunOutput> = {}): RunOutput {
  return {
    stdout,
    stdouttruncated: false,
    stderr: '',
    stderrtruncated: false,
    exitCode: 0,
    runnerError: '',
    ...overrides,
  };
}

export function makeExecution(job: Job, overrides: Partial<Execution> = {}): Execution {
  const time = tick();
  return {
    ID: ids.execution(),
    Namespace: job.Namespace,
    EvalID: ids.evaluation(),
    Name: job.Name,
    NodeID: 'n-test',
    JobID: job.ID,
    AllocatedResources: { Tasks: { main: { CPU: 0.5, Memory: 536870912 } } },
    DesiredState: { StateType: DesiredStateType.Running, Message: '' },
    ComputeState: { StateType: ComputeStateType.New, Message: '' },
    PublishedResult: { Type: '', Params: null },
    RunOutput: null,
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    Revision: 1,
    CreateTime: time,
    ModifyTime: time,
    ...overrides,
  };
}

export function makeEvaluation(job: Job, overrides: Partial<Evaluation> = {}): Evaluation {
  const time = tick();
  return {
    ID: ids.evaluation(),
    Namespace: job.Namespace,
    JobID: job.ID,
    TriggeredBy: EvaluationTrigger.JobRegister,
    Priority: job.Priority,
    Type: job.Type,
    Status: EvaluationStatus.Pending,
    Comment: '',
    WaitUntil: 0n,
    CreateTime: time,
    ModifyTime: time,
    ...overrides,
  };
}

/** What a healthy, idle node reports in a heartbeat; override what a test is about. */
export function heartbeatReport(overrides: Partial<NodeHeartbeat> = {}): NodeHeartbeat {
  return {
    AvailableCapacity: { CPU: 1, Memory: 1_000, Disk: 0, GPU: 0 },
    RunningExecutions: 0,
    EnqueuedExecutions: 0,
    Healthy: true,
    HealthReason: '',
    ...overrides,
  };
}

export function makeNode(
  options: { id?: string; labels?: Record<string, string> } & Partial<Omit<NodeState, 'Info'>> = {},
): NodeState {
  return {
    Info: {
      NodeID: options.id ?? ids.node(),
      NodeType: 'Compute',
      Labels: options.labels ?? {},
      ComputeNodeInfo: {
        ExecutionEngines: ['docker', 'noop'],
        Publishers: ['noop', 'local'],
        StorageSources: ['localDirectory'],
        MaxCapacity: { CPU: 4, Memory: 8_589_934_592, Disk: 0, GPU: 0 },
        AvailableCapacity: { CPU: 3.2, Memory: 6_871_947_673, Disk: 0, GPU: 0 },
        MaxJobRequirements: { CPU: 3.2, Memory: 6_871_947_673, Disk: 0, GPU: 0 },
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
      },
      Version: {
        Major: '0',
        Minor: '1',
        GitVersion: 'v0.1.0',
        GitCommit: 'abc',
        BuildDate: '',
        GOOS: 'linux',
        GOARCH: 'amd64',
      },
    },
    Membership: options.Membership ?? 'APPROVED',
    Connection: options.Connection ?? 'CONNECTED',
  };
}

export function jobEvent(job: Job, from: JobStateType, to: JobStateType, revision: number): NewHistoryEvent {
  return {
    time: tick(),
    event: {
      Type: HistoryEventType.JobLevel,
      JobID: job.ID,
      JobState: { Previous: from, New: to },
      ExecutionState: null,
      NewRevision: revision,
      Comment: `job ${from} → ${to}`,
    },
  };
}

export function executionEvent(
  execution: Execution,
  from: ComputeStateType,
  to: ComputeStateType,
  revision: number,
): NewHistoryEvent {
  return {
    time: tick(),
    event: {
      Type: HistoryEventType.ExecutionLevel,
      JobID: execution.JobID,
      NodeID: execution.NodeID,
      ExecutionID: execution.ID,
      JobState: null,
      ExecutionState: { Previous: from, New: to },
      NewRevision: revision,
      Comment: `execution ${from} → ${to}`,
    },
  };
}
