import {
  ComputeStateType as C,
  DesiredStateType as D,
  type Job,
  manualClock,
  nanosFromMillis,
  type RunOutput,
  type Task,
} from '@shoal/models';
import type { Payload } from '@shoal/protocol';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import { ExecutionManager, type ExecutionManagerOptions } from '../execution/execution-manager.js';
import type { Executor, ExecutorResult, PrepareSpec, RunSpec } from '../executor/executor.js';
import { NoopExecutor } from '../executor/noop.js';
import { silentLogger } from '../logger.js';
import { CapacityTracker, type ResourceRequest } from '../node/capacity.js';
import type { NewExecution } from '../store/executions.js';
import { type AgentStore, openAgentStore } from '../store/index.js';
import { manualTimers } from './manual-timers.js';

/** Test-only helpers: a job, an ask, and an agent core over a real SQLite file in a temp dir. */

let counter = 0;
/** Deterministic uuid-shaped ids, unique within a test run. */
export function testUuid(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

/** What a run printed, as publishers get it: by default `inline only` on stdout, `oops` on stderr, exit 3. */
export function makeRunOutput(overrides: Partial<RunOutput> = {}): RunOutput {
  return {
    stdout: 'inline only\n',
    stdouttruncated: false,
    stderr: 'oops\n',
    stderrtruncated: false,
    exitCode: 3,
    runnerError: '',
    ...overrides,
  };
}

export function makeTask(overrides: Partial<Task> = {}): Task {
  return {
    Name: 'main',
    Engine: { Type: 'noop', Params: {} },
    Publisher: { Type: '', Params: null },
    Env: {},
    Meta: {},
    InputSources: [],
    ResultPaths: [],
    Resources: { CPU: '500m', Memory: '512Mb', Disk: '', GPU: '' },
    Network: { Type: 'None' },
    Timeouts: {},
    ...overrides,
  };
}

export function makeJob(task: Partial<Task> = {}): Job {
  return {
    ID: `j-${testUuid()}`,
    Name: 'test',
    Namespace: 'default',
    Type: 'batch',
    Priority: 0,
    Count: 1,
    Constraints: [],
    Meta: {},
    Labels: {},
    Tasks: [makeTask(task)],
    State: { StateType: 'Running', Message: '' },
    Version: 0,
    Revision: 1,
    // Beyond 2^53 on purpose: the job must round-trip through the store digit for digit.
    CreateTime: 1695883778909107178n,
    ModifyTime: 1695883779369191994n,
  };
}

/** A new execution of `job` as the store records one it has accepted and is running. */
export function runningExecution(id: string, job: Job = makeJob()): NewExecution {
  return {
    id,
    jobId: job.ID,
    partition: 0,
    job,
    waitForApproval: false,
    localState: C.BidAccepted,
    desiredState: D.Running,
    message: '',
    reserved: null,
  };
}

export function makeAsk(
  params: Record<string, unknown> = {},
  options: Partial<Payload<'AskForBid'>> = {},
): Payload<'AskForBid'> {
  const job = options.Job ?? makeJob({ Engine: { Type: 'noop', Params: params } });
  return {
    ExecutionID: `e-${testUuid()}`,
    JobID: job.ID,
    Partition: 0,
    WaitForApproval: true,
    ...options,
    Job: job,
  };
}

/** The real noop engine, counting how often it was asked to run, and which runs to get ready for. */
export class CountingExecutor implements Executor {
  runs = 0;
  readonly prepared: string[] = [];
  readonly discarded: string[] = [];
  constructor(readonly inner: Executor) {}
  capabilities() {
    return this.inner.capabilities();
  }
  run(spec: RunSpec): Promise<ExecutorResult> {
    this.runs++;
    return this.inner.run(spec);
  }
  prepare(spec: PrepareSpec): void {
    this.prepared.push(spec.executionId);
  }
  discard(executionId: string): void {
    this.discarded.push(executionId);
  }
}

export const SMALL_NODE: ResourceRequest = { cpuMillis: 4000, memoryBytes: 8e9, diskBytes: 100e9, gpu: 0 };

export interface Harness {
  dir: TempDir;
  store: AgentStore;
  manager: ExecutionManager;
  executor: CountingExecutor;
  capacity: CapacityTracker;
  clock: ReturnType<typeof manualClock>;
  timers: ReturnType<typeof manualTimers>;
  /** Stops runs and closes the store, keeping the directory (a restart follows). */
  stop(): Promise<void>;
}

export async function openHarness(
  options: { dir?: TempDir; total?: ResourceRequest } & Partial<ExecutionManagerOptions> = {},
): Promise<Harness> {
  const dir = options.dir ?? (await makeTempDir('shoal-agent-'));
  const clock = manualClock();
  const timers = manualTimers((ms) => clock.advance(nanosFromMillis(ms)));
  const store = openAgentStore({ dataDir: dir.path, clock, logger: silentLogger, newId: testUuid });
  const executor = new CountingExecutor(new NoopExecutor({ timers }));
  const capacity = new CapacityTracker(options.total ?? SMALL_NODE);
  const manager = new ExecutionManager({
    store,
    executors: [executor],
    capacity,
    clock,
    timers,
    logger: silentLogger,
    ...options,
  });
  return {
    dir,
    store,
    manager,
    executor,
    capacity,
    clock,
    timers,
    async stop() {
      await manager.shutdown();
      await store.close();
    },
  };
}

/**
 * Harnesses a test opens, each possibly over the directory of a previous one (a restart after a
 * crash: the previous one stopped, its store closed). `cleanup` in afterEach stops them all.
 */
export function restartableHarnesses() {
  const open: Harness[] = [];
  return {
    async start(previous?: Harness, options: Parameters<typeof openHarness>[0] = {}): Promise<Harness> {
      const h = await openHarness({ ...options, ...(previous ? { dir: previous.dir } : {}) });
      open.push(h);
      return h;
    },
    async cleanup(): Promise<void> {
      const harnesses = open.splice(0);
      for (const h of harnesses) await h.stop();
      for (const dir of new Set(harnesses.map((h) => h.dir))) await dir.cleanup();
    },
  };
}

/** Lets queued promise callbacks and transactions run (runs finish on a later turn). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
