import { parseDurationMs } from '@shoal/models';
import type { OutMessageType, Payload, StreamEnvelope } from '@shoal/protocol';

/**
 * What a simulated node does with the orchestrator's commands on `.in`: it bids yes to every
 * AskForBid, "runs" an accepted execution for the noop task's Delay (no process, no engine) and
 * reports a RunResult with exit code 0. Stops are answered with ExecutionCancelled, as the real
 * agent answers them. Commands are applied once per execution id, like the real agent's: a
 * duplicate AskForBid or BidAccepted changes nothing, so a run is never started twice by a
 * resend; `onRun` counts each run that starts, which is the simulator's "executions per job".
 */

export type Report = <T extends OutMessageType>(type: T, payload: Payload<T>) => void;

type State = 'awaiting' | 'running' | 'done';

interface Execution {
  jobId: string;
  state: State;
  delayMs: number;
  stdout: string;
  timer?: NodeJS.Timeout;
}

export class SimExecutions {
  private readonly executions = new Map<string, Execution>();
  private active = 0;

  constructor(
    private readonly report: Report,
    private readonly onRun: (jobId: string) => void,
  ) {}

  /** Executions accepted and not finished: what the node's heartbeats report as running. */
  get running(): number {
    return this.active;
  }

  apply(envelope: StreamEnvelope): void {
    switch (envelope.type) {
      case 'AskForBid':
        this.ask(envelope.payload);
        break;
      case 'BidAccepted':
        this.accepted(envelope.payload.ExecutionID);
        break;
      case 'BidRejected':
      case 'CancelExecution':
        this.stop(envelope.payload.ExecutionID, envelope.payload.Reason);
        break;
    }
  }

  /** Stops every run (the simulator is shutting down); nothing is reported. */
  clear(): void {
    for (const execution of this.executions.values()) clearTimeout(execution.timer);
  }

  private ask(ask: Payload<'AskForBid'>): void {
    const id = ask.ExecutionID;
    if (this.executions.has(id)) return;
    const params = ask.Job.Tasks[0]?.Engine.Params ?? {};
    const execution: Execution = {
      jobId: ask.JobID,
      state: 'awaiting',
      delayMs: typeof params.Delay === 'string' ? parseDurationMs(params.Delay) : 0,
      stdout: typeof params.Stdout === 'string' ? params.Stdout : '',
    };
    this.executions.set(id, execution);
    this.active++;
    this.report('BidResult', { ExecutionID: id, Accepted: true, Reason: '' });
    if (!ask.WaitForApproval) this.start(id, execution);
  }

  private accepted(id: string): void {
    const execution = this.executions.get(id);
    if (execution === undefined) {
      this.report('ComputeError', { ExecutionID: id, Error: 'unknown execution' });
      return;
    }
    if (execution.state === 'awaiting') this.start(id, execution);
  }

  private start(id: string, execution: Execution): void {
    execution.state = 'running';
    this.onRun(execution.jobId);
    execution.timer = setTimeout(() => {
      if (execution.state !== 'running') return;
      this.finish(execution);
      const RunOutput = {
        stdout: execution.stdout,
        stdouttruncated: false,
        stderr: '',
        stderrtruncated: false,
        exitCode: 0,
        runnerError: '',
      };
      this.report('RunResult', { ExecutionID: id, RunOutput, PublishedResult: { Type: '', Params: null } });
    }, execution.delayMs);
  }

  /** Unknown: answered so the orchestrator lets it go; finished: its report is the answer. */
  private stop(id: string, reason: string): void {
    const execution = this.executions.get(id);
    if (execution?.state === 'done') return;
    if (execution) {
      clearTimeout(execution.timer);
      this.finish(execution);
    }
    const Message = execution ? reason || 'cancelled by the orchestrator' : 'unknown execution';
    this.report('ExecutionCancelled', { ExecutionID: id, Message });
  }

  private finish(execution: Execution): void {
    execution.state = 'done';
    this.active--;
  }
}
