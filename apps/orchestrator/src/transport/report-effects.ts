import {
  ComputeStateType as C,
  canTransitionCompute,
  computeStateName,
  DesiredStateType as D,
  type Execution,
  type RunOutput,
  type SpecConfig,
} from '@shoal/models';
import type { Envelope, OutMessageType } from '@shoal/protocol';

/**
 * What an agent's report means for its execution, decided without I/O: the compute state(s) to
 * write with their history comments, or why the report is refused (bad input 24, case 12). Agents
 * write compute state only; desired state is the scheduler's.
 */

export type Report = Envelope<OutMessageType>;

export interface ComputeStep {
  state: { StateType: C; Message: string };
  comment: string;
}

export interface ReportEffect {
  /** One step, or two when an answer implies the ask arrived (New → AskForBid → …). */
  steps: ComputeStep[];
  runOutput?: RunOutput;
  publishedResult?: SpecConfig;
  /** State changes get the job re-evaluated; progress notes do not. */
  evaluate: boolean;
}

export type ReportDecision =
  | { ok: true; effect: ReportEffect }
  | { ok: false; level: 'info' | 'warn'; reason: string };

const EMPTY_OUTPUT: RunOutput = {
  stdout: '',
  stdouttruncated: false,
  stderr: '',
  stderrtruncated: false,
  exitCode: 0,
  runnerError: '',
};

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

function targetOf(report: Report, execution: Execution): ReportEffect {
  const step = (StateType: C, Message: string, comment: string): ComputeStep[] => [
    { state: { StateType, Message }, comment },
  ];
  switch (report.type) {
    case 'BidResult': {
      const { Accepted, Reason } = report.payload;
      if (!Accepted) {
        const comment = Reason === '' ? 'bid rejected by node' : `bid rejected: ${Reason}`;
        return { steps: step(C.AskForBidRejected, Reason, comment), evaluate: true };
      }
      // Asked without an approval round (desired Running), the agent starts at once.
      const running = execution.DesiredState.StateType === D.Running;
      return {
        steps: step(running ? C.BidAccepted : C.AskForBidAccepted, Reason, 'bid accepted by node'),
        evaluate: true,
      };
    }
    case 'RunResult': {
      const { RunOutput, PublishedResult } = report.payload;
      const comment =
        RunOutput.exitCode === 0
          ? 'execution completed'
          : `execution completed with exit code ${RunOutput.exitCode}`;
      return {
        steps: step(C.Completed, '', comment),
        runOutput: RunOutput,
        publishedResult: { Type: PublishedResult.Type, Params: jsonSafe(PublishedResult.Params) },
        evaluate: true,
      };
    }
    case 'ComputeError': {
      const error = report.payload.Error;
      return {
        steps: step(C.Failed, error, `execution failed: ${error}`),
        runOutput: { ...(execution.RunOutput ?? EMPTY_OUTPUT), runnerError: error },
        evaluate: true,
      };
    }
    case 'ExecutionProgress': {
      const { Message } = report.payload;
      return { steps: step(execution.ComputeState.StateType, Message, Message), evaluate: false };
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
