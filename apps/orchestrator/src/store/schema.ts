import { ComputeStateType, isTerminalComputeState } from '@shoal/models';
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * One schema for both drivers (postgres.js and PGlite). Times are int64 Unix nanoseconds in
 * `bigint` columns read as JS bigint; a job's documents (tasks, constraints, meta) are jsonb, but
 * anything that carries an int64 lives in its own column, because jsonb readers parse with
 * JSON.parse. Every mutable row has a `revision` that updates compare-and-swap on.
 */

const nanos = (name: string) => bigint(name, { mode: 'bigint' });

/**
 * `compute_state not in (…terminal states…)`: an execution that may still hold resources. Spelled
 * with constants, and the same in the partial index and in the queries that must use it, so the
 * planner can match them even in a generic plan.
 */
export const UNFINISHED_EXECUTION = sql.raw(
  `compute_state not in (${Object.values(ComputeStateType)
    .filter((s) => isTerminalComputeState(s))
    .join(', ')})`,
);

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    namespace: text('namespace').notNull(),
    type: text('type').notNull(),
    priority: integer('priority').notNull(),
    count: integer('count').notNull(),
    state: text('state').notNull(),
    stateMessage: text('state_message').notNull(),
    version: integer('version').notNull(),
    revision: integer('revision').notNull(),
    labels: jsonb('labels').$type<Record<string, string>>().notNull(),
    meta: jsonb('meta').$type<Record<string, string>>().notNull(),
    constraints: jsonb('constraints').$type<unknown[]>().notNull(),
    tasks: jsonb('tasks').$type<unknown[]>().notNull(),
    /** Last history sequence number used; bumping it also serialises appends per job. */
    historySeq: integer('history_seq').notNull().default(0),
    createTime: nanos('create_time').notNull(),
    modifyTime: nanos('modify_time').notNull(),
  },
  (t) => [
    index('jobs_namespace_create_idx').on(t.namespace, t.createTime, t.id),
    index('jobs_create_idx').on(t.createTime, t.id),
    // The list by modify time (order_by=modify_time), in a namespace and in all of them.
    index('jobs_namespace_modify_idx').on(t.namespace, t.modifyTime, t.id),
    index('jobs_modify_idx').on(t.modifyTime, t.id),
    // A namespace's jobs by id: without it a small namespace listed by id walks every job's id.
    index('jobs_namespace_id_idx').on(t.namespace, t.id),
    index('jobs_id_prefix_idx').using('btree', sql`${t.id} text_pattern_ops`),
    index('jobs_labels_idx').using('gin', t.labels),
    index('jobs_state_idx').on(t.state),
    // The queue, in the order it is served (waitingJobs): its head is read without sorting it.
    index('jobs_queue_idx')
      .on(t.priority.desc().nullsFirst(), t.createTime, t.id)
      .where(sql`${t.state} = 'Queued'`),
  ],
);

/**
 * A job's labels as rows, written by a trigger on jobs (migration 0005) in the statement that
 * inserts the job; a job's labels never change afterwards. The GIN index on jobs.labels finds the
 * jobs carrying a label but not in list order, so a page filtered by a rare label would sort every
 * match and one by a common label would walk the list order past every non-match. These btree
 * indexes hold each label's jobs in the orders the list offers: a page is one range scan of
 * `limit` entries, each joined to its job by primary key.
 *
 * Each label is stored twice, under the job's namespace and under `*` (every namespace, as the
 * list spells it), so one index per order serves both: the planner has no second index to
 * prefer on a stale estimate and then filter by namespace.
 */
export const jobLabels = pgTable(
  'job_labels',
  {
    /**
     * No foreign key: rows are written only in a transaction that inserted or read their job, and
     * jobs are never deleted. The key's check, a lock on the job row for every row inserted, cost
     * Postgres about 1.3 ms of CPU per queued job (migration 0009).
     */
    jobId: text('job_id').notNull(),
    /** The job's namespace, or `*`. */
    namespace: text('namespace').notNull(),
    key: text('key').notNull(),
    value: text('value').notNull(),
    createTime: nanos('create_time').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.namespace, t.key] }),
    index('job_labels_create_idx').on(t.key, t.value, t.namespace, t.createTime, t.jobId),
    index('job_labels_id_idx').on(t.key, t.value, t.namespace, t.jobId),
  ],
);

