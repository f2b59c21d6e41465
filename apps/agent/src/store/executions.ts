import {
  type Clock,
  type ComputeStateType,
  canTransitionCompute,
  computeStateName,
  type DesiredStateType,
  decodeJson,
  encodeJson,
  type Job,
  JobSchema,
  type RunOutput,
  RunOutputSchema,
} from '@shoal/models';
import { inArray, sql } from 'drizzle-orm';
import type { ResourceRequest } from '../node/capacity.js';
import type { AgentDb, Tx } from './database.js';
import { CHANGEABLE, type Changeable, ExecutionStatements } from './execution-statements.js';
import { type ExecutionRow, executions } from './schema.js';

/** An execution as the agent knows it, decoded. */
export interface ExecutionRecord {
  id: string;
  jobId: string;
  partition: number;
  job: Job;
  waitForApproval: boolean;
  localState: ComputeStateType;
  desiredState: DesiredStateType;
  message: string;
  reserved: ResourceRequest | null;
  runOutput: RunOutput | null;
  /** Due to run, but waiting for room on this node: not started yet. */
  waiting: boolean;
  revision: number;
  createdAt: bigint;
  updatedAt: bigint;
}

export type NewExecution = Pick<
  ExecutionRecord,
  'id' | 'jobId' | 'partition' | 'job' | 'waitForApproval' | 'localState' | 'desiredState' | 'message'
> & { reserved: ResourceRequest | null; waiting?: boolean };

export interface ExecutionChange {
  localState?: ComputeStateType;
  desiredState?: DesiredStateType;
  message?: string;
  runOutput?: RunOutput | null;
  reserved?: ResourceRequest | null;
  waiting?: boolean;
}

/**
 * Synchronous statements inside the caller's transaction; the caller holds the store's lock. The
 * statements are prepared on the store's connection, which is the one every Tx of it runs on.
 */
export class ExecutionRepo {
  private readonly statements: ExecutionStatements;

  constructor(
    db: AgentDb,
    private readonly clock: Clock,
  ) {
    this.statements = new ExecutionStatements(db);
  }

  get(_tx: Tx, id: string): ExecutionRecord | undefined {
    const row = this.statements.get.get({ id });
    return row ? decode(row) : undefined;
  }

  insert(_tx: Tx, execution: NewExecution): ExecutionRecord {
    const now = this.clock.now();
    const row = this.statements.insert.get({
      ...execution,
      job: encodeJson(execution.job),
      reserved: execution.reserved ? encodeJson(execution.reserved) : null,
      waiting: execution.waiting ?? false,
      createdAt: now,
    });
    // The job as given: it was validated where it came in (the AskForBid), and its stored text is
    // its own encoding.
    return decode(row, execution.job);
  }

  /**
   * Applies a change and bumps the revision. An illegal compute transition is a bug in the caller
   * (the manager checks first), so it throws and the whole transaction rolls back.
   */
  update(_tx: Tx, current: ExecutionRecord, change: ExecutionChange): ExecutionRecord {
    const to = change.localState;
    if (to !== undefined && !canTransitionCompute(current.localState, to)) {
      throw new Error(
        `illegal local transition of ${current.id}: ${computeStateName(current.localState)} → ${computeStateName(to)}`,
      );
    }
    const values: Record<Changeable, unknown> = {
      localState: to,
      desiredState: change.desiredState,
      message: change.message,
      runOutput: change.runOutput === undefined ? undefined : encodeOrNull(change.runOutput),
      reserved: change.reserved === undefined ? undefined : encodeOrNull(change.reserved),
      // setTo's placeholders skip the column's own mapping: the flag goes in as SQLite's 0 or 1.
      waiting: change.waiting === undefined ? undefined : change.waiting ? 1 : 0,
    };
    const columns = CHANGEABLE.filter((column) => values[column] !== undefined);
    const row = this.statements.update(columns).get({
      ...values,
      id: current.id,
      revision: current.revision + 1,
      updatedAt: this.clock.now(),
    });
    if (!row) throw new Error(`execution ${current.id} vanished inside its transaction`);
    // An update never changes the job.
    return decode(row, current.job);
  }

  listInStates(tx: Tx, states: readonly ComputeStateType[]): ExecutionRecord[] {
    return tx.db
      .select()
      .from(executions)
      .where(inArray(executions.localState, [...states]))
      .orderBy(executions.createdAt)
      .all()
      .map((row) => decode(row));
  }

  countByState(tx: Tx): Map<ComputeStateType, number> {
    const rows = tx.db
      .select({ state: executions.localState, count: sql<bigint>`count(*)` })
      .from(executions)
      .groupBy(executions.localState)
      .all();
    return new Map(rows.map((r) => [r.state as ComputeStateType, Number(r.count)]));
  }
}

function encodeOrNull(value: object | null): string | null {
  return value ? encodeJson(value) : null;
}

/**
 * A stored row as a record. The job is parsed again only when it is read from the file: the
 * largest part of a row, and the same for the execution's whole life.
 */
function decode(row: ExecutionRow, job?: Job): ExecutionRecord {
  return {
    id: row.id,
    jobId: row.jobId,
    partition: row.partition,
    job: job ?? JobSchema.parse(decodeJson(row.job)),
    waitForApproval: row.waitForApproval,
    localState: row.localState as ComputeStateType,
    desiredState: row.desiredState as DesiredStateType,
    message: row.message,
    reserved: row.reserved === null ? null : (decodeJson(row.reserved) as ResourceRequest),
    runOutput: row.runOutput === null ? null : RunOutputSchema.parse(decodeJson(row.runOutput)),
    waiting: row.waiting,
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
