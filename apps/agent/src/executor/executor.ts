import type { RunOutput, Task } from '@shoal/models';
import type { ResourceRequest } from '../node/capacity.js';
import type { StagedInput } from '../storage/storage.js';

/**
 * What every engine implements (noop, docker, wasm). The execution manager owns
 * the lifecycle and the reports; an executor only runs one task and says how it ended.
 */

export interface RunSpec {
  executionId: string;
  jobId: string;
  task: Task;
  /** What the agent reserved for this run: engines turn it into limits (NanoCpus, Memory, …). */
  resources: ResourceRequest;
  /**
   * The task's InputSources, fetched before the run (storage/): each is mounted at its target.
   * Absent until staged (prepare) or when the task has none.
   */
  inputs?: readonly StagedInput[];
  /** Aborted when the orchestrator cancels the execution or the agent shuts down: stop promptly. */
  signal: AbortSignal;
  /** Finer progress (`pulling image`); the manager rate-limits it, so call it freely. Never throws. */
  onProgress(message: string): void;
}

/** What `prepare` knows: a RunSpec before the run exists. */
export type PrepareSpec = Omit<RunSpec, 'signal' | 'onProgress'>;

/**
 * How a run ended. `completed`: the task ran to its end, whatever its exit code (the manager fails
 * the execution on a non-zero one, still reporting the output); `failed` is for runs that did not
 * produce a result (OOM, timeout, engine error, bad params), `final` when another node would fail
 * alike (the task timed out); `cancelled` only ever answers an aborted signal. `runOutput` is what
 * the task printed, when it ran at all: a stopped task's output is reported too.
 */
export type ExecutorResult =
  | { kind: 'completed'; runOutput: RunOutput }
  | { kind: 'failed'; error: string; runOutput?: RunOutput; final?: boolean }
  | { kind: 'cancelled'; runOutput?: RunOutput };

/** The effective execution timeout in seconds, as the orchestrator computes it; 0 = none. */
export function executionTimeoutSeconds(task: Task): number {
  return task.Timeouts?.ExecutionTimeout || task.Timeouts?.TotalTimeout || 0;
}

/** The one wording of a timeout, whatever the engine. */
export function timedOutError(seconds: number): string {
  return `execution timed out after ${seconds}s`;
}

export interface ExecutorCapabilities {
  /** The engine name a Task's `Engine.Type` must match (`noop`, `docker`, `wasm`). */
  engine: string;
  /** Unhealthy engines get no bids (a hung Docker daemon, say). */
  healthy: boolean;
  /** Why it is unhealthy (`docker daemon not responding`); shown in bid rejections. */
  reason?: string;
  /**
   * Task network types this engine provides (`None`, `Host`, `Full`, …); the bidder refuses the
   * others. Undefined: the engine runs nothing that could use a network (noop), so any is fine.
   */
  networks?: readonly string[];
}

/** After a restart: the engine found the run and resumes watching it, or says why it cannot. */
export type AdoptOutcome =
  | { adopted: true; result: Promise<ExecutorResult> }
  | { adopted: false; reason: string };

export interface Executor {
  /** Synchronous on purpose: bidding must not wait on an engine. Engines cache a background probe. */
  capabilities(): ExecutorCapabilities;
  /** Runs the task to its end. Must not reject: every failure is a `failed` result. */
  run(spec: RunSpec): Promise<ExecutorResult>;
  /**
   * Re-attach to a run started before the agent restarted (docker: find the container by its
   * execution label). Engines without it cannot adopt, and the run is reported failed.
   */
  adopt?(spec: RunSpec): Promise<AdoptOutcome>;
  /**
   * A head start while a bid waits for the orchestrator's approval (docker: if the image is local,
   * create the container without starting it), so `run` has less to do once the bid is accepted.
   * Fire and forget: it never throws, and `run` does everything itself when nothing was prepared.
   * `discard` throws away what was prepared for an execution that will not run.
   */
  prepare?(spec: PrepareSpec): void;
  discard?(executionId: string): void;
  /**
   * Start-up reconciliation after adoption: `live` holds every execution the agent still tracks,
   * so the engine may remove what it runs for anything else (the orphan sweep).
   */
  recover?(live: ReadonlySet<string>): Promise<void>;
  /** Stops the engine's background work (probes, sweeps) when the agent stops. */
  close?(): Promise<void>;
}

/** The runner error every engine that cannot adopt reports for an interrupted run. */
export const AGENT_RESTARTED = 'agent restarted while the execution was running';
