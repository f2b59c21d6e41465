import type { Clock } from '@shoal/models';
import {
  type connectNats,
  decodeMessage,
  describeRequestFailure,
  encodeMessage,
  type LogChunk,
  type LogFrame,
  logStreamSubject,
  logsSubject,
  makeEnvelope,
  requestLogs,
} from '@shoal/protocol';
import type { Logger } from 'pino';
import { failure, type LogRelaySettings, NORMAL_END, type StreamEnd } from './settings.js';

/**
 * One log stream from an agent, the orchestrator's half: subscribes to the stream's subject,
 * asks the agent to open it, passes frames on in order (a duplicate or a chunk after a gap is
 * dropped; the agent resends), and acks, which gives the agent credit and proves someone still
 * reads. It ends on the last chunk, on close(), or when the node stops answering.
 */

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export type OpenOutcome =
  | { kind: 'accepted' }
  | { kind: 'unknown_execution'; reason: string }
  | { kind: 'failed'; end: StreamEnd };

export interface AgentStreamOptions {
  nc: NatsConnection;
  nodeId: string;
  executionId: string;
  streamId: string;
  follow: boolean;
  tail: number | null;
  settings: LogRelaySettings;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  /** False while the consumer is backed up: the agent gets no new credit. */
  canTakeMore: () => boolean;
  onFrames: (frames: LogFrame[]) => void;
  onEnd: (end: StreamEnd) => void;
}

export class AgentStream {
  private expected = 1;
  private ended = false;
  private lastAnswerAt = performance.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscription: ReturnType<NatsConnection['subscribe']>;

  constructor(private readonly o: AgentStreamOptions) {
    // Subscribed before the open request goes out, so no chunk can come before anyone listens.
    this.subscription = o.nc.subscribe(logStreamSubject(o.nodeId, o.streamId), {
      callback: (error, msg) => {
        if (!error) this.onChunk(msg.data);
      },
    });
  }

  async open(): Promise<OpenOutcome> {
    const { settings: s, nodeId } = this.o;
    const payload = {
      StreamID: this.o.streamId,
      ExecutionID: this.o.executionId,
      Follow: this.o.follow,
      Tail: this.o.tail,
      Window: s.window,
      MaxChunkBytes: s.maxChunkBytes,
      IdleTimeoutMs: s.idleTimeoutMs,
    };
    let result: Awaited<ReturnType<typeof requestLogs<'LogStreamOpen'>>>;
    try {
      result = await requestLogs(this.o.nc, makeEnvelope('LogStreamOpen', payload, this.fields()), {
        timeoutMs: s.openTimeoutMs,
      });
    } catch (error) {
      return {
        kind: 'failed',
        end: this.transportFailure(error, `did not answer within ${s.openTimeoutMs} ms`),
      };
    }
    if (!result.ok) {
      return {
        kind: 'failed',
        end: failure(500, `node ${nodeId} refused the log request: ${result.error.message}`),
      };
    }
    const reply = result.envelope.payload;
    if (reply.Accepted) {
      this.lastAnswerAt = performance.now();
      this.schedule();
      return { kind: 'accepted' };
    }
    const reason = reply.Reason ?? reply.Code ?? 'refused';
    if (reply.Code === 'unknown_execution') return { kind: 'unknown_execution', reason };
    return { kind: 'failed', end: failure(503, `node ${nodeId}: ${reason}`) };
  }

  /** The reader went away (or the orchestrator stops): tell the agent, stop listening. */
  close(reason: string): void {
    if (this.ended) return;
    // Sent even before an answer to the open came: the open may still be accepted after this.
    const data = encodeMessage(
      makeEnvelope('LogStreamCancel', { StreamID: this.o.streamId, Reason: reason }, this.fields()),
    );
    try {
      this.o.nc.publish(logsSubject(this.o.nodeId), data);
    } catch {
      // NATS is closed: the agent ends the stream by itself when the keepalives stop.
    }
    this.finish(undefined);
  }

  /** The consumer caught up: hand out credit now rather than at the next keepalive. */
  resume(): void {
    if (!this.ended) void this.ack();
  }

  private onChunk(data: Uint8Array): void {
    if (this.ended) return;
    const decoded = decodeMessage(data, { expectedNodeId: this.o.nodeId, channel: 'logs-data' });
    if (!decoded.ok || decoded.envelope.type !== 'LogChunk') {
      this.o.logger.warn(
        { nodeId: this.o.nodeId, error: decoded.ok ? decoded.envelope.type : decoded.error },
        'bad log chunk dropped',
      );
      return;
    }
    const chunk: LogChunk = decoded.envelope.payload;
    if (chunk.StreamID !== this.o.streamId || chunk.Seq !== this.expected) {
      // A resend of something we have, or a chunk after a lost one: the ack says where we are.
      void this.ack();
      return;
    }
    this.expected++;
    if (chunk.Frames.length > 0) this.o.onFrames(chunk.Frames);
    void this.ack();
    if (!chunk.Done) return;
    const error = chunk.Error;
    const status = error?.Code === 'stopping' ? 503 : 500;
    this.finish(
      error === undefined ? NORMAL_END : failure(status, `node ${this.o.nodeId}: ${error.Message}`),
    );
  }

  private async ack(): Promise<void> {
    const received = this.expected - 1;
    const until = received + (this.o.canTakeMore() ? this.o.settings.window : 0);
    const envelope = makeEnvelope(
      'LogStreamAck',
      { StreamID: this.o.streamId, Received: received, Until: until },
      this.fields(),
    );
    try {
      const result = await requestLogs(this.o.nc, envelope, { timeoutMs: this.o.settings.keepaliveMs * 2 });
      this.lastAnswerAt = performance.now();
      if (result.ok && !result.envelope.payload.Active && !this.ended) {
        this.finish(failure(503, `node ${this.o.nodeId} ended the log stream (it may have restarted)`));
      }
    } catch (error) {
      if (this.ended) return;
      const { kind } = describeRequestFailure(error);
      // Nobody subscribed any more: the agent is gone; a timeout is judged by the keepalive tick.
      if (kind === 'no_responders') this.finish(this.transportFailure(error, ''));
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      if (this.ended) return;
      const silentFor = performance.now() - this.lastAnswerAt;
      if (silentFor > this.o.settings.unresponsiveMs) {
        const seconds = Math.round(silentFor / 1000);
        return this.finish(
          failure(504, `node ${this.o.nodeId} stopped answering (no reply for ${seconds} s)`),
        );
      }
      void this.ack();
      this.schedule();
    }, this.o.settings.keepaliveMs);
  }

  private transportFailure(error: unknown, timeoutText: string): StreamEnd {
    const { kind, message } = describeRequestFailure(error);
    const node = `node ${this.o.nodeId}`;
    if (kind === 'no_responders')
      return failure(503, `${node} is not connected (nothing answers for it on NATS)`);
    if (kind === 'timeout') return failure(504, `${node} ${timeoutText}`);
    return failure(503, `cannot reach ${node}: ${message}`);
  }

  private finish(end: StreamEnd | undefined): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    try {
      this.subscription.unsubscribe();
    } catch {
      // The connection is closed already.
    }
    if (end) this.o.onEnd(end);
  }

  private fields() {
    return { id: this.o.newId(), nodeId: this.o.nodeId, time: this.o.clock.now() };
  }
}
