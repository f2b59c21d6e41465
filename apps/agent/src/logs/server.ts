import { type Clock, isTerminalComputeState } from '@shoal/models';
import {
  type connectNats,
  type Envelope,
  type LOG_REFUSALS,
  type LogRequest,
  logStreamSubject,
  makeEnvelope,
  type Payload,
  serveLogRequests,
} from '@shoal/protocol';
import { type Logger, safeLog } from '../logger.js';
import type { AgentStore } from '../store/index.js';
import { systemTimers, type Timers } from '../timers.js';
import { ExecutionOutput, type ExecutionState } from './source.js';
import { AgentLogStream, type StreamEnd } from './stream.js';

/**
 * The agent's log server: takes LogStreamOpen, LogStreamAck and LogStreamCancel on its own
 * `shoal.compute.<self>.logs`, and runs one AgentLogStream per open stream. It answers only for
 * executions its store knows, caps how many streams run at once, and ends them all on stop.
 */

type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export interface LogServerOptions {
  nc: NatsConnection;
  nodeId: string;
  /** The agent state dir (`<dataDir>/agent`): outputs are under `executions/<id>/`. */
  stateDir: string;
  store: AgentStore;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  /** Streams open at once; more are refused (`too_many_streams`). Default 32. */
  maxStreams?: number;
  /** How often a follower looks for new output. Default 200 ms. */
  pollMs?: number;
  /** Default 1 000 ms. */
  retransmitMs?: number;
  /** Longest frame; longer lines are cut. Default 8 KiB (less for tiny chunk sizes). */
  maxLineBytes?: number;
  timers?: Timers;
}

export interface LogServer {
  /** Streams running now. */
  readonly active: number;
  /** Ends every stream (telling each reader why) and stops taking requests. */
  stop(reason: string): Promise<void>;
}

const DEFAULT_MAX_LINE_BYTES = 8 * 1024;

export function startLogServer(o: LogServerOptions): LogServer {
  const streams = new Map<string, AgentLogStream>();
  const running = new Set<Promise<void>>();
  const timers = o.timers ?? systemTimers;
  const maxStreams = o.maxStreams ?? 32;
  /**
   * Cancels that came while their open was still reading the store (the reader gave up at once):
   * remembered briefly, so that open does not start a stream nobody reads.
   */
  const cancelledEarly = new Set<string>();
  let stopping = false;

  const reply = <T extends 'LogStreamOpenReply' | 'LogStreamAckReply'>(
    type: T,
    payload: Payload<T>,
  ): Envelope =>
    makeEnvelope(type, payload, { id: o.newId(), nodeId: o.nodeId, time: o.clock.now() }) as Envelope;

  const readState = (executionId: string) => (): Promise<ExecutionState | undefined> =>
    o.store.transaction((tx) => {
      const record = o.store.executions.get(tx, executionId);
      return record && { terminal: isTerminalComputeState(record.localState), runOutput: record.runOutput };
    });

  const open = async (request: Extract<LogRequest, { type: 'LogStreamOpen' }>): Promise<Envelope> => {
    const p = request.payload;
    const refuse = (Code: (typeof LOG_REFUSALS)[number], Reason: string) =>
      reply('LogStreamOpenReply', { Accepted: false, Code, Reason });
    if (stopping) return refuse('stopping', 'the agent is shutting down');
    if (streams.has(p.StreamID)) return refuse('duplicate_stream', `stream ${p.StreamID} is already open`);
    if (streams.size >= maxStreams) {
      return refuse('too_many_streams', `this node already serves ${streams.size} log streams; retry later`);
    }
    const state = await readState(p.ExecutionID)();
    if (state === undefined) {
      return refuse('unknown_execution', `node ${o.nodeId} has no execution ${p.ExecutionID}`);
    }
    if (cancelledEarly.delete(p.StreamID)) return refuse('cancelled', 'cancelled by the reader');
    // Checked again: the store read yielded, and another open may have taken the last place.
    if (streams.has(p.StreamID) || streams.size >= maxStreams || stopping) {
      return refuse('too_many_streams', 'no room for another log stream; retry later');
    }
    // A frame must fit a chunk even when every byte needs a 6-byte JSON escape.
    const maxLineBytes = Math.max(
      4,
      Math.min(o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, Math.floor((p.MaxChunkBytes - 256) / 6)),
    );
    const source = new ExecutionOutput({
      stateDir: o.stateDir,
      executionId: p.ExecutionID,
      follow: p.Follow,
      tail: p.Tail,
      readState: readState(p.ExecutionID),
      maxLineBytes,
      pollMs: o.pollMs ?? 200,
      timers,
    });
    const subject = logStreamSubject(o.nodeId, p.StreamID);
    const stream = new AgentLogStream({
      open: p,
      nodeId: o.nodeId,
      source,
      publish: (data) => o.nc.publish(subject, data),
      clock: o.clock,
      newId: o.newId,
      timers,
      logger: o.logger,
      retransmitMs: o.retransmitMs ?? 1_000,
      onEnd: (reason: StreamEnd) => {
        streams.delete(p.StreamID);
        safeLog(
          o.logger,
          'info',
          { streamId: p.StreamID, executionId: p.ExecutionID, reason, active: streams.size },
          'log stream closed',
        );
      },
    });
    streams.set(p.StreamID, stream);
    safeLog(
      o.logger,
      'info',
      {
        streamId: p.StreamID,
        executionId: p.ExecutionID,
        follow: p.Follow,
        tail: p.Tail,
        active: streams.size,
      },
      'log stream opened',
    );
    // After the reply is on its way; the reader subscribed to the chunks before asking anyway.
    setImmediate(() => {
      const run = stream.run();
      running.add(run);
      void run.finally(() => running.delete(run));
    });
    return reply('LogStreamOpenReply', { Accepted: true });
  };

  const subscription = serveLogRequests(
    o.nc,
    o.nodeId,
    async (request) => {
      switch (request.type) {
        case 'LogStreamOpen':
          return open(request);
        case 'LogStreamAck': {
          const stream = streams.get(request.payload.StreamID);
          stream?.ack(request.payload.Received, request.payload.Until);
          return reply('LogStreamAckReply', { Active: stream !== undefined });
        }
        case 'LogStreamCancel': {
          const stream = streams.get(request.payload.StreamID);
          if (stream) stream.cancel(request.payload.Reason);
          else remember(cancelledEarly, request.payload.StreamID);
          return undefined;
        }
      }
    },
    { logger: o.logger },
  );

  return {
    get active() {
      return streams.size;
    },
    async stop(reason) {
      stopping = true;
      try {
        subscription.unsubscribe();
      } catch {
        // Already closed with the connection: nothing more can arrive.
      }
      for (const stream of [...streams.values()]) stream.stop(reason);
      await Promise.all([...running]);
    },
  };
}

/** Adds to a set that keeps only the most recent entries. */
function remember(set: Set<string>, value: string, max = 256): void {
  set.add(value);
  for (const oldest of set) {
    if (set.size <= max) break;
    set.delete(oldest);
  }
}
