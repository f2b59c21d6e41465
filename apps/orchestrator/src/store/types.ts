import type {
  Capacity,
  ComputeStateType,
  Evaluation,
  EvaluationStatus,
  EvaluationTrigger,
  Execution,
  ExecutionOutcome,
  Job,
  JobHistory,
  JobState,
  JobType,
  Nanos,
  NodeConnection,
  NodeInfo,
  NodeMembership,
  NodeState,
  RunOutput,
  Selector,
  SpecConfig,
} from '@shoal/models';
import type { InMessageType, OutboxEnvelope, Payload, StreamEnvelope } from '@shoal/protocol';
import type { StoreCallTimer } from './call-timer.js';
import type { NodeOrder } from './node-orders.js';

/**
 * The store's port: what the API, the evaluation workers and (later) the node manager may ask of
 * it. Both drivers implement it with the same code (drizzle over postgres.js or PGlite).
 *
 * Errors: lookups throw ShoalError NotFound (404) or Ambiguous (409, with the candidates in
 * Details); a lost compare-and-swap throws Conflict (409); a malformed or foreign next_token
 * throws BadRequest naming `next_token`; an unreachable database throws Unavailable (503).
 */

export interface Page<T> {
  items: T[];
  /** Opaque; empty when there is nothing more (history: see HistoryQuery). */
  nextToken: string;
}

export interface ListJobsQuery {
  /** `*` means every namespace. */
  namespace: string;
  /** ANDed; evaluated in SQL. An empty selector matches every job. */
  selector: Selector;
  limit: number;
  /** modify_time: a job modified while a client pages moves (see listJobsQuery). */
  orderBy: 'id' | 'create_time' | 'modify_time';
  reverse: boolean;
  nextToken?: string;
}

export interface HistoryQuery {
  /** Only events at or after this time (nanoseconds). */
  since: Nanos;
  eventType: 'job' | 'execution' | 'all';
  /** Only events of this execution, on this node: full ids (the service resolves prefixes). */
  executionId?: string;
  nodeId?: string;
  /**
   * The two filters as the client wrote them, when they were prefixes: page tokens are bound to
   * these, so a prefix that first matched nothing and later names an execution keeps its token.
   */
  requested?: { executionId?: string | undefined; nodeId?: string | undefined };
  limit: number;
  nextToken?: string;
}

export interface ListExecutionsQuery {
  limit: number;
  orderBy: 'modify_time' | 'create_time' | 'id' | 'state';
  reverse: boolean;
  nextToken?: string;
}

export interface ListNodesQuery {
  selector: Selector;
  membership?: NodeMembership;
  connection?: NodeConnection;
  limit: number;
  /** See node-orders.ts; the available_* orders put the most available first. */
  orderBy: NodeOrder;
  reverse: boolean;
  nextToken?: string;
}

/** A history event to append; its sequence number is assigned by the store. */
export interface NewHistoryEvent {
  event: Omit<JobHistory, 'Time'>;
  time: Nanos;
}

export interface JobRepo {
  /** Throws Conflict when a job with that id exists. */
  insert(job: Job): Promise<void>;
  /** By full id or unique prefix. */
  get(idOrPrefix: string): Promise<Job>;
  list(query: ListJobsQuery): Promise<Page<Job>>;
  /**
   * Compare-and-swap on `expectedRevision`: sets the state, bumps the revision, sets ModifyTime,
   * and returns the job as stored. Throws Conflict if the revision moved.
   */
  updateState(id: string, expectedRevision: number, state: JobState, now: Nanos): Promise<Job>;
}

export interface HistoryRepo {
  /** Appends in order, assigning each event the job's next sequence number. */
  append(jobId: string, events: NewHistoryEvent[]): Promise<void>;
  /**
   * append() for several jobs in a constant number of statements, all or none. Entries may repeat
   * a job: its events are appended in entry order. Throws NotFound naming an unknown job.
   */
  appendMany(entries: ReadonlyArray<{ jobId: string; events: NewHistoryEvent[] }>): Promise<void>;
  /**
   * Matching events in sequence order. While the job is not terminal, `nextToken` is never empty:
   * it points after the last event returned, so a client can poll it for new events.
   */
  list(jobId: string, query: HistoryQuery): Promise<Page<JobHistory>>;
}

