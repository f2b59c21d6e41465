import { type Clock, type Execution, isTerminalComputeState, isTerminalJobState } from '@shoal/models';
import type { connectNats, LogFrame } from '@shoal/protocol';
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import { AgentStream } from './agent-stream.js';
import { closeReason, failure, type LogRelaySettings, NORMAL_END, type StreamEnd } from './settings.js';
import { type LogTarget, latestExecution } from './target.js';

/**
 * One WebSocket reader of one execution's logs: finds the execution (waiting for the job's first
 * one when following), opens the agent's stream (again while the agent does not know the
 * execution yet, if following), writes each frame as a JSON text message `{"Type":1,"Line":"…"}`
 * and closes the socket when the stream ends, with the reason when it failed.
 */

/** What the session needs of a WebSocket (hono's WSContext, with ws' bufferedAmount). */
export interface LogSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued and not yet sent: the back-pressure signal. */
  readonly bufferedAmount: number;
  /** Drops the connection without the closing handshake. */
  terminate(): void;
}

/** How long a client gets to answer our close before its socket is cut (orchestrator stop). */
const SHUTDOWN_GRACE_MS = 1_000;

export interface LogSessionOptions {
  nc: Awaited<ReturnType<typeof connectNats>>;
  store: Store;
  socket: LogSocket;
  target: LogTarget;
  follow: boolean;
  tail: number | null;
  settings: LogRelaySettings;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  onEnd: () => void;
}

export class LogSession {
  private stream: AgentStream | undefined;
  private ended = false;
  private clientClosed = false;
  private drainTimer: ReturnType<typeof setInterval> | undefined;
  private readonly deadline: number;

  constructor(private readonly o: LogSessionOptions) {
    this.deadline = performance.now() + o.settings.waitForExecutionMs;
  }

  async run(): Promise<void> {
    try {
      const execution = this.o.target.execution ?? (await this.waitForExecution());
      if (execution === undefined || this.ended) return;
      await this.openOn(execution);
    } catch (error) {
      this.o.logger.error({ err: error, jobId: this.o.target.job.ID }, 'log stream failed');
      this.end(failure(500, 'the log stream failed on the orchestrator; see its log'));
    }
  }

  /** The client closed the socket (or it broke). */
  clientGone(): void {
    this.clientClosed = true;
    if (this.ended) return;
    this.stream?.close('the reader closed the WebSocket');
    this.end(undefined);
  }

  /**
   * The orchestrator is stopping: close with 1001, and cut the socket if the client does not
   * answer soon, since the HTTP server's close() waits for every connection, upgraded ones too.
   */
  shutdown(): void {
    this.stream?.close('the orchestrator is shutting down');
    this.end({ code: 1001, reason: 'the orchestrator is shutting down' });
    if (!this.clientClosed) setTimeout(() => this.o.socket.terminate(), SHUTDOWN_GRACE_MS).unref();
  }

  private async openOn(first: Execution): Promise<void> {
    let execution = first;
    for (;;) {
      const stream = new AgentStream({
        nc: this.o.nc,
        nodeId: execution.NodeID,
        executionId: execution.ID,
        streamId: `ls-${this.o.newId()}`,
        follow: this.o.follow,
        tail: this.o.tail,
        settings: this.o.settings,
        clock: this.o.clock,
        newId: this.o.newId,
        logger: this.o.logger,
        canTakeMore: () => this.o.socket.bufferedAmount < this.o.settings.highWaterBytes,
        onFrames: (frames) => this.write(frames),
        onEnd: (end) => this.end(end),
      });
      this.stream = stream;
      const outcome = await stream.open();
      if (this.ended) {
        stream.close('the reader went away');
        return;
      }
      if (outcome.kind === 'accepted') return;
      stream.close('not opened');
      if (outcome.kind === 'failed') return this.end(outcome.end);
      // The agent does not know it yet (the ask is on its way) or any more (its state was lost).
      const current = (await this.o.store.executions.find(execution.ID)) ?? execution;
      const waiting = this.o.follow && !isTerminalComputeState(current.ComputeState.StateType);
      if (!waiting || performance.now() > this.deadline) {
        return this.end(
          failure(
            404,
            `node ${execution.NodeID} has no output of execution ${execution.ID}: ${outcome.reason}`,
          ),
        );
      }
      execution = current;
      if (!(await this.pause())) return;
    }
  }

  /** Following a job with no execution yet: poll until one exists, the job ends, or time runs out. */
  private async waitForExecution(): Promise<Execution | undefined> {
    const jobId = this.o.target.job.ID;
    for (;;) {
      const execution = await latestExecution(this.o.store, jobId);
      if (execution) return execution;
      const job = await this.o.store.jobs.get(jobId);
      if (isTerminalJobState(job.State.StateType)) {
        this.end(failure(404, `job ${jobId} is ${job.State.StateType} and never ran an execution`));
        return undefined;
      }
      if (performance.now() > this.deadline) {
        const minutes = Math.round(this.o.settings.waitForExecutionMs / 60_000);
        this.end(failure(504, `job ${jobId} got no execution within ${minutes} min; try again later`));
        return undefined;
      }
      if (!(await this.pause())) return undefined;
    }
  }

  /** Waits one poll interval; false if the session ended meanwhile. */
  private async pause(): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, this.o.settings.pollMs));
    return !this.ended;
  }

  private write(frames: LogFrame[]): void {
    for (const frame of frames) this.o.socket.send(JSON.stringify({ Type: frame.Type, Line: frame.Line }));
    // Backed up: the agent got no new credit; poll the socket's queue and give it when drained.
    if (this.drainTimer === undefined && this.o.socket.bufferedAmount >= this.o.settings.highWaterBytes) {
      this.drainTimer = setInterval(() => {
        if (this.o.socket.bufferedAmount >= this.o.settings.highWaterBytes) return;
        clearInterval(this.drainTimer);
        this.drainTimer = undefined;
        this.stream?.resume();
      }, 20);
    }
  }

  private end(end: StreamEnd | undefined): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.drainTimer);
    if (end) {
      try {
        this.o.socket.close(end.code, closeReason(end.reason));
      } catch (error) {
        this.o.logger.warn({ err: error }, 'could not close a log WebSocket');
      }
    }
    if (end && end !== NORMAL_END) {
      this.o.logger.info(
        { jobId: this.o.target.job.ID, code: end.code, reason: end.reason },
        'log stream ended',
      );
    }
    this.o.onEnd();
  }
}
