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
import { eq, inArray, sql } from 'drizzle-orm';
import type { ResourceRequest } from '../capacity.js';
import type { Tx } from './database.js';
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
  revision: number;
  createdAt: bigint;
  updatedAt: bigint;
}

export type NewExecution = Pick<
  ExecutionRecord,
  'id' | 'jobId' | 'partition' | 'job' | 'waitForApproval' | 'localState' | 'desiredState' | 'message'
> & { reserved: ResourceRequest | null };

export interface ExecutionChange {
  localState?: ComputeStateType;
  desiredState?: DesiredStateType;
  message?: string;
  runOutput?: RunOutput | null;
  reserved?: ResourceRequest | null;
}

/** Synchronous statements inside the caller's transaction; the caller holds the store's lock. */
export class ExecutionRepo {
  constructor(private readonly clock: Clock) {}

  get(tx: Tx, id: string): ExecutionRecord | undefined {
    const row = tx.db.select().from(executions).where(eq(executions.id, id)).get();
    return row ? decode(row) : undefined;
  }

  insert(tx: Tx, execution: NewExecution): ExecutionRecord {
    const now = this.clock.now();
    const row = tx.db
      .insert(executions)
      .values({
        ...execution,
        job: encodeJson(execution.job),
        reserved: execution.reserved ? encodeJson(execution.reserved) : null,
        runOutput: null,
        revision: 1,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    return decode(row);
  }

  /**
   * Applies a change and bumps the revision. An illegal compute transition is a bug in the caller
   * (the manager checks first), so it throws and the whole transaction rolls back.
   */
  update(tx: Tx, current: ExecutionRecord, change: ExecutionChange): ExecutionRecord {
    const to = change.localState;
    if (to !== undefined && !canTransitionCompute(current.localState, to)) {
      throw new Error(
        `illegal local transition of ${current.id}: ${computeStateName(current.localState)} → ${computeStateName(to)}`,
      );
    }
    const row = tx.db
      .update(executions)
      .set({
        ...(to === undefined ? {} : { localState: to }),
        ...(change.desiredState === undefined ? {} : { desiredState: change.desiredState }),
        ...(change.message === undefined ? {} : { message: change.message }),
        ...(change.runOutput === undefined
          ? {}
          : { runOutput: change.runOutput ? encodeJson(change.runOutput) : null }),
        ...(change.reserved === undefined
          ? {}
          : { reserved: change.reserved ? encodeJson(change.reserved) : null }),
        revision: current.revision + 1,
        updatedAt: this.clock.now(),
      })
      .where(eq(executions.id, current.id))
      .returning()
      .get();
    if (!row) throw new Error(`execution ${current.id} vanished inside its transaction`);
    return decode(row);
  }

  listInStates(tx: Tx, states: readonly ComputeStateType[]): ExecutionRecord[] {
    return tx.db
      .select()
      .from(executions)
      .where(inArray(executions.localState, [...states]))
      .orderBy(executions.createdAt)
      .all()
      .map(decode);
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

function decode(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id,
    jobId: row.jobId,
    partition: row.partition,
    job: JobSchema.parse(decodeJson(row.job)),
    waitForApproval: row.waitForApproval,
    localState: row.localState as ComputeStateType,
    desiredState: row.desiredState as DesiredStateType,
    message: row.message,
    reserved: row.reserved === null ? null : (decodeJson(row.reserved) as ResourceRequest),
    runOutput: row.runOutput === null ? null : RunOutputSchema.parse(decodeJson(row.runOutput)),
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
