import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { makeEnvelope } from '../envelope.js';
import { Receiver } from '../receiver.js';
import { decodeReplyValue, parseReplyBytes } from '../replies.js';
import { Sender, type SenderOptions } from '../sender.js';
import { outSubject } from '../subjects.js';
import { MemoryOutbox, MemorySeqTracker, recordingLogger } from './memory.js';
import { BIG_TIME, EXEC } from './samples.js';

export { BIG_TIME, EXEC, NODE } from './samples.js';

/**
 * One agent → orchestrator stream wired over real NATS, with the in-memory ports: the sender on
 * one connection, the receiver on another, as in production.
 */
export function streamHarness(
  nodeId: string,
  connections: { sender: NatsConnection; receiver: NatsConnection },
  overrides: Partial<SenderOptions> = {},
) {
  const subject = outSubject(nodeId);
  const outbox = new MemoryOutbox();
  const tracker = new MemorySeqTracker();
  const applied: bigint[] = [];
  const receiverLog = recordingLogger();
  const senderLog = recordingLogger();
  const receiver = new Receiver({
    tracker,
    channel: 'out',
    logger: receiverLog,
    handle: async (envelope) => {
      applied.push(envelope.seq);
    },
  });
  /**
   * Seqs whose first reply is swallowed, to force the sender to resend them; `swallowed` collects
   * every seq of the requests whose reply went unsent (a frame's, for a seq in a frame).
   */
  const dropFirstReply = new Set<bigint>();
  const swallowed = new Set<bigint>();
  let subscription: Subscription | undefined;
  /** NATS requests the receiver answered (or swallowed). */
  const counts = { requests: 0 };

  const listen = () => {
    subscription = connections.receiver.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        counts.requests++;
        void receiver.handleRequest(msg.subject, msg.data).then((reply) => {
          const acked = ackedSeqs(reply);
          if (acked.filter((seq) => dropFirstReply.delete(seq)).length > 0) {
            for (const seq of acked) swallowed.add(seq);
            return;
          }
          msg.respond(reply);
        });
      },
    });
    return connections.receiver.flush();
  };

  const sender = new Sender({
    nc: connections.sender,
    subject,
    source: outbox,
    logger: senderLog,
    requestTimeoutMs: 300,
    backoff: { initialMs: 50, maxMs: 1_000 },
    idlePollMs: 200,
    ...overrides,
  });

  return {
    subject,
    outbox,
    tracker,
    applied,
    receiverLog,
    senderLog,
    sender,
    dropFirstReply,
    swallowed,
    counts,
    listen,
    unlisten: () => subscription?.unsubscribe(),
    /** Appends n reports to the outbox and tells the sender. */
    write(n: number, asNode = nodeId) {
      for (let i = 0; i < n; i++) {
        outbox.write((seq) =>
          makeEnvelope(
            'ExecutionProgress',
            { ExecutionID: EXEC, Message: `step ${seq}` },
            { id: `m-${nodeId}-${seq}`, nodeId: asNode, time: BIG_TIME, seq },
          ),
        );
      }
      sender.notify();
    },
    async close() {
      await sender.stop();
      subscription?.unsubscribe();
    },
  };
}

/** The seqs an encoded answer (one reply or a frame's) acknowledges. */
function ackedSeqs(answer: Uint8Array): bigint[] {
  const parsed = parseReplyBytes(answer);
  if (!parsed.ok) return [];
  const items = Array.isArray(parsed.raw) ? parsed.raw : [parsed.raw];
  return items.flatMap((item) => {
    const one = decodeReplyValue(item);
    return one.ok && 'Ack' in one.reply ? [one.reply.Ack] : [];
  });
}

/** 1n, 2n, … up to n: what `applied` should be. */
export function seqs(from: number, to: number): bigint[] {
  return Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));
}
