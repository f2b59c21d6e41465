import {
  ComputeStateType as C,
  type Capacity,
  type ComputeStateType,
  DesiredStateType as D,
  type DesiredStateType,
  EvaluationTrigger,
  type ExecutionOutcome,
  type Job,
  JobStateType,
  type JobType,
  type Nanos,
  NodeConnection,
  NodeMembership,
  type Task,
} from '@shoal/models';
import type { NodeCandidate, ScheduledExecution, SchedulerSettings, SchedulerSnapshot } from '../types.js';

/** Builders for scheduler tests: small, readable defaults that each test overrides. */

export const SEC = 1_000_000_000n;
/** The job's CreateTime in every fixture; tests express `now` relative to it. */
export const T0: Nanos = 1_700_000_000n * SEC;
export const GB = 1_000_000_000;
export const MB = 1_000_000;

export function makeTask(overrides: Partial<Task> = {}): Task {
  return {
    Name: 'main',
    Engine: { Type: 'docker', Params: { Image: 'busybox' } },
    Publisher: { Type: '', Params: {} },
    Env: {},
    Meta: {},
    InputSources: [],
    ResultPaths: [],
    Resources: { CPU: '1', Memory: '1Gb', Disk: '', GPU: '' },
    Network: { Type: 'None' },
    Timeouts: { ExecutionTimeout: 0, QueueTimeout: 0, TotalTimeout: 0 },
    ...overrides,
  };
}

export interface JobSpec extends Partial<Omit<Job, 'Tasks'>> {
  task?: Partial<Task>;
  type?: JobType;
  state?: JobStateType;
}

export function makeJob(spec: JobSpec = {}): Job {
  const { task, type, state, ...rest } = spec;
  return {
    ID: 'j-00000000-0000-4000-8000-000000000001',
    Name: 'test',
    Namespace: 'default',
    Type: type ?? 'batch',
    Priority: 0,
    Count: 1,
    Constraints: [],
    Meta: {},
    Labels: {},
    Tasks: [makeTask(task)],
    State: { StateType: state ?? JobStateType.Pending, Message: '' },
    Version: 0,
    Revision: 1,
    CreateTime: T0,
    ModifyTime: T0,
    ...rest,
  };
}

export interface NodeSpec {
  id: string;
  cpu?: number;
  memory?: number;
  disk?: number;
  gpu?: number;
  labels?: Record<string, string>;
  engines?: string[];
  publishers?: string[];
  sources?: string[];
  membership?: NodeMembership;
  connection?: NodeConnection;
  healthy?: boolean;
  usage?: Partial<Capacity>;
  maxJob?: Partial<Capacity>;
  /** A disconnected node's grace deadline (NodeCandidate.lostAt). */
  lostAt?: Nanos;
  /** What the node lets wait for room beyond what it runs at once (ComputeNodeInfo.QueueCapacity). */
  queue?: Partial<Capacity>;
}

export function capacity(c: Partial<Capacity> = {}): Capacity {
  return { CPU: 0, Memory: 0, Disk: 0, GPU: 0, ...c };
}

/** A connected, approved, healthy node with 4 CPUs and 8 GB unless told otherwise. */
export function makeNode(spec: NodeSpec): NodeCandidate {
  const max = capacity({
    CPU: spec.cpu ?? 4,
    Memory: spec.memory ?? 8 * GB,
    Disk: spec.disk ?? 100 * GB,
    GPU: spec.gpu ?? 0,
  });
  return {
    Info: {
      NodeID: spec.id,
      NodeType: 'Compute',
      Labels: spec.labels ?? {},
      ComputeNodeInfo: {
        ExecutionEngines: spec.engines ?? ['docker', 'noop'],
        Publishers: spec.publishers ?? ['noop', 'local'],
        StorageSources: spec.sources ?? ['localDirectory'],
        MaxCapacity: max,
        AvailableCapacity: max,
        MaxJobRequirements: capacity(spec.maxJob),
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
        ...(spec.queue === undefined ? {} : { QueueCapacity: capacity(spec.queue) }),
      },
      Version: {
        Major: '0',
        Minor: '1',
        GitVersion: 'v0.1.0',
        GitCommit: '',
        BuildDate: '',
        GOOS: 'linux',
        GOARCH: 'amd64',
      },
    },
    Membership: spec.membership ?? NodeMembership.Approved,
    Connection: spec.connection ?? NodeConnection.Connected,
    usage: capacity(spec.usage),
    healthy: spec.healthy ?? true,
    ...(spec.lostAt === undefined ? {} : { lostAt: spec.lostAt }),
  };
}

export interface ExecutionSpec {
  id: string;
  node: string;
  partition?: number;
  desired?: DesiredStateType;
  compute?: ComputeStateType;
  message?: string;
  revision?: number;
  created?: Nanos;
  modified?: Nanos;
  allocated?: Partial<Capacity>;
  outcome?: ExecutionOutcome;
  /**
   * When its run started; a running (BidAccepted) execution started at its creation unless told
   * otherwise, and `null` makes it one that waits on its node for room.
   */
  runStart?: Nanos | null;
}

export function makeExecution(spec: ExecutionSpec): ScheduledExecution {
  const created = spec.created ?? T0;
  const compute = spec.compute ?? C.New;
  const runStart = spec.runStart === undefined && compute === C.BidAccepted ? created : spec.runStart;
  return {
    ...(runStart === undefined || runStart === null ? {} : { runStartTime: runStart }),
    outcome: spec.outcome ?? '',
    ID: spec.id,
    Namespace: 'default',
    EvalID: '',
    Name: '',
    NodeID: spec.node,
    JobID: makeJob().ID,
    AllocatedResources: { Tasks: { main: capacity(spec.allocated ?? { CPU: 1, Memory: GB }) } },
    DesiredState: { StateType: spec.desired ?? D.Pending, Message: '' },
    ComputeState: { StateType: compute, Message: spec.message ?? '' },
    PublishedResult: { Type: '', Params: null },
    RunOutput: null,
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    Revision: spec.revision ?? 1,
    CreateTime: created,
    ModifyTime: spec.modified ?? created,
    partition: spec.partition ?? 0,
  };
}

export interface SnapshotSpec {
  job?: Job;
  executions?: ScheduledExecution[];
  nodes?: NodeCandidate[];
  settings?: Partial<SchedulerSettings>;
  trigger?: EvaluationTrigger;
}

export function makeSnapshot(spec: SnapshotSpec = {}): SchedulerSnapshot {
  return {
    job: spec.job ?? makeJob(),
    executions: spec.executions ?? [],
    nodes: spec.nodes ?? [],
    evaluation: { ID: 'eval-1', TriggeredBy: spec.trigger ?? EvaluationTrigger.JobRegister, Comment: '' },
    settings: spec.settings ?? {},
    seed: 'test-seed',
  };
}