export const executions = pgTable(
  'executions',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    namespace: text('namespace').notNull(),
    evalId: text('eval_id').notNull(),
    name: text('name').notNull(),
    nodeId: text('node_id').notNull(),
    /** Which partition (0..Count-1) of a batch/service job this execution runs. */
    partition: integer('partition').notNull().default(0),
    /**
     * Why the execution ended (ExecutionOutcome), written with its terminal state by the lifecycle
     * writer; '' while it runs. The planner reads it; the v1 API does not show it.
     */
    outcome: text('outcome').notNull().default(''),
    desiredState: integer('desired_state').notNull(),
    desiredMessage: text('desired_message').notNull(),
    computeState: integer('compute_state').notNull(),
    computeMessage: text('compute_message').notNull(),
    allocatedResources: jsonb('allocated_resources').$type<Record<string, unknown>>().notNull(),
    publishedResult: jsonb('published_result')
      .$type<{ Type: string; Params: Record<string, unknown> | null }>()
      .notNull(),
    runOutput: jsonb('run_output').$type<Record<string, unknown> | null>(),
    previousExecution: text('previous_execution').notNull(),
    nextExecution: text('next_execution').notNull(),
    followupEvalId: text('followup_eval_id').notNull(),
    revision: integer('revision').notNull(),
    createTime: nanos('create_time').notNull(),
    modifyTime: nanos('modify_time').notNull(),
    /**
     * When the run started, so its timeout counts from there: set when the execution is accepted
     * to run, null while a running execution waits on its node for room (the node's queue). The
     * planner reads it; the v1 API does not show it.
     */
    runStartTime: nanos('run_start_time'),
  },
  (t) => [
    index('executions_job_modify_idx').on(t.jobId, t.modifyTime, t.id),
    index('executions_job_create_idx').on(t.jobId, t.createTime, t.id),
    index('executions_node_idx').on(t.nodeId, t.computeState),
    // The scheduler sums what unfinished executions hold on every batch: this keeps that read to
    // the executions in flight instead of every execution ever run.
    index('executions_unfinished_idx').on(t.nodeId).where(UNFINISHED_EXECUTION),
    index('executions_id_prefix_idx').using('btree', sql`${t.id} text_pattern_ops`),
  ],
);

export const evaluations = pgTable(
  'evaluations',
  {
    id: text('id').primaryKey(),
    namespace: text('namespace').notNull(),
    /**
     * No foreign key: rows are written only in a transaction that inserted or read their job, and
     * jobs are never deleted. The key's check, a lock on the job row for every row inserted, cost
     * Postgres about 1.3 ms of CPU per queued job (migration 0009).
     */
    jobId: text('job_id').notNull(),
    triggeredBy: text('triggered_by').notNull(),
    priority: integer('priority').notNull(),
    type: text('type').notNull(),
    status: text('status').notNull(),
    comment: text('comment').notNull(),
    waitUntil: nanos('wait_until').notNull(),
    /** Which worker holds the evaluation, and until when (nanoseconds); empty when unclaimed. */
    leaseOwner: text('lease_owner').notNull().default(''),
    leaseUntil: nanos('lease_until').notNull().default(sql`0`),
    revision: integer('revision').notNull().default(1),
    createTime: nanos('create_time').notNull(),
    modifyTime: nanos('modify_time').notNull(),
  },
  (t) => [
    // The claim query's exact order (`priority DESC` sorts nulls first) over the pending rows due
    // at once: a claim reads the head of the queue instead of sorting it, however many finished
    // rows pile up. Delayed rows are found by their due time instead, so that a claim never walks
    // the ones not yet due (a queue timeout for each queued job).
    index('evaluations_ready_idx')
      .on(t.priority.desc().nullsFirst(), t.createTime, t.id)
      .where(sql`${t.status} = 'pending' and ${t.waitUntil} = 0`),
    index('evaluations_delayed_idx')
      .on(t.waitUntil)
      .where(sql`${t.status} = 'pending' and ${t.waitUntil} > 0`),
    index('evaluations_job_idx').on(t.jobId),
  ],
);

