import { randomUUID } from 'node:crypto';
import {
  type ControlHandler,
  type ControlReplyType,
  connectNats,
  type Envelope,
  type InMessageType,
  inSubject,
  makeEnvelope,
  ORCHESTRATOR_SUBSCRIPTIONS,
  type OutboxSource,
  type Payload,
  Receiver,
  Sender,
  type SeqTracker,
  type StreamEnvelope,
  serveControl,
  serveReceiver,
  UNKNOWN_NODE_REASON,
} from '@shoal/protocol';

/**
 * A protocol peer standing in for the orchestrator, built only from the protocol package's public
 * pieces: it answers handshakes and heartbeats, applies reports once each (in-memory SeqTracker),
 * and sends commands through a real Sender. Not a mock of NATS: everything crosses a real server.
 */

export interface Seen<T> {
  nodeId: string;
  payload: T;
  /** performance.now() when it arrived. */
  at: number;
}

class MemoryOutbox implements OutboxSource {
  private readonly messages: StreamEnvelope[] = [];
  private acknowledged = 0n;
  add(make: (seq: bigint) => StreamEnvelope): void {
    this.messages.push(make(BigInt(this.messages.length + 1)));
  }
  async pending(afterSeq: bigint, limit: number) {
    return this.messages.filter((m) => m.seq > afterSeq).slice(0, limit);
  }
  async acked(seq: bigint) {
    if (seq > this.acknowledged) this.acknowledged = seq;
  }
  async lastAcked() {
    return this.acknowledged;
  }
}

class MemoryTracker implements SeqTracker<void> {
  readonly last = new Map<string, bigint>();
  async lastApplied(peer: string) {
    return this.last.get(peer) ?? 0n;
  }
  async apply(peer: string, seq: bigint, fn: () => Promise<void>) {
    if ((this.last.get(peer) ?? 0n) >= seq) return false;
    await fn();
    this.last.set(peer, seq);
    return true;
  }
}

export interface FakeOrchestrator {
  readonly handshakes: Seen<Payload<'Handshake'>>[];
  readonly heartbeats: Seen<Payload<'Heartbeat'>>[];
  readonly notices: Seen<Payload<'ShutdownNotice'>>[];
  /** Reports applied, each once, in the order applied. */
  readonly reports: StreamEnvelope[];
  /**
   * Set `refuse` to answer handshakes with Accepted false and that reason; `overcommit` is the
   * factor accepted handshakes carry (undefined: none, as an older orchestrator);
   * `noticeDelayMs` holds back the answer to a ShutdownNotice, as a busy orchestrator would.
   */
  readonly settings: {
    refuse: string | undefined;
    heartbeatIntervalMs: number;
    overcommit: number | undefined;
    noticeDelayMs: number;
  };
  /** Queues a command on the node's `.in` stream; it goes once the node has handshaken. */
  send<T extends InMessageType>(nodeId: string, type: T, payload: Payload<T>): void;
  /** As after an orchestrator restart: heartbeats get "unknown node" until the next handshake. */
  forget(nodeId: string): void;
  reportsOf(executionId: string): Array<{ type: string; payload: unknown }>;
  stop(): Promise<void>;
}

