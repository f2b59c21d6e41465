import {
  ComputeStateType as C,
  DesiredStateType as D,
  type Evaluation,
  type Execution,
  HistoryEventType,
  type IdGenerator,
  type Job,
  type Nanos,
  newEvaluation,
} from '@shoal/models';
import {
  type ExecutionUpdate,
  type NewExecution,
  type Plan,
  plannedExecution,
  type SchedulerSnapshot,
} from '../planner/index.js';
import type { NewHistoryEvent, OutgoingMessage, StoredExecution } from '../store/index.js';
import type { SchedulingBatch } from './batch.js';
import type { JobWorkspace } from './workspace.js';

/**
 * Applies a plan to the batch's workspace (the unit of work its snapshot was read from), following
 * the table in scheduler/types.ts. Nothing is written here: the workspace writes every job's
 * changes at the end of the batch, and the batch every node's messages.
 */
export function applyPlan(
  snapshot: SchedulerSnapshot,
  plan: Plan,
  context: { now: Nanos; ids: IdGenerator; evaluation: Evaluation; batch: SchedulingBatch },
): void {
  const { now, batch } = context;
  const work = batch.workspace;
  const job = snapshot.job;
  const events: NewHistoryEvent[] = [];
  const messages: Outgoing[] = [];

  if (plan.jobState && plan.jobState.StateType !== job.State.StateType) {
    const { StateType, Message } = plan.jobState;
    const updated = work.setJobState(job.ID, plan.jobRevision, { StateType, Message }, now);
    events.push(jobEvent(job, updated.Revision, plan.jobState.StateType, plan.jobState.Comment, now));
  }
  for (const planned of plan.newExecutions) placeExecution(work, job, planned, context, events, messages);
  for (const update of plan.executionUpdates) updateExecution(work, snapshot, update, now, events, messages);
  if (plan.followUp && !work.hasPendingEvaluation(job.ID, plan.followUp.trigger, plan.followUp.waitUntil)) {
    const { trigger, comment, waitUntil } = plan.followUp;
    work.addEvaluation(
      newEvaluation({ id: context.ids.evaluation(), job, trigger, comment, now, waitUntil }),
    );
  }
  if (events.length > 0) work.appendHistory(job.ID, events);
  for (const m of messages) batch.send(m.nodeId, m.message);
  batch.applied(job.ID, snapshot.executions, plan);
}

interface Outgoing {
  nodeId: string;
  message: OutgoingMessage;
}

/** Inserts the execution (1→1), asks its node to bid (1→2) and queues the AskForBid. */
function placeExecution(
  work: JobWorkspace,
  job: Job,
  planned: NewExecution,
  { now, ids, evaluation }: { now: Nanos; ids: IdGenerator; evaluation: Evaluation },
  events: NewHistoryEvent[],
  messages: Outgoing[],
): void {
  const taskName = job.Tasks[0]?.Name ?? 'main';
  // The execution the plan's view already showed, now with its id, evaluation and revision.
  const execution: StoredExecution = {
    ...plannedExecution(job, ids.execution(), planned, now),
    EvalID: evaluation.ID,
    AllocatedResources: { Tasks: { [taskName]: planned.allocated } },
    Revision: 1,
  };
  work.addExecution(execution);
  events.push(executionEvent(execution, C.New, C.New, 1, planned.comment, now));
  const asked = work.updateExecution(
    execution.ID,
    1,
    { ComputeState: { StateType: C.AskForBid, Message: '' } },
    now,
  );
  events.push(
    executionEvent(execution, C.New, C.AskForBid, asked.Revision, `Asked ${planned.nodeId} to bid`, now),
  );
  const ask = {
    ExecutionID: execution.ID,
    JobID: job.ID,
    Partition: planned.partition,
    WaitForApproval: planned.desiredState === D.Pending,
    Job: job,
  };
  messages.push({ nodeId: planned.nodeId, message: { type: 'AskForBid', payload: ask } });
}

/** Desired (and server-side compute) changes, each with its history event and message. */
function updateExecution(
  work: JobWorkspace,
  snapshot: SchedulerSnapshot,
  update: ExecutionUpdate,
  now: Nanos,
  events: NewHistoryEvent[],
  messages: Outgoing[],
): void {
  const before = snapshot.executions.find((e) => e.ID === update.executionId);
  if (!before) return;
  let revision = update.expectedRevision;
  let compute = before.ComputeState.StateType;
  if (update.desiredState) {
    const after = work.updateExecution(before.ID, revision, { DesiredState: update.desiredState }, now);
    revision = after.Revision;
    events.push(executionEvent(before, compute, compute, revision, update.comment, now));
  }
  const nextCompute =
    update.computeState ??
    (update.send === 'BidAccepted' ? { StateType: C.BidAccepted, Message: '' } : undefined);
  if (nextCompute && nextCompute.StateType !== compute) {
    const ended = update.outcome === undefined ? {} : { outcome: update.outcome };
    // An approved bid runs from now; a node that must first wait for room says so (Phase Waiting).
    const started = nextCompute.StateType === C.BidAccepted ? { runStartTime: now } : {};
    const change = { ComputeState: nextCompute, ...ended, ...started };
    const after = work.updateExecution(before.ID, revision, change, now);
    const comment = update.send === 'BidAccepted' ? 'bid accepted' : update.comment;
    events.push(executionEvent(before, compute, nextCompute.StateType, after.Revision, comment, now));
    revision = after.Revision;
    compute = nextCompute.StateType;
  }
  const send = update.send;
  if (!send) return;
  const reason = update.desiredState?.Message ?? update.comment;
  messages.push({
    nodeId: before.NodeID,
    message:
      send === 'BidAccepted'
        ? { type: 'BidAccepted', payload: { ExecutionID: before.ID } }
        : { type: send, payload: { ExecutionID: before.ID, Reason: reason } },
  });
}

function jobEvent(
  job: Job,
  revision: number,
  next: Job['State']['StateType'],
  comment: string,
  now: Nanos,
): NewHistoryEvent {
  return {
    time: now,
    event: {
      Type: HistoryEventType.JobLevel,
      JobID: job.ID,
      JobState: { Previous: job.State.StateType, New: next },
      ExecutionState: null,
      NewRevision: revision,
      Comment: comment,
    },
  };
}

function executionEvent(
  e: Pick<Execution, 'ID' | 'JobID' | 'NodeID'>,
  previous: Execution['ComputeState']['StateType'],
  next: Execution['ComputeState']['StateType'],
  revision: number,
  comment: string,
  now: Nanos,
): NewHistoryEvent {
  return {
    time: now,
    event: {
      Type: HistoryEventType.ExecutionLevel,
      JobID: e.JobID,
      NodeID: e.NodeID,
      ExecutionID: e.ID,
      JobState: null,
      ExecutionState: { Previous: previous, New: next },
      NewRevision: revision,
      Comment: comment,
    },
  };
}
