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
import type { ExecutionUpdate, NewExecution, Plan, SchedulerSnapshot } from '../scheduler/index.js';
import type { NewHistoryEvent, OutgoingMessage, Repos } from '../store/index.js';
import type { SchedulingBatch } from './batch.js';

/**
 * Writes a plan in the transaction its snapshot was read in, following the table in
 * scheduler/types.ts. Its messages go to the batch, which writes every node's in one go at the end.
 */
export async function applyPlan(
  tx: Repos,
  snapshot: SchedulerSnapshot,
  plan: Plan,
  context: { now: Nanos; ids: IdGenerator; evaluation: Evaluation; batch: SchedulingBatch },
): Promise<void> {
  const { now, batch } = context;
  const job = snapshot.job;
  const events: NewHistoryEvent[] = [];
  const messages: Outgoing[] = [];

  if (plan.jobState && plan.jobState.StateType !== job.State.StateType) {
    const updated = await tx.jobs.updateState(job.ID, plan.jobRevision, plan.jobState, now);
    events.push(jobEvent(job, updated.Revision, plan.jobState.StateType, plan.jobState.Comment, now));
  }
  for (const planned of plan.newExecutions) await placeExecution(tx, job, planned, context, events, messages);
  for (const update of plan.executionUpdates)
    await updateExecution(tx, snapshot, update, now, events, messages);
  if (
    plan.followUp &&
    !(await tx.scheduling.hasPendingEvaluation(job.ID, plan.followUp.trigger, plan.followUp.waitUntil))
  ) {
    const { trigger, comment, waitUntil } = plan.followUp;
    await tx.evaluations.insert(
      newEvaluation({ id: context.ids.evaluation(), job, trigger, comment, now, waitUntil }),
    );
  }
  if (events.length > 0) await tx.history.append(job.ID, events);
  for (const m of messages) batch.send(m.nodeId, m.message);
  batch.applied(job.ID, snapshot.executions, plan);
}

interface Outgoing {
  nodeId: string;
  message: OutgoingMessage;
}

/** Inserts the execution (1→1), asks its node to bid (1→2) and queues the AskForBid. */
async function placeExecution(
  tx: Repos,
  job: Job,
  planned: NewExecution,
  { now, ids, evaluation }: { now: Nanos; ids: IdGenerator; evaluation: Evaluation },
  events: NewHistoryEvent[],
  messages: Outgoing[],
): Promise<void> {
  const taskName = job.Tasks[0]?.Name ?? 'main';
  const execution: Execution & { partition: number } = {
    ID: ids.execution(),
    Namespace: job.Namespace,
    EvalID: evaluation.ID,
    Name: '',
    NodeID: planned.nodeId,
    JobID: job.ID,
    AllocatedResources: { Tasks: { [taskName]: planned.allocated } },
    DesiredState: { StateType: planned.desiredState, Message: planned.comment },
    ComputeState: { StateType: C.New, Message: '' },
    PublishedResult: { Type: '', Params: null },
    RunOutput: null,
    PreviousExecution: planned.previousExecutionId ?? '',
    NextExecution: '',
    FollowupEvalID: '',
    Revision: 1,
    CreateTime: now,
    ModifyTime: now,
    partition: planned.partition,
  };
  await tx.executions.insert(execution);
  events.push(executionEvent(execution, C.New, C.New, 1, planned.comment, now));
  const asked = await tx.executions.updateCompute(
    execution.ID,
    1,
    { state: { StateType: C.AskForBid, Message: '' } },
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
async function updateExecution(
  tx: Repos,
  snapshot: SchedulerSnapshot,
  update: ExecutionUpdate,
  now: Nanos,
  events: NewHistoryEvent[],
  messages: Outgoing[],
): Promise<void> {
  const before = snapshot.executions.find((e) => e.ID === update.executionId);
  if (!before) return;
  let revision = update.expectedRevision;
  let compute = before.ComputeState.StateType;
  if (update.desiredState) {
    const after = await tx.scheduling.updateDesired(before.ID, revision, update.desiredState, now);
    revision = after.Revision;
    events.push(executionEvent(before, compute, compute, revision, update.comment, now));
  }
  const nextCompute =
    update.computeState ??
    (update.send === 'BidAccepted' ? { StateType: C.BidAccepted, Message: '' } : undefined);
  if (nextCompute && nextCompute.StateType !== compute) {
    const after = await tx.executions.updateCompute(before.ID, revision, { state: nextCompute }, now);
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
