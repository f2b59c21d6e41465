import type {
  Evaluation,
  EvaluationStatus,
  EvaluationTrigger,
  Execution,
  Job,
  JobHistory,
  JobState,
  Nanos,
  NodeConnection,
  NodeMembership,
  NodeState,
  Selector,
  SpecConfig,
} from '@shoal/models';

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
  orderBy: 'id' | 'create_time';
  reverse: boolean;
  nextToken?: string;
}

export interface HistoryQuery {
  /** Only events at or after this time (nanoseconds). */
  since: Nanos;
  eventType: 'job' | 'execution' | 'all';
  executionId?: string;
  nodeId?: string;
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
  orderBy: 'id' | 'create_time';
  reverse: boolean;
  nextToken?: string;
}

/** A history event to append; its sequence number is assigned by the store. */
export interface NewHistoryEvent {
  event: Omit<JobHistory, 'Time'>;
  time: Nanos;
}

export interface JobRepo {
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
   * Matching events in sequence order. While the job is not terminal, `nextToken` is never empty:
   * it points after the last event returned, so a client can poll it for new events.
   */
  list(jobId: string, query: HistoryQuery): Promise<Page<JobHistory>>;
}

export interface ExecutionRepo {
  insert(execution: Execution & { partition?: number }): Promise<void>;
  get(idOrPrefix: string): Promise<Execution>;
  list(jobId: string, query: ListExecutionsQuery): Promise<Page<Execution>>;
  /** Published results of completed executions that published something. */
  listResults(jobId: string, limit: number, nextToken?: string): Promise<Page<SpecConfig>>;
}

export interface EvaluationRepo {
  insert(evaluation: Evaluation): Promise<void>;
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

export interface Repos {
  jobs: JobRepo;
  history: HistoryRepo;
  executions: ExecutionRepo;
  evaluations: EvaluationRepo;
  nodes: NodeRepo;
}

export interface Store extends Repos {
  readonly driver: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction; everything it does through `tx` commits or rolls back together.
   * Inside `fn`, use `tx` only: PGlite has one connection, so a call on the store itself waits for
   * the transaction to end and never returns (on Postgres it runs outside the transaction and can
   * wait for the transaction's own row locks). An error `fn` throws is rethrown unchanged.
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Cheap liveness probe (SELECT 1); throws Unavailable when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** `postgres://…` or `pglite:<dir>` (`pglite:memory` for an in-memory database). */
  url: string;
  /** Apply migrations before returning (default true). */
  migrate?: boolean;
}
