import {
  ComputeStateType as C,
  canTransitionCompute,
  computeStateName,
  DesiredStateType as D,
  type Execution,
  ExecutionOutcome,
  type RunOutput,
  type SpecConfig,
} from '@shoal/models';
import type { Envelope, OutMessageType } from '@shoal/protocol';

/**
 * What an agent's report means for its execution, decided without I/O: the compute state(s) to
 * write with their history comments, or why the report is refused (an unknown or illegal move;
 * terminal states never change). A report that ends the execution also says why it ended (its
 * outcome) and retires its desired state to Stopped: this is the only place that rule lives.
 */

export type Report = Envelope<OutMessageType>;

/** The history comment of a bid accepted by a node that runs it once it has room. */
export const BID_ACCEPTED_WAITING = 'bid accepted by node: waiting on the node for room';

export interface ComputeStep {
  state: { StateType: C; Message: string };
  comment: string;
}

export interface ReportEffect {
  /** One step, or two when an answer implies the ask arrived (New → AskForBid → …). */
  steps: ComputeStep[];
  runOutput?: RunOutput;
  publishedResult?: SpecConfig;
  /** With a terminal last step: why it ended, and its desired state retired to Stopped. */
  ended?: { outcome: ExecutionOutcome; desired: string };
  /**
   * The run's clock: `started` sets its start to when the report is applied (its timeout counts
   * from there), `waiting` clears it while the run waits on its node for room.
   */
  run?: 'started' | 'waiting';
  /** State changes get the job re-evaluated; progress notes do not (but a run's start does). */
  evaluate: boolean;
}

export type ReportDecision =
  | { ok: true; effect: ReportEffect }
  | { ok: false; level: 'info' | 'warn'; reason: string };

export function decideReport(report: Report, execution: Execution): ReportDecision {
  const from = execution.ComputeState.StateType;
  const target = targetOf(report, execution);
  const to = target.steps[0]?.state.StateType ?? from;
  if (report.type !== 'ExecutionProgress' && to === from) {
    return { ok: false, level: 'info', reason: `execution is already ${computeStateName(from)}` };
  }
  // An answer to the ask proves the ask arrived; the store saw the execution only as New.
  if (from === C.New && !canTransitionCompute(from, to) && canTransitionCompute(C.AskForBid, to)) {
    target.steps.unshift({
      state: { StateType: C.AskForBid, Message: '' },
      comment: 'ask for bid received by node',
    });
  }
  let previous = from;
  for (const step of target.steps) {
    if (!canTransitionCompute(previous, step.state.StateType)) {
      const change = `${computeStateName(from)} → ${computeStateName(to)}`;
      return { ok: false, level: 'warn', reason: `illegal transition ${change}` };
    }
    previous = step.state.StateType;
  }
  return { ok: true, effect: target };
}

/** An ending we asked for (desired already Stopped) is ours, whatever the agent says about it. */
function ending(execution: Execution, outcome: ExecutionOutcome, desired: string): ReportEffect['ended'] {
  const asked = execution.DesiredState.StateType === D.Stopped;
  return { outcome: asked ? ExecutionOutcome.Stopped : outcome, desired };
}

