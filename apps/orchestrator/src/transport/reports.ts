import {
  type Clock,
  ComputeStateType,
  computeStateName,
  EvaluationTrigger,
  HistoryEventType,
  type IdGenerator,
  isTerminalComputeState,
  newEvaluation,
  shortId,
} from '@shoal/models';
import {
  isStreamType,
  MESSAGE_CHANNEL,
  ORCHESTRATOR_SUBSCRIPTIONS,
  Receiver,
  type StreamEnvelope,
  type StreamHandler,
  serveReceiver,
} from '@shoal/protocol';
import type { Logger } from 'pino';
import { evaluateWaitingJobs } from '../nodes/connection-events.js';
import type { Repos, Store } from '../store/index.js';
import { decideReport, type Report } from './report-effects.js';
import { agentSeqTracker } from './store-ports.js';

/**
 * Agents' reports (`shoal.compute.*.out`) applied to the store. The protocol's Receiver orders and
 * deduplicates them by seq; this handler runs inside the transaction that also moves the agent's
 * cursor, so a report and the record of having applied it commit together.
 *
 * A refused report (unknown execution, another node's execution, an illegal or stale transition)
 * changes nothing and is logged, but still commits the cursor: the stream moves on (bad input 24).
 * A lost compare-and-swap is not a refusal: it throws, the agent gets `apply_failed`, and resends
 * the report, which is then judged against the execution as it is now.
 */

export interface ReportDeps {
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
}

function isReport(envelope: StreamEnvelope): envelope is Report {
  return isStreamType(envelope.type) && MESSAGE_CHANNEL[envelope.type] === 'out';
}

export function reportHandler({ clock, ids, logger }: ReportDeps): StreamHandler<Repos> {
  return async (envelope, tx) => {
    if (!isReport(envelope)) return;
    const executionId = envelope.payload.ExecutionID;
    const fields = { nodeId: envelope.nodeId, seq: envelope.seq, type: envelope.type, executionId };
    const execution = await tx.executions.find(executionId);
    if (!execution) {
      logger.warn(fields, 'report for an unknown execution: ignored');
      return;
    }
    if (execution.NodeID !== envelope.nodeId) {
      // Either a confused agent or one speaking about work that is not its own.
      logger.error(
        { ...fields, assignedTo: execution.NodeID },
        'report about another node’s execution: rejected',
      );
      return;
    }
    const decision = decideReport(envelope, execution);
    if (!decision.ok) {
      const state = computeStateName(execution.ComputeState.StateType);
      logger[decision.level]({ ...fields, state }, `report rejected: ${decision.reason}`);
      return;
    }
    const { steps, runOutput, publishedResult, evaluate } = decision.effect;
    const now = clock.now();
    const job = await tx.jobs.get(execution.JobID);
    // History first: appending takes the job row's lock before the execution's, the order plan
    // transactions take them in, so a report and a plan never deadlock.
    let previous = execution.ComputeState.StateType;
    await tx.history.append(
      job.ID,
      steps.map((step, i) => {
        const event = {
          time: now,
          event: {
            Type: HistoryEventType.ExecutionLevel,
            JobID: job.ID,
            NodeID: execution.NodeID,
            ExecutionID: execution.ID,
            JobState: null,
            ExecutionState: { Previous: previous, New: step.state.StateType },
            NewRevision: execution.Revision + i + 1,
            Comment: step.comment,
          },
        };
        previous = step.state.StateType;
        return event;
      }),
    );
    let current = execution;
    for (const [i, step] of steps.entries()) {
      const last = i === steps.length - 1;
      const outputs = last ? { runOutput, publishedResult } : {};
      const retire =
        last && step.state.StateType === ComputeStateType.Completed
          ? { retireDesired: 'execution completed' }
          : {};
      current = await tx.executions.updateCompute(
        current.ID,
        current.Revision,
        { state: step.state, ...outputs, ...retire },
        now,
      );
    }
    const comment = steps.at(-1)?.comment ?? '';
    // The job row is locked (history above): a due evaluation not yet finished will read this
    // report's effect, so one more would only repeat it (a Count-100 job's bids need one pass).
    if (evaluate && !(await tx.scheduling.hasDueEvaluation(job.ID, now))) {
      const trigger = EvaluationTrigger.ExecutionUpdate;
      const why = `execution ${shortId(execution.ID)}: ${comment}`;
      await tx.evaluations.insert(newEvaluation({ id: ids.evaluation(), job, trigger, comment: why, now }));
    }
    if (isTerminalComputeState(current.ComputeState.StateType)) {
      // Its reservation is free: jobs queued for room get another look now.
      const freed = `execution ${shortId(execution.ID)} ended on ${shortId(execution.NodeID)}`;
      await evaluateWaitingJobs(tx, ids, freed, now, { daemons: false });
    }
    logger.info({ ...fields, state: computeStateName(current.ComputeState.StateType) }, comment);
  };
}

export interface ReportReceiverOptions extends ReportDeps {
  nc: Parameters<typeof serveReceiver>[0];
  store: Store;
  /** Shared by every orchestrator, so each report is handled by one of them. */
  queue?: string;
}

/** Subscribes to every agent's report stream. */
export function serveReports(options: ReportReceiverOptions): ReturnType<typeof serveReceiver> {
  const { nc, store, clock, logger, queue } = options;
  const receiver = new Receiver<Repos>({
    tracker: agentSeqTracker(store, clock),
    handle: reportHandler(options),
    channel: 'out',
    logger,
  });
  return serveReceiver(nc, ORCHESTRATOR_SUBSCRIPTIONS.out, receiver, {
    logger,
    ...(queue === undefined ? {} : { queue }),
  });
}