/** What an agent's report changes on an execution (agents write compute state only). */
export interface ComputeUpdate {
  state: { StateType: ComputeStateType; Message: string };
  /** Replaces the stored RunOutput when given. */
  runOutput?: RunOutput;
  /** Replaces the stored PublishedResult when given. */
  publishedResult?: SpecConfig;
  /**
   * Retires the desired state in the same write, as Bacalhau does for a completed execution
   * (desired Stopped, "execution completed", one revision). Only for Completed: the schedulers read
   * a desired Stopped on a failed execution as "we asked for this ending".
   */
  retireDesired?: string;
}

/** A published result with the execution and node it came from (the API signs its URL for them). */
export interface ExecutionResult {
  executionId: string;
  nodeId: string;
  result: SpecConfig;
}

export interface ExecutionRepo {
  insert(execution: Execution & { partition?: number }): Promise<void>;
  get(idOrPrefix: string): Promise<Execution>;
  /** By exact id only (ids from the wire are never treated as prefixes); undefined when absent. */
  find(id: string): Promise<Execution | undefined>;
  /**
   * Compare-and-swap on `expectedRevision`: sets the compute state (and RunOutput/PublishedResult
   * when given), bumps the revision by exactly one, sets ModifyTime, and returns the execution as
   * stored. Throws Conflict if the revision moved, NotFound if there is no such execution. The
   * caller checks that the transition is legal.
   */
  updateCompute(id: string, expectedRevision: number, update: ComputeUpdate, now: Nanos): Promise<Execution>;
  list(jobId: string, query: ListExecutionsQuery): Promise<Page<Execution>>;
  /** Published results of completed executions that published something. */
  listResults(jobId: string, limit: number, nextToken?: string): Promise<Page<ExecutionResult>>;
  /**
   * The distinct execution ids (`id`) or node ids (`nodeId`) among one job's executions that equal
   * `query` or start with it: an exact match first, the rest in id order, at most `limit`. Resolves
   * the id prefixes of the job-scoped filters (history's execution_id and node_id, logs).
   */
  idsInJob(jobId: string, field: 'id' | 'nodeId', query: string, limit: number): Promise<string[]>;
}

export interface EvaluationRepo {
  insert(evaluation: Evaluation): Promise<void>;
  /** Several evaluations in one statement. */
  insertMany(evaluations: readonly Evaluation[]): Promise<void>;
  get(id: string): Promise<Evaluation>;
  /**
   * Claims the next pending evaluation that is due (`WaitUntil <= now`), highest priority first,
   * oldest first, skipping evaluations whose lease is held by another worker. Safe with several
   * workers and orchestrators (row locks with SKIP LOCKED, and a lease for crash recovery).
   * With `triggers`, only evaluations of those kinds are considered.
   */
  claimNext(
    worker: string,
    now: Nanos,
    leaseNanos: Nanos,
    triggers?: readonly EvaluationTrigger[],
  ): Promise<Evaluation | undefined>;
  /**
   * Claims up to `limit` due evaluations at once, in claim order (several may belong to one job).
   * A worker handles them in one transaction, which is what makes placement throughput.
   */
  claimBatch(
    worker: string,
    now: Nanos,
    leaseNanos: Nanos,
    limit: number,
    triggers?: readonly EvaluationTrigger[],
  ): Promise<Evaluation[]>;
  /** finish() for a batch in one statement; throws Conflict if any was no longer held. */
  finishMany(
    worker: string,
    outcomes: ReadonlyArray<{ id: string; status: EvaluationStatus; comment: string }>,
    now: Nanos,
  ): Promise<void>;
  /** Ends a claimed evaluation; throws Conflict if the worker no longer holds it. */
  finish(id: string, worker: string, status: EvaluationStatus, comment: string, now: Nanos): Promise<void>;
}

export interface NodeRepo {
  /** Inserts or replaces a node's info (handshake); keeps membership unless the node is new. */
  upsert(node: NodeState, now: Nanos): Promise<NodeState>;
  get(idOrPrefix: string): Promise<NodeState>;
  list(query: ListNodesQuery): Promise<Page<NodeState>>;
  setMembership(id: string, membership: NodeMembership, now: Nanos): Promise<NodeState>;
  setConnection(id: string, connection: NodeConnection, now: Nanos): Promise<NodeState>;
  delete(id: string): Promise<void>;
}

/** What a heartbeat says about a node; stored with its info (capacity, counts) and health. */
export interface NodeHeartbeat {
  AvailableCapacity: Capacity;
  RunningExecutions: number;
  EnqueuedExecutions: number;
  Healthy: boolean;
  HealthReason: string;
}

/** A node with what the node manager and the schedulers need beyond the API's NodeState. */
export interface NodeRecord {
  state: NodeState;
  /** The agent's own verdict; an unhealthy node gets no new work. True until a heartbeat says not. */
  healthy: boolean;
  healthReason: string;
  /** When the orchestrator last heard from it (handshake, heartbeat, info), by its own clock. */
  lastHeartbeat: Nanos;
}

