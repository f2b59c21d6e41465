import {
  type Clock,
  computeStateName,
  DesiredStateType,
  EvaluationTrigger,
  type Execution,
  HistoryEventType,
  type IdGenerator,
  isTerminalComputeState,
  type Job,
  type Nanos,
  newEvaluation,
  shortId,
} from '@shoal/models';
import { isStreamType, MESSAGE_CHANNEL, type StreamEnvelope } from '@shoal/protocol';
import type { Logger } from 'pino';
import type { EndingMetrics } from '../metrics/ports.js';
import { executionTimeoutSeconds } from '../planner/lifecycle.js';
import type { NewHistoryEvent, Repos, StoredExecution } from '../store/index.js';
import { evaluateWaitingJobs } from './node-events.js';
import { decideReport, type Report } from './report-effects.js';
import { JobWorkspace } from './workspace.js';

export interface ReportDeps {
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Told, once the reports committed, of each execution they ended. */
  endings?: EndingMetrics;
}

/** How many queued jobs one freed execution wakes, at the head of the queue. */
const WAITING_PER_FREED = 2;

function isReport(envelope: StreamEnvelope): envelope is Report {
  return isStreamType(envelope.type) && MESSAGE_CHANNEL[envelope.type] === 'out';
}

/**
 * Applies a run of one agent's reports (seq order) inside the transaction that moves its cursor
 * past them. The run shares one workspace: the reports' jobs are locked and read at once, each
 * report is judged against the execution as the reports before it left it (a bid and its result
 * often arrive together), and everything is written in a few set-based statements at the end.
 *
 * A refused report (unknown execution, another node's execution, an illegal or stale transition)
 * changes nothing and is logged; the run goes on and the cursor still moves.
 *
 * Returns what to run once the transaction committed (the endings counted), if anything.
 */
export async function applyReports(
  envelopes: readonly StreamEnvelope[],
  tx: Repos,
  { clock, ids, logger, endings }: ReportDeps,
): Promise<(() => void) | undefined> {
  const reports = envelopes.filter(isReport);
  if (reports.length === 0) return;
  const known = await tx.bulk.findExecutions([...new Set(reports.map((r) => r.payload.ExecutionID))]);
  const knownIds = new Set(known.map((e) => e.ID));
  const work = new JobWorkspace();
  await work.load(
    tx,
    known.map((e) => e.JobID),
  );
  const now = clock.now();
  let freed: string | undefined;
  let freedCount = 0;
  const ended: Array<{ outcome: string; seconds: number }> = [];
  for (const report of reports) {
    const executionId = report.payload.ExecutionID;
    const fields = { nodeId: report.nodeId, seq: report.seq, type: report.type, executionId };
    const execution = knownIds.has(executionId) ? work.execution(executionId) : undefined;
    if (!execution) {
      logger.warn(fields, 'report for an unknown execution: ignored');
      continue;
    }
    if (execution.NodeID !== report.nodeId) {
      // Either a confused agent or one speaking about work that is not its own.
      logger.error(
        { ...fields, assignedTo: execution.NodeID },
        'report about another node’s execution: rejected',
      );
      continue;
    }
    const after = applyOne(work, report, execution, now, ids, logger, fields);
    if (after && isTerminalComputeState(after.ComputeState.StateType)) {
      freed = `execution ${shortId(after.ID)} ended on ${shortId(after.NodeID)}`;
      freedCount++;
      if (endings) {
        const outcome = work.execution(after.ID).outcome || 'unknown';
        ended.push({ outcome, seconds: Math.max(0, Number(now - after.CreateTime) / 1e9) });
      }
    }
  }
  await work.flush(tx);
  // Reservations are free: the jobs at the head of the queue get another look now. A few per freed
  // execution, since a small job may fit where the head's larger one does not.
  if (freed !== undefined) {
    await evaluateWaitingJobs(tx, ids, freed, now, {
      daemons: false,
      limit: WAITING_PER_FREED * freedCount + 8,
    });
  }
  if (endings === undefined || ended.length === 0) return undefined;
  return () => {
    for (const { outcome, seconds } of ended) endings.executionEnded(outcome, seconds);
  };
}

/** One report's effect on the workspace; the execution as it left it, or undefined if refused. */
function applyOne(
  work: JobWorkspace,
  report: Report,
  execution: Execution,
  now: Nanos,
  ids: IdGenerator,
  logger: Logger,
  fields: Record<string, unknown>,
): Execution | undefined {
  const decision = decideReport(report, execution);
  if (!decision.ok) {
    const state = computeStateName(execution.ComputeState.StateType);
    logger[decision.level]({ ...fields, state }, `report rejected: ${decision.reason}`);
    return undefined;
  }
  const { steps, runOutput, publishedResult, ended, run, evaluate } = decision.effect;
  const events: NewHistoryEvent[] = [];
  let current = execution;
  for (const [i, step] of steps.entries()) {
    const last = i === steps.length - 1;
    const retire = last && ended !== undefined && current.DesiredState.StateType !== DesiredStateType.Stopped;
    const change: Partial<StoredExecution> = {
      ComputeState: step.state,
      ...(last && runOutput !== undefined ? { RunOutput: runOutput } : {}),
      ...(last && publishedResult !== undefined ? { PublishedResult: publishedResult } : {}),
      ...(last && ended !== undefined ? { outcome: ended.outcome } : {}),
      ...(retire ? { DesiredState: { StateType: DesiredStateType.Stopped, Message: ended.desired } } : {}),
      ...(last && run !== undefined ? { runStartTime: run === 'started' ? now : undefined } : {}),
    };
    const previous = current.ComputeState.StateType;
    current = work.updateExecution(current.ID, current.Revision, change, now);
    events.push({
      time: now,
      event: {
        Type: HistoryEventType.ExecutionLevel,
        JobID: current.JobID,
        NodeID: current.NodeID,
        ExecutionID: current.ID,
        JobState: null,
        ExecutionState: { Previous: previous, New: step.state.StateType },
        NewRevision: current.Revision,
        Comment: step.comment,
      },
    });
  }
  work.appendHistory(current.JobID, events);
  const comment = steps.at(-1)?.comment ?? '';
  // A due evaluation not yet finished will read this report's effect (the job row is locked), so
  // one more would only repeat it (a Count-100 job's bids need one pass).
  // A run's start after waiting on its node is looked at only to set the wake-up at its timeout:
  // a task without one needs no look.
  const lookNeeded = evaluate && (report.type !== 'ExecutionProgress' || hasTimeout(work.job(current.JobID)));
  if (lookNeeded && !work.hasDueEvaluation(current.JobID, now)) {
    const job = work.job(current.JobID);
    const trigger = EvaluationTrigger.ExecutionUpdate;
    const why = `execution ${shortId(current.ID)}: ${comment}`;
    work.addEvaluation(newEvaluation({ id: ids.evaluation(), job, trigger, comment: why, now }));
  }
  logger.info({ ...fields, state: computeStateName(current.ComputeState.StateType) }, comment);
  return current;
}

function hasTimeout(job: Job): boolean {
  const task = job.Tasks[0];
  return task !== undefined && executionTimeoutSeconds(task) > 0;
}