function targetOf(report: Report, execution: Execution): ReportEffect {
  const step = (StateType: C, Message: string, comment: string): ComputeStep[] => [
    { state: { StateType, Message }, comment },
  ];
  switch (report.type) {
    case 'BidResult': {
      const { Accepted, Reason, OutOfCapacity } = report.payload;
      if (!Accepted) {
        const said = Reason === '' ? 'bid rejected by node' : `bid rejected: ${Reason}`;
        const comment = OutOfCapacity
          ? `${said} (no room now: the job waits without using an attempt)`
          : said;
        const outcome = OutOfCapacity ? ExecutionOutcome.Busy : ExecutionOutcome.Rejected;
        return {
          steps: step(C.AskForBidRejected, Reason, comment),
          ended: ending(execution, outcome, 'bid rejected by node'),
          evaluate: true,
        };
      }
      // Asked without an approval round (desired Running), the agent starts at once, or puts the run
      // in its queue to wait for room (Waiting): then the run's clock starts when it does.
      if (execution.DesiredState.StateType !== D.Running) {
        return { steps: step(C.AskForBidAccepted, Reason, 'bid accepted by node'), evaluate: true };
      }
      const waiting = report.payload.Waiting === true;
      return {
        steps: step(C.BidAccepted, Reason, waiting ? BID_ACCEPTED_WAITING : 'bid accepted by node'),
        run: waiting ? 'waiting' : 'started',
        evaluate: true,
      };
    }
    case 'RunResult': {
      const { RunOutput, PublishedResult } = report.payload;
      const published = { Type: PublishedResult.Type, Params: jsonSafe(PublishedResult.Params) };
      if (RunOutput.exitCode === 0) {
        return {
          steps: step(C.Completed, '', 'execution completed'),
          runOutput: RunOutput,
          publishedResult: published,
          ended: ending(execution, ExecutionOutcome.Completed, 'execution completed'),
          evaluate: true,
        };
      }
      // The task's own answer: the execution fails, and another node would only repeat it.
      const message = `exit code ${RunOutput.exitCode}`;
      return {
        steps: step(C.Failed, message, `execution failed: ${message}`),
        runOutput: RunOutput,
        publishedResult: published,
        ended: ending(execution, ExecutionOutcome.TaskFailed, 'execution failed'),
        evaluate: true,
      };
    }
    case 'ComputeError': {
      const { Error: error, RunOutput, Final } = report.payload;
      const output = RunOutput ? { ...RunOutput, runnerError: RunOutput.runnerError || error } : undefined;
      return {
        steps: step(C.Failed, error, `execution failed: ${error}`),
        ...(output ? { runOutput: output } : {}),
        ended: ending(
          execution,
          Final ? ExecutionOutcome.TaskFailed : ExecutionOutcome.Failed,
          'execution failed',
        ),
        evaluate: true,
      };
    }
    case 'ExecutionCancelled': {
      const { Message, RunOutput } = report.payload;
      const reason = Message || execution.DesiredState.Message || 'cancelled';
      // An offer withdrawn before it ran is a rejected bid; anything that may have run is cancelled.
      const state = execution.ComputeState.StateType === C.AskForBidAccepted ? C.BidRejected : C.Cancelled;
      const what = state === C.BidRejected ? 'bid withdrawn' : 'execution cancelled';
      return {
        steps: step(state, reason, `${what} on the node: ${reason}`),
        ...(RunOutput ? { runOutput: RunOutput } : {}),
        ended: ending(execution, ExecutionOutcome.Failed, reason),
        evaluate: true,
      };
    }
    case 'ExecutionProgress': {
      const { Message, Phase } = report.payload;
      const note = step(execution.ComputeState.StateType, Message, Message);
      // Only a running execution has a run to wait or start; on any other the phase is just a note.
      if (Phase === undefined || execution.ComputeState.StateType !== C.BidAccepted) {
        return { steps: note, evaluate: false };
      }
      // A start needs a look at the job, which sets the wake-up at its new timeout deadline; a wait
      // needs none (the check at the old deadline finds the run waiting and leaves it).
      return Phase === 'Started'
        ? { steps: note, run: 'started', evaluate: true }
        : { steps: note, run: 'waiting', evaluate: false };
    }
  }
}

/**
 * Published params are free-form; a huge integer decodes as bigint, which jsonb cannot take. A
 * report must never fail to apply for such a reason (it would block the agent's stream), so those
 * become numbers when exact and strings otherwise.
 */
function jsonSafe(params: Record<string, unknown> | null): Record<string, unknown> | null {
  if (params === null) return null;
  const text = JSON.stringify(params, (_key, value: unknown) => {
    if (typeof value !== 'bigint') return value;
    const exact = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER);
    return exact ? Number(value) : value.toString();
  });
  return JSON.parse(text) as Record<string, unknown>;
}