/** A job, with what an evaluation of it needs. */
export interface JobRef {
  ID: string;
  Namespace: string;
  Type: JobType;
  Priority: number;
}

/** Liveness and health of nodes: the node manager's side of the nodes table. */
export interface NodeStatusRepo {
  /** By exact id (a node's own id from the wire is never a prefix); undefined when unknown. */
  find(id: string): Promise<NodeRecord | undefined>;
  /** Every node, connected or not, ordered by id. */
  list(): Promise<NodeRecord[]>;
  /**
   * Every node's id and `schedRevision`, which moves only when something placement reads changes
   * (not on heartbeats): what a cache of the nodes needs to know which ones to read again.
   */
  schedRevisions(): Promise<Map<string, number>>;
  /** These nodes (those still stored), each with the `schedRevision` it was read at. */
  findMany(ids: readonly string[]): Promise<Array<NodeRecord & { schedRevision: number }>>;
  /**
   * Heartbeats of many nodes in one statement: each CONNECTED node gets its capacity, counts and
   * health merged in, and lastHeartbeat = now (a node given twice takes its last report). Per id:
   * whether it was CONNECTED (and so updated; otherwise it must handshake), and the last seq
   * applied from it.
   */
  heartbeatMany(
    beats: ReadonlyArray<{ id: string; report: NodeHeartbeat }>,
    now: Nanos,
  ): Promise<Map<string, { connected: boolean; lastSeqApplied: bigint }>>;
  /** Replaces the info (and labels) of a CONNECTED node; undefined when unknown or not connected. */
  updateInfo(id: string, info: NodeInfo, now: Nanos): Promise<NodeRecord | undefined>;
  /**
   * CONNECTED → DISCONNECTED, true when it changed. With `staleBefore`, only if the last heartbeat
   * is older than that, so a heartbeat that just arrived wins against the liveness check.
   */
  disconnect(id: string, now: Nanos, staleBefore?: Nanos): Promise<boolean>;
  /** CONNECTED nodes last heard from before `before`. */
  listStale(before: Nanos): Promise<string[]>;
  /**
   * Non-terminal jobs with live executions on the node: not terminal and not asked to stop, or
   * holding a reservation (accepted bid, running) until the agent confirms (the schedulers' isLive).
   */
  jobsWithLiveExecutions(nodeId: string): Promise<JobRef[]>;
}

/**
 * Each node's stream of messages to its agent. Written by whoever changes state in the same
 * transaction; read and acknowledged by that node's protocol Sender (through an OutboxSource).
 */
/** A message bound for an agent, not yet sequenced. */
export type OutgoingMessage = { [T in InMessageType]: { type: T; payload: Payload<T> } }[InMessageType];

export interface OutboxRepo {
  /**
   * Appends a message with the node's next seq (gap-free, visible in commit order) and returns its
   * envelope. Validated with the protocol's encoder first: an invalid payload throws a Validation
   * ShoalError and writes nothing. Call it inside the transaction that causes the message, and
   * notify the dispatcher after the commit.
   */
  enqueue<T extends InMessageType>(
    nodeId: string,
    type: T,
    payload: Payload<T>,
    now: Nanos,
  ): Promise<StreamEnvelope>;
  /** enqueue() for several messages to one node: consecutive seqs, one head update, one insert. */
  enqueueMany(nodeId: string, messages: readonly OutgoingMessage[], now: Nanos): Promise<StreamEnvelope[]>;
  /** `enqueueMany` for several nodes at once, in two statements; envelopes in node-id order. */
  enqueueAll(byNode: ReadonlyMap<string, readonly OutgoingMessage[]>, now: Nanos): Promise<StreamEnvelope[]>;
  /** Up to `limit` messages with seq > afterSeq, ascending. */
  pending(nodeId: string, afterSeq: bigint, limit: number): Promise<OutboxEnvelope[]>;
  /** Everything ≤ seq was delivered (monotonic; never beyond the last seq written). */
  acked(nodeId: string, seq: bigint): Promise<void>;
  lastAcked(nodeId: string): Promise<bigint>;
  /**
   * The agent has applied up to `seq`, more than this outbox ever wrote (the database was restored
   * from a backup): continue numbering after it, or the agent would take new messages for duplicates.
   */
  raiseSeq(nodeId: string, seq: bigint): Promise<void>;
  /** Nodes with written but unacknowledged messages. */
  undelivered(): Promise<string[]>;
  /** Deletes acknowledged messages written before `before`; returns how many. */
  pruneAcked(before: Nanos): Promise<number>;
}

