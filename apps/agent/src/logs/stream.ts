import type { Clock } from '@shoal/models';
import {
  encodeMessage,
  LOG_STREAM_LIMITS,
  type LogChunk,
  type LogFrame,
  makeEnvelope,
  type Payload,
} from '@shoal/protocol';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import type { Timers } from '../timers.js';
import type { ExecutionOutput } from './source.js';

/**
 * One open log stream on the agent: reads frames from the execution's output and publishes them
 * in chunks, never more than the credit the orchestrator granted (`Until`), resending what was
 * not acknowledged when acks stop advancing (NATS core may drop a message), and giving up when
 * the acks (which are also keepalives) stop coming: an abandoned stream never runs forever.
 */

export type StreamEnd = 'completed' | 'cancelled' | 'abandoned' | 'failed' | 'stopped';

export interface AgentLogStreamOptions {
  open: Payload<'LogStreamOpen'>;
  nodeId: string;
  source: ExecutionOutput;
  /** Publishes to the stream's subject; throws when NATS is closed. */
  publish: (data: Uint8Array) => void;
  clock: Clock;
  newId: () => string;
  timers: Timers;
  logger: Logger;
  /** Unacknowledged chunks are sent again after this long without progress. */
  retransmitMs: number;
  nowMs?: () => number;
  onEnd: (reason: StreamEnd) => void;
}

const FRAME_OVERHEAD = 24;
const frameBytes = (f: LogFrame) => Buffer.byteLength(JSON.stringify(f.Line)) + FRAME_OVERHEAD;

export class AgentLogStream {
  readonly id: string;
  private nextSeq = 1;
  private received = 0;
  private until: number;
  private readonly unacked = new Map<number, Uint8Array>();
  private pending: LogFrame[] = [];
  private sourceDone = false;
  private doneSeq: number | undefined;
  private ended = false;
  private lastAckAt: number;
  private lastProgressAt: number;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private housekeeping: unknown;
  private readonly now: () => number;

  constructor(private readonly o: AgentLogStreamOptions) {
    this.id = o.open.StreamID;
    this.until = o.open.Window;
    this.now = o.nowMs ?? (() => performance.now());
    this.lastAckAt = this.lastProgressAt = this.now();
  }

  /** Runs until the stream ends; never rejects. */
  async run(): Promise<void> {
    this.tick();
    try {
      while (!this.ended) await this.step();
    } catch (error) {
      // A read that fails because the stream ended under it (files closed) is no failure.
      if (this.ended) return;
      const message = `reading the output failed: ${errorMessage(error)}`;
      safeLog(this.o.logger, 'warn', { streamId: this.id, err: errorMessage(error) }, 'log stream failed');
      this.send([], { Code: 'read_failed', Message: message });
      this.end('failed');
    }
  }

  /** An ack/keepalive: cumulative, so an old one (reordered) changes nothing. */
  ack(received: number, until: number): void {
    this.lastAckAt = this.now();
    const upTo = Math.min(received, this.nextSeq - 1);
    if (upTo > this.received) {
      for (const seq of this.unacked.keys()) if (seq <= upTo) this.unacked.delete(seq);
      this.received = upTo;
      this.lastProgressAt = this.now();
    }
    this.until = Math.max(this.until, until);
    this.wake();
  }

  cancel(reason: string): void {
    safeLog(this.o.logger, 'debug', { streamId: this.id, reason }, 'log stream cancelled by the reader');
    this.end('cancelled');
  }

  /** Agent shutdown: tell the reader why (best effort), then end. */
  stop(message: string): void {
    if (this.ended) return;
    this.send([], { Code: 'stopping', Message: message });
    this.end('stopped');
  }

  private async step(): Promise<void> {
    if (this.doneSeq !== undefined) {
      if (this.received < this.doneSeq) return this.sleep();
      this.end('completed');
      return;
    }
    if (this.nextSeq > this.until) return this.sleep();
    if (this.pending.length === 0 && !this.sourceDone) {
      const batch = await this.o.source.next(this.o.open.MaxChunkBytes, this.abort.signal);
      this.pending.push(...batch.frames);
      this.sourceDone = batch.done;
      if (this.ended) return;
    }
    if (this.pending.length === 0 && !this.sourceDone) return;
    const frames = this.take();
    const done = this.sourceDone && this.pending.length === 0;
    this.send(frames, undefined, done);
  }

  /** As many pending frames as fit the chunk size (at least one). */
  private take(): LogFrame[] {
    let size = 0;
    let count = 0;
    for (const frame of this.pending) {
      const bytes = frameBytes(frame);
      if (
        count > 0 &&
        (size + bytes > this.o.open.MaxChunkBytes || count >= LOG_STREAM_LIMITS.maxFramesPerChunk)
      )
        break;
      size += bytes;
      count++;
    }
    return this.pending.splice(0, count);
  }

  private send(frames: LogFrame[], error?: LogChunk['Error'], done = error !== undefined): void {
    const seq = this.nextSeq++;
    const payload: LogChunk = { StreamID: this.id, Seq: seq, Frames: frames, Done: done };
    if (error) payload.Error = error;
    const fields = { id: this.o.newId(), nodeId: this.o.nodeId, time: this.o.clock.now() };
    const data = encodeMessage(makeEnvelope('LogChunk', payload, fields));
    if (this.unacked.size === 0) this.lastProgressAt = this.now();
    this.unacked.set(seq, data);
    if (done) this.doneSeq = seq;
    this.publish(data);
  }

  private publish(data: Uint8Array): void {
    try {
      this.o.publish(data);
    } catch (error) {
      safeLog(this.o.logger, 'warn', { streamId: this.id, err: errorMessage(error) }, 'log chunk not sent');
      this.end('failed');
    }
  }

  /** Every few hundred ms: give up on a silent reader, resend what the reader did not get. */
  private tick(): void {
    if (this.ended) return;
    const now = this.now();
    if (now - this.lastAckAt > this.o.open.IdleTimeoutMs) {
      safeLog(this.o.logger, 'info', { streamId: this.id }, 'log stream abandoned: no ack or keepalive');
      this.end('abandoned');
      return;
    }
    if (this.unacked.size > 0 && now - this.lastProgressAt >= this.o.retransmitMs) {
      this.lastProgressAt = now;
      for (const data of [...this.unacked.values()]) this.publish(data);
    }
    const period = Math.max(10, Math.min(250, this.o.retransmitMs / 2, this.o.open.IdleTimeoutMs / 4));
    this.housekeeping = this.o.timers.setTimeout(() => this.tick(), period);
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
    });
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private end(reason: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.abort.abort();
    this.o.timers.clearTimeout(this.housekeeping);
    this.wake();
    void this.o.source.close();
    this.o.onEnd(reason);
  }
}
