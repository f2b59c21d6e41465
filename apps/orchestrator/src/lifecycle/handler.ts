import {
  type Evaluation,
  EvaluationTrigger,
  HistoryEventType,
  type IdGenerator,
  isTerminalJobState,
  JobStateType,
  type Nanos,
} from '@shoal/models';
import type { SchedulingMetrics } from '../metrics/ports.js';
import { isEmptyPlan, type SchedulerSettings, schedule } from '../planner/index.js';
import type { Repos } from '../store/index.js';
import type { EvaluationHandler, EvaluationOutcome } from '../worker/evaluation-worker.js';
import { applyPlan } from './apply-plan.js';
import { type NodeLossGrace, SchedulingBatch } from './batch.js';
import { NodeCatalog } from './node-catalog.js';
import { PlanTally } from './plan-tally.js';
import { loadSnapshot } from './snapshot.js';

export interface SchedulingHandlerOptions {
  ids: IdGenerator;
  settings?: Partial<SchedulerSettings>;
  /** How long disconnected nodes keep their executions; absent: lost at once. */
  nodeLoss?: NodeLossGrace;
  /** Called after the plan committed, with the nodes that have new messages. */
  onCommitted?: (nodeIds: ReadonlySet<string>) => void;
  /** Told what each committed batch's plans did (placements, queued and failed jobs, queue waits). */
  metrics?: SchedulingMetrics;
}

/**
 * Every evaluation of a job ends here. The worker's batch shares one transaction and one
 * workspace: it locks and reads all the batch's jobs at once; each evaluation takes its snapshot
 * from it, runs the pure scheduler and applies the plan in memory; the batch then writes every
 * job's changes and every node's messages in a few set-based statements. A job-stop evaluation
 * first moves the job to Stopped, so the same pass cancels its executions.
 */
export function schedulingHandler(options: SchedulingHandlerOptions): EvaluationHandler {
  const catalog = new NodeCatalog();
  return {
    triggers: Object.values(EvaluationTrigger),
    batch() {
      const batch = new SchedulingBatch(options.nodeLoss, catalog);
      const tally = options.metrics && new PlanTally();
      return {
        prepare: (tx, evaluations) =>
          batch.workspace.load(
            tx,
            evaluations.map((e) => e.JobID),
          ),
        handle: (tx, evaluation, now) => handleOne(tx, evaluation, now, batch, options, tally),
        async complete(tx, now) {
          // Rows and messages do not depend on each other: written together, waited for once.
          const [, touched] = await Promise.all([batch.workspace.flush(tx), batch.flush(tx, now)]);
          const notify = touched.size > 0 ? () => options.onCommitted?.(touched) : undefined;
          if (tally === undefined || tally.empty) return notify;
          return () => {
            notify?.();
            options.metrics?.planned(tally);
          };
        },
      };
    },
  };
}

async function handleOne(
  tx: Repos,
  evaluation: Evaluation,
  now: Nanos,
  batch: SchedulingBatch,
  options: SchedulingHandlerOptions,
  tally: PlanTally | undefined,
): Promise<EvaluationOutcome> {
  const work = batch.workspace;
  if (evaluation.TriggeredBy === EvaluationTrigger.JobStop) {
    const job = work.job(evaluation.JobID);
    if (!isTerminalJobState(job.State.StateType)) {
      const reason = evaluation.Comment || 'job stopped by user';
      const stopped = work.setJobState(
        job.ID,
        job.Revision,
        { StateType: JobStateType.Stopped, Message: reason },
        now,
      );
      work.appendHistory(job.ID, [
        {
          time: now,
          event: {
            Type: HistoryEventType.JobLevel,
            JobID: job.ID,
            JobState: { Previous: job.State.StateType, New: JobStateType.Stopped },
            ExecutionState: null,
            NewRevision: stopped.Revision,
            Comment: reason,
          },
        },
      ]);
    }
  }
  const snapshot = await loadSnapshot(tx, evaluation, options.settings ?? {}, batch);
  const plan = schedule(snapshot, now);
  tally?.add(snapshot, plan, now);
  // A plan that only waits (a retry's backoff, a queue timeout) still has its follow-up to write.
  if (isEmptyPlan(plan) && !plan.followUp) return { status: 'complete', comment: 'nothing to do' };
  applyPlan(snapshot, plan, { now, ids: options.ids, evaluation, batch });
  return { status: 'complete', comment: plan.notes.join('; ').slice(0, 1000) || 'plan applied' };
}