export async function startFakeOrchestrator(
  url: string,
  options: { heartbeatIntervalMs?: number; overcommit?: number } = {},
): Promise<FakeOrchestrator> {
  const nc = await connectNats({ servers: url, name: 'fake-orchestrator', reconnectTimeWaitMs: 100 });
  const handshakes: Seen<Payload<'Handshake'>>[] = [];
  const heartbeats: Seen<Payload<'Heartbeat'>>[] = [];
  const notices: Seen<Payload<'ShutdownNotice'>>[] = [];
  const reports: StreamEnvelope[] = [];
  const tracker = new MemoryTracker();
  const streams = new Map<string, { outbox: MemoryOutbox; sender: Sender }>();
  /** Nodes that handshook and were not forgotten since. */
  const known = new Set<string>();
  const settings = {
    refuse: undefined as string | undefined,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 200,
    overcommit: options.overcommit,
    noticeDelayMs: 0,
  };

  const stream = (nodeId: string) => {
    let s = streams.get(nodeId);
    if (s === undefined) {
      const outbox = new MemoryOutbox();
      const sender = new Sender({ nc, subject: inSubject(nodeId), source: outbox, requestTimeoutMs: 1_000 });
      s = { outbox, sender };
      streams.set(nodeId, s);
    }
    return s;
  };
  const reply = <T extends ControlReplyType>(type: T, nodeId: string, payload: Payload<T>) =>
    makeEnvelope(type, payload, { id: randomUUID(), nodeId, time: 0n }) as Envelope<ControlReplyType>;

  const handle: ControlHandler = async (request) => {
    const { nodeId } = request;
    const at = performance.now();
    const lastSeq = await tracker.lastApplied(nodeId);
    switch (request.type) {
      case 'Handshake': {
        handshakes.push({ nodeId, payload: request.payload, at });
        const base = { HeartbeatIntervalMs: settings.heartbeatIntervalMs, LastSeqReceived: lastSeq };
        if (settings.refuse !== undefined) {
          return reply('HandshakeReply', nodeId, {
            ...base,
            Accepted: false,
            Reason: settings.refuse,
            Membership: 'REJECTED',
          });
        }
        known.add(nodeId);
        const { sender } = stream(nodeId);
        sender.start();
        sender.resume(request.payload.LastSeqReceived + 1n);
        const overcommit = settings.overcommit === undefined ? {} : { Overcommit: settings.overcommit };
        return reply('HandshakeReply', nodeId, {
          ...base,
          ...overcommit,
          Accepted: true,
          Membership: 'APPROVED',
        });
      }
      case 'Heartbeat':
        heartbeats.push({ nodeId, payload: request.payload, at });
        return known.has(nodeId)
          ? reply('HeartbeatReply', nodeId, { Ok: true, LastSeqReceived: lastSeq })
          : reply('HeartbeatReply', nodeId, {
              Ok: false,
              LastSeqReceived: lastSeq,
              Reason: UNKNOWN_NODE_REASON,
            });
      case 'ShutdownNotice':
        notices.push({ nodeId, payload: request.payload, at });
        known.delete(nodeId);
        if (settings.noticeDelayMs > 0) await new Promise((r) => setTimeout(r, settings.noticeDelayMs));
        return reply('ShutdownNoticeReply', nodeId, { Ok: true });
      case 'UpdateNodeInfo':
        return reply('UpdateNodeInfoReply', nodeId, { Ok: true });
    }
  };
  const control = serveControl(nc, handle);
  const receiver = new Receiver<void>({
    tracker,
    channel: 'out',
    handle: async (envelope) => {
      reports.push(envelope);
    },
  });
  const out = serveReceiver(nc, ORCHESTRATOR_SUBSCRIPTIONS.out, receiver);
  await nc.flush();

  return {
    handshakes,
    heartbeats,
    notices,
    reports,
    settings,
    send<T extends InMessageType>(nodeId: string, type: T, payload: Payload<T>): void {
      const { outbox, sender } = stream(nodeId);
      outbox.add(
        (seq) => makeEnvelope(type, payload, { id: randomUUID(), nodeId, time: 0n, seq }) as StreamEnvelope,
      );
      sender.notify();
    },
    forget: (nodeId) => {
      known.delete(nodeId);
    },
    reportsOf: (executionId) =>
      reports
        .filter((r) => r.payload.ExecutionID === executionId)
        .map((r) => ({ type: r.type, payload: r.payload })),
    async stop() {
      for (const s of streams.values()) await s.sender.stop();
      control.unsubscribe();
      out.unsubscribe();
      await nc.close();
    },
  };
}
