import type {
  Capacity,
  ComputeStateType,
  DesiredStateType,
  EvaluationTrigger,
  Execution,
  ExecutionOutcome,
  Job,
  JobStateType,
  Nanos,
  NodeState,
} from '@shoal/models';

/**
 * The scheduler's input and output. `schedule(snapshot, now)` is pure: everything it needs is in
 * the snapshot, and everything it decides is in the plan. The applier (the evaluation worker) loads
 * the snapshot and writes the plan in ONE transaction.
 *
 * How the applier turns a plan into writes and messages:
 *
 * | plan entry                       | store write                                   | outbox message     |
 * | -------------------------------- | --------------------------------------------- | ------------------ |
 * | `newExecutions[i]`               | insert: new `e-` id, ComputeState {New, ''},   | AskForBid to       |
 * |                                  | DesiredState {desiredState, comment},          | `nodeId`, with     |
 * |                                  | AllocatedResources.Tasks[task] = allocated,    | WaitForApproval =  |
 * |                                  | partition, PreviousExecution, Revision 1       | desiredState === 0 |
 * | update with `send: BidAccepted`  | DesiredState := Running (CAS)                  | BidAccepted        |
 * | update with `send: BidRejected`  | DesiredState := Stopped (+ ComputeState) (CAS) | BidRejected        |
 * | update with `send: CancelExec…`  | DesiredState := Stopped (+ ComputeState) (CAS) | CancelExecution    |
 * | update without `send`            | ComputeState only (CAS)                        | none               |
 * | `jobState`                       | job state (CAS on `jobRevision`)               | none               |
 * | `followUp`                       | a delayed evaluation (WaitUntil, TriggeredBy)  | none               |
 *
 * - Every job change and every execution insert or update also appends one history event whose
 *   Comment is the entry's `comment` (`jobState.Comment` for the job).
 * - `send` is decided here from the state the snapshot showed: BidRejected when the bid was never
 *   accepted (desired was Pending and the agent had not started), CancelExecution when the agent may
 *   be running it. Messages to a disconnected node wait in the outbox and are delivered when it
 *   returns, which is how a returning node learns to drop a stale execution.
 * - `computeState` in an update is a SERVER-SIDE decision (node lost, silent agent past its
 *   timeout); the agent is not the author. It is the only time the scheduler writes compute state.
 * - Stamp ModifyTime with the same `now` given to `schedule`: retry backoff is measured from the
 *   ModifyTime of the failed execution, so that a re-evaluation computes the same follow-up.
 * - Concurrency: per-execution CAS does not stop two evaluations of one job from both
 *   INSERTING an execution for the same partition. Read the snapshot and apply the plan in one
 *   transaction that holds the job row (SELECT … FOR UPDATE) and check `jobRevision`; a lost race
 *   is a Conflict, and the evaluation is retried on a fresh snapshot.
 * - Follow-ups: an identical follow-up is proposed again by every evaluation until it is due, so
 *   keep at most one pending follow-up evaluation per (job, trigger, waitUntil).
 * - Agent reports write compute state only and leave DesiredState alone: the scheduler reads
 *   "desired was Stopped when it ended" as "we asked for this ending" (see executions.ts).
 */

/** An execution of the job, with the partition the store keeps beside it. */
export interface ScheduledExecution extends Execution {
  partition: number;
  /** Why it ended, as its writer judged then; '' while it runs (and on older rows). */
  outcome: ExecutionOutcome | '';
  /**
   * When its run started: its timeout counts from here. Absent before it is accepted to run, and
   * while a running (BidAccepted) execution waits on its node for room.
   */
  runStartTime?: Nanos;
}

export interface NodeCandidate extends NodeState {
  /**
   * Already allocated on the node: `allocationOf(AllocatedResources.Tasks)` summed over the
   * executions of ALL jobs on it for which `isLive` holds (both exported from this folder). Use
   * exactly these: the scheduler predicts usage after its own plan with them, and a loader that
   * counted differently would make a re-evaluation see different room and change its mind.
   */
  usage: Capacity;
  /** The agent's own report (e.g. its Docker daemon answers); unhealthy nodes get no new work. */
  healthy: boolean;
  /**
   * A disconnected node's grace: until then its executions are kept, since an agent restarting
   * (or a whole cluster restarting) comes back and re-adopts them; from then on they are lost.
   * Absent: lost as soon as the node is disconnected (or deleted).
   */
  lostAt?: Nanos;
}

