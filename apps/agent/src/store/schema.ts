import { sql } from 'drizzle-orm';
import { check, customType, index, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The agent's local durable state. The connection runs with better-sqlite3's safe integers on, so
 * every INTEGER comes back as a bigint and nanosecond times keep every digit; these two column
 * types say which columns stay bigint (seqs, times) and which become plain numbers (states, counts).
 */

const int64 = customType<{ data: bigint; driverData: bigint | number }>({
  dataType: () => 'integer',
  toDriver: (value) => value,
  fromDriver: (value) => BigInt(value),
});

const int32 = customType<{ data: number; driverData: bigint | number }>({
  dataType: () => 'integer',
  toDriver: (value) => value,
  fromDriver: (value) => Number(value),
});

const flag = customType<{ data: boolean; driverData: bigint | number }>({
  dataType: () => 'integer',
  toDriver: (value) => (value ? 1 : 0),
  fromDriver: (value) => Number(value) !== 0,
});

/** Every execution this agent was asked about, from the ask until it is forgotten. */
export const executions = sqliteTable(
  'executions',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id').notNull(),
    partition: int32('partition').notNull(),
    /** The AskForBid's Job, written with encodeJson so int64 times survive. */
    job: text('job').notNull(),
    waitForApproval: flag('wait_for_approval').notNull(),
    /** ComputeStateType as this agent sees it (models' numbers). */
    localState: int32('local_state').notNull(),
    /** DesiredStateType as the orchestrator last told us. */
    desiredState: int32('desired_state').notNull(),
    /** Why the state is what it is: the bid reason, the error, the cancel reason. */
    message: text('message').notNull().default(''),
    /** The resources reserved for it (capacity.ts ResourceRequest as JSON), so recovery re-reserves them. */
    reserved: text('reserved'),
    runOutput: text('run_output'),
    /**
     * Accepted and due to run, but waiting for room on this node (its queue): the run has not
     * started, and a restarted agent puts it back in line instead of looking for its container.
     */
    waiting: flag('waiting').notNull().default(false),
    revision: int32('revision').notNull(),
    createdAt: int64('created_at').notNull(),
    updatedAt: int64('updated_at').notNull(),
  },
  (t) => [index('executions_local_state').on(t.localState)],
);

/**
 * Reports to the orchestrator, in the order they were caused. `seq` comes from the counter in
 * outbox_state, never from rowid: rowid would restart at 1 after every row was pruned.
 */
export const outbox = sqliteTable('outbox', {
  seq: int64('seq').primaryKey(),
  /** Unique per message; re-sends carry the same one (the envelope id, for tracing). */
  messageId: text('message_id').notNull(),
  type: text('type').notNull(),
  executionId: text('execution_id'),
  payload: text('payload').notNull(),
  createdAt: int64('created_at').notNull(),
});

/** One row: the last seq written and the last seq the orchestrator acknowledged. */
export const outboxState = sqliteTable(
  'outbox_state',
  {
    id: int32('id').primaryKey(),
    lastSeq: int64('last_seq').notNull(),
    lastAcked: int64('last_acked').notNull(),
  },
  (t) => [check('outbox_state_singleton', sql`${t.id} = 1`)],
);

/** The last seq applied per inbound peer (the orchestrator's stream to this node). */
export const inboundSeq = sqliteTable('inbound_seq', {
  peer: text('peer').primaryKey(),
  lastApplied: int64('last_applied').notNull(),
  updatedAt: int64('updated_at').notNull(),
});

export type ExecutionRow = typeof executions.$inferSelect;
export type NewExecutionRow = typeof executions.$inferInsert;
export type OutboxRow = typeof outbox.$inferSelect;