/** The last seq applied from each agent's report stream (the orchestrator's SeqTracker). */
export interface AgentCursorRepo {
  /** 0 when nothing was applied yet. */
  lastApplied(nodeId: string): Promise<bigint>;
  /**
   * Moves the cursor to `seq` if it is below `below` (default `seq`), holding the row until the
   * transaction ends; false (and no change) when it is not. Call it first in the transaction that
   * applies the report. A run of reports `first..seq` passes `first` as `below`, so a run of which
   * any report was applied already is refused whole. A `below` above `seq` is refused with an
   * error: it could move the cursor back.
   */
  advance(nodeId: string, seq: bigint, now: Nanos, below?: bigint): Promise<boolean>;
  /**
   * `advance` for several agents in one statement (each agent at most once): the ids whose cursor
   * moved. The same guard and the same refusal of a `below` above `seq`.
   */
  advanceMany(
    moves: ReadonlyArray<{ nodeId: string; seq: bigint; below: bigint }>,
    now: Nanos,
  ): Promise<Set<string>>;
}

/**
 * What the schedulers read beyond the API and the workspace's bulk reads: node usage, and the jobs
 * waiting for room or nodes.
 */
export interface SchedulingRepo {
  /**
   * What the executions that hold resources (the schedulers' `isLive`) hold on each node: their
   * `allocationOf` summed. Nodes without any are absent.
   */
  usageByNode(): Promise<Map<string, Capacity>>;
  /**
   * Takes the placement lock until the transaction ends. Scheduling batches run in parallel, and
   * each plans with the node usage it read: two that read the same free room would both fill it,
   * and the agent would refuse one bid. The lock makes a batch read usage only after the batch
   * before it committed its placements.
   */
  lockPlacement(): Promise<void>;
  /**
   * Takes the wake-up lock until the transaction ends, before `waitingJobs`: two transactions that
   * both read which jobs have no node-update evaluation yet would each add one for every job (ten
   * nodes approved at once turned a queue of 5,000 into 50,000 evaluations). Taken after any job
   * locks, and never before the placement lock, so it closes no cycle.
   */
  lockWakeups(): Promise<void>;
  /**
   * Jobs waiting for room or nodes (Queued; with `daemons`, every live daemon) with no node-update
   * evaluation due yet, first come first served: priority, then submit time. `limit`: the head only.
   */
  waitingJobs(options: { daemons: boolean; limit?: number }): Promise<Array<JobRef & { CreateTime: Nanos }>>;
}

/** An execution as it is to be stored, and the revision the stored row must still have. */
/**
 * An execution as the store keeps it: the API's shape, its partition, why it ended ('' while it
 * runs, and on rows written before the outcome was kept), and when its run started (absent before
 * it was accepted to run, and while it waits on its node for room): the timeout counts from there.
 */
export type StoredExecution = Execution & {
  partition: number;
  outcome: ExecutionOutcome | '';
  runStartTime?: Nanos;
};

export interface ExecutionSave {
  execution: Execution & Partial<Pick<StoredExecution, 'outcome' | 'runStartTime'>>;
  expectedRevision: number;
}

/** A job's state and history counter as they are to be stored (the history rows go separately). */
export interface JobSave {
  id: string;
  expectedRevision: number;
  revision: number;
  state: JobState;
  modifyTime: Nanos;
  /** The last history seq used: history rows are numbered by whoever holds the job's lock. */
  historySeq: number;
}