export const jobHistory = pgTable(
  'job_history',
  {
    /**
     * No foreign key: rows are written only in a transaction that inserted or read their job, and
     * jobs are never deleted. The key's check, a lock on the job row for every row inserted, cost
     * Postgres about 1.3 ms of CPU per queued job (migration 0009).
     */
    jobId: text('job_id').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    executionId: text('execution_id').notNull().default(''),
    nodeId: text('node_id').notNull().default(''),
    jobStatePrevious: text('job_state_previous'),
    jobStateNew: text('job_state_new'),
    executionStatePrevious: integer('execution_state_previous'),
    executionStateNew: integer('execution_state_new'),
    newRevision: integer('new_revision').notNull(),
    comment: text('comment').notNull(),
    time: nanos('time').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.seq] }),
    index('job_history_execution_idx').on(t.jobId, t.executionId, t.seq),
  ],
);

export const nodes = pgTable(
  'nodes',
  {
    id: text('id').primaryKey(),
    nodeType: text('node_type').notNull(),
    labels: jsonb('labels').$type<Record<string, string>>().notNull(),
    /** The full NodeInfo document as the agent last reported it. */
    info: jsonb('info').$type<Record<string, unknown>>().notNull(),
    membership: text('membership').notNull(),
    connection: text('connection').notNull(),
    /** When the orchestrator last heard from the node, by its own clock (agents' clocks may be skewed). */
    lastHeartbeat: nanos('last_heartbeat').notNull(),
    /** The agent's own verdict from its last heartbeat (e.g. its Docker daemon answers). */
    healthy: boolean('healthy').notNull().default(true),
    healthReason: text('health_reason').notNull().default(''),
    revision: integer('revision').notNull(),
    /**
     * Bumped (by a trigger, migration 0006) only when something placement reads changes: type,
     * labels, membership, connection, health, or the info beyond what heartbeats refresh. The
     * scheduler's node catalog re-reads a node only when this moved, so heartbeats cost it nothing.
     */
    schedRevision: integer('sched_revision').notNull().default(0),
    createTime: nanos('create_time').notNull(),
    modifyTime: nanos('modify_time').notNull(),
  },
  (t) => [
    index('nodes_labels_idx').using('gin', t.labels),
    index('nodes_id_prefix_idx').using('btree', sql`${t.id} text_pattern_ops`),
  ],
);

/**
 * Messages to agents, written in the same transaction as the change that caused them. `message` is
 * the encoded envelope (validated when written), kept as text because a Job inside it carries
 * int64 times that jsonb would round through a double.
 */
export const outbox = pgTable(
  'outbox',
  {
    nodeId: text('node_id').notNull(),
    /** Per-node, gap-free (from outbox_heads): agents apply messages in this order and dedupe by it. */
    seq: bigint('seq', { mode: 'bigint' }).notNull(),
    type: text('type').notNull(),
    message: text('message').notNull(),
    createTime: nanos('create_time').notNull(),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.seq] }), index('outbox_create_idx').on(t.createTime)],
);

/**
 * Each node's outbox counter and delivery mark. Bumping `last_seq` row-locks it, which serialises
 * writers per node, so seqs are gap-free and commit in order (a shared sequence would leave holes on
 * rollback). Kept apart from `nodes` so that deleting a node through the API does not reset a
 * stream the agent still remembers.
 */
export const outboxHeads = pgTable('outbox_heads', {
  nodeId: text('node_id').primaryKey(),
  /** The last seq written. */
  lastSeq: bigint('last_seq', { mode: 'bigint' }).notNull(),
  /** Everything at or below was acknowledged by the agent. */
  ackedSeq: bigint('acked_seq', { mode: 'bigint' }).notNull().default(sql`0`),
});

/**
 * The last seq applied from each agent's report stream, bumped in the transaction that applies the
 * report. Its own table, not a column of outbox_heads: report transactions lock this row first and
 * plan transactions lock an outbox head last, so the two never wait on each other in a cycle.
 */
export const agentCursors = pgTable('agent_cursors', {
  nodeId: text('node_id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'bigint' }).notNull(),
  modifyTime: nanos('modify_time').notNull(),
});

/**
 * A PUT's IdempotencyToken, written in the transaction that writes its job: a retried PUT with
 * the same token in the same namespace is answered with the first one's job and evaluation.
 */
export const submissionTokens = pgTable(
  'submission_tokens',
  {
    namespace: text('namespace').notNull(),
    token: text('token').notNull(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    evaluationId: text('evaluation_id').notNull(),
    createTime: nanos('create_time').notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.token] })],
);

export const schema = {
  jobs,
  jobLabels,
  executions,
  evaluations,
  jobHistory,
  nodes,
  outbox,
  outboxHeads,
  agentCursors,
  submissionTokens,
};
export type Schema = typeof schema;