export interface EvaluationRef {
  ID: string;
  TriggeredBy: EvaluationTrigger;
  Comment: string;
}

export interface RetryBackoff {
  /** Delay before the first retry; it doubles with every further attempt. */
  baseNanos: Nanos;
  maxNanos: Nanos;
}

export interface SchedulerSettings {
  /** Executions a partition may use before the job fails (completions do not count). */
  maxAttempts: number;
  /** Usage + request may reach this multiple of MaxCapacity (CPU, memory, disk; never GPU). */
  overcommit: number;
  retryBackoff: RetryBackoff;
  /** Nodes asked at once for one partition; the first accepted bid wins, the others are rejected. */
  bidsPerPartition: number;
  /** How long past its timeout a silent agent's execution may run before the server fails it. */
  executionTimeoutBufferNanos: Nanos;
  /**
   * How long an agent may spend preparing (pulling the image, fetching inputs) before the timeout
   * clock starts: the server-side timeout check allows for it.
   */
  prepareAllowanceNanos: Nanos;
  /** The queue timeout of a job that sets none (QueueTimeout 0); 0: such jobs fail when nothing fits. */
  defaultQueueTimeoutSeconds: number;
  /** A node that refused a bid for lack of room is not asked again by the job for this long. */
  busyRetryNanos: Nanos;
}

export interface SchedulerSnapshot {
  job: Job;
  /** Every execution of the job, terminal ones included: they carry the attempt history. */
  executions: readonly ScheduledExecution[];
  /** Every known node, including disconnected ones: that is how lost executions are recognised. */
  nodes: readonly NodeCandidate[];
  evaluation: EvaluationRef;
  /** Missing fields take DEFAULT_SCHEDULER_SETTINGS. */
  settings: Partial<SchedulerSettings>;
  /** Seeds the tie-breaking randomness (with the evaluation id), so a plan is reproducible. */
  seed: string;
}

export interface PlannedJobState {
  StateType: JobStateType;
  Message: string;
  Comment: string;
}

export interface NewExecution {
  partition: number;
  nodeId: string;
  /** Pending: a bid round (batch, service). Running: start at once (ops, daemon). */
  desiredState: typeof DesiredStateType.Pending | typeof DesiredStateType.Running;
  computeState: typeof ComputeStateType.New;
  comment: string;
  allocated: Capacity;
  /** The failed execution this one retries, for Execution.PreviousExecution. */
  previousExecutionId?: string;
}

export type ExecutionMessage = 'BidAccepted' | 'BidRejected' | 'CancelExecution';

export interface ExecutionUpdate {
  executionId: string;
  expectedRevision: number;
  desiredState?: { StateType: DesiredStateType; Message: string };
  /** Server-side only: the node disappeared, or a silent agent overran its timeout. */
  computeState?: { StateType: ComputeStateType; Message: string };
  /** With a terminal computeState: why it ended. */
  outcome?: ExecutionOutcome;
  comment: string;
  send?: ExecutionMessage;
}

export type FollowUpTrigger = typeof EvaluationTrigger.Retry | typeof EvaluationTrigger.QueueTimeout;

export interface FollowUp {
  waitUntil: Nanos;
  /** `retry` is any timed re-check (backoff, execution or total timeout); `queue-timeout` the queue. */
  trigger: FollowUpTrigger;
  comment: string;
}

export interface Plan {
  /** The job revision the snapshot was read at; the whole plan is conditional on it. */
  jobRevision: number;
  /** Only when the job's state must change; never for a job that is already terminal. */
  jobState?: PlannedJobState;
  newExecutions: NewExecution[];
  executionUpdates: ExecutionUpdate[];
  followUp?: FollowUp;
  /** For logs: what was decided and why, including nodes skipped. */
  notes: string[];
}