/** Set-based forms of the scheduling reads and writes: one statement for many jobs. */
export interface BulkRepo {
  /** The jobs that exist among `ids`, rows locked until the transaction ends, in id order. */
  lockJobs(ids: readonly string[]): Promise<Array<{ job: Job; historySeq: number }>>;
  /** Every execution of these jobs with its partition, oldest first. */
  executionsOfJobs(jobIds: readonly string[]): Promise<StoredExecution[]>;
  /** The executions that exist among `ids`. */
  findExecutions(ids: readonly string[]): Promise<StoredExecution[]>;
  /** The jobs' evaluations not finished yet (claimed ones included). */
  pendingEvaluations(
    jobIds: readonly string[],
  ): Promise<Array<{ jobId: string; trigger: string; waitUntil: Nanos }>>;
  insertExecutions(
    list: ReadonlyArray<Execution & Partial<Pick<StoredExecution, 'partition' | 'outcome' | 'runStartTime'>>>,
  ): Promise<void>;
  /** States, outputs, links, run start, revision and time of each; Conflict (none saved) if any row moved. */
  saveExecutions(list: readonly ExecutionSave[]): Promise<void>;
  /** Each job's state, revision, time and history seq; Conflict (none saved) if any row moved. */
  saveJobs(list: readonly JobSave[]): Promise<void>;
  /**
   * Jobs that do not exist yet, each with its first history events (numbered from 1). A duplicate
   * id (stored, or twice in the list) is a Conflict and nothing is written.
   */
  insertNewJobs(entries: ReadonlyArray<{ job: Job; events: NewHistoryEvent[] }>): Promise<void>;
  /**
   * Cancels the jobs' evaluations that are not due before `after` (wake-ups set for later: a
   * timeout check, a retry): the jobs ended, and a terminal job never changes again. Due ones run.
   */
  cancelLaterEvaluations(jobIds: readonly string[], after: Nanos): Promise<void>;
  /** History rows numbered by the caller, which holds their jobs' locks (see JobSave). */
  insertHistory(rows: ReadonlyArray<{ jobId: string; seq: number; event: NewHistoryEvent }>): Promise<void>;
}

/** What an evaluation needs of its job. */
export interface JobRef {
  ID: string;
  Namespace: string;
  Type: JobType;
  Priority: number;
}

/** A PUT's IdempotencyToken and what its PUT answered (see schema.ts, submissionTokens). */
export interface SubmissionToken {
  namespace: string;
  token: string;
  jobId: string;
  evaluationId: string;
  createTime: Nanos;
}

export interface SubmissionTokenRepo {
  /** What the PUT that used `token` in `namespace` made, if one did. */
  find(namespace: string, token: string): Promise<SubmissionToken | undefined>;
  /** `find` for many (namespace, token) pairs in one statement: the ones that were used. */
  findMany(keys: ReadonlyArray<{ namespace: string; token: string }>): Promise<SubmissionToken[]>;
  /** Tokens of jobs written in the same transaction; one already used in its namespace is a Conflict. */
  insertMany(tokens: readonly SubmissionToken[]): Promise<void>;
}

/** See commit-guard.ts. */
export interface CommitGuardRepo {
  /**
   * The transaction may only commit within `withinMs` of the moment the server runs this, by the
   * server's clock; a later COMMIT fails Unavailable and rolls back. Only inside a transaction.
   */
  setDeadline(withinMs: number): Promise<void>;
}

export interface Repos {
  jobs: JobRepo;
  history: HistoryRepo;
  executions: ExecutionRepo;
  evaluations: EvaluationRepo;
  nodes: NodeRepo;
  nodeStatus: NodeStatusRepo;
  outbox: OutboxRepo;
  agentCursors: AgentCursorRepo;
  scheduling: SchedulingRepo;
  bulk: BulkRepo;
  submissionTokens: SubmissionTokenRepo;
  commitGuard: CommitGuardRepo;
  counts: CountsRepo;
}

/** What the metrics endpoint reads from the store (counts.ts). */
export interface StoreCounts {
  jobs: Array<{ state: string; type: string; count: number }>;
  nodes: Array<{ membership: string; connection: string; count: number }>;
  pendingEvaluations: number;
}

export interface CountsRepo {
  summary(): Promise<StoreCounts>;
}

export interface Store extends Repos {
  readonly driver: 'postgres' | 'pglite';
  /** What the operator should know about the database, found when it was opened (e.g. autovacuum off). */
  readonly warnings: readonly string[];
  /**
   * Runs `fn` in one transaction; everything it does through `tx` commits or rolls back together.
   * Inside `fn`, use `tx` only: PGlite has one connection, so a call on the store itself waits for
   * the transaction to end and never returns (on Postgres it runs outside the transaction and can
   * wait for the transaction's own row locks). An error `fn` throws is rethrown unchanged.
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Cheap liveness probe (SELECT 1); throws Unavailable when the database does not answer. */
  ping(): Promise<void>;
  /**
   * A caller stopped waiting for the database (bounded.ts). On Postgres, a fresh connection
   * probes the server, and if it gets no answer either, every pooled connection is dropped so
   * that none stuck on the silent server is used again. Settles once that is decided (callers
   * need not wait); at once on PGlite.
   */
  stalled(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** `postgres://…` or `pglite:<dir>` (`pglite:memory` for an in-memory database). */
  url: string;
  /** Apply migrations before returning (default true). */
  migrate?: boolean;
  /** Times every repository call and transaction (call-timer.ts). */
  timer?: StoreCallTimer;
}
