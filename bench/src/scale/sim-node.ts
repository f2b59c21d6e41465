import {
  backoffDelay,
  type ControlRequestType,
  type connectNats,
  ctrlSubject,
  FRAME_MAX_MESSAGES,
  inSubject,
  makeEnvelope,
  type OutMessageType,
  outSubject,
  type Payload,
  PROTOCOL_VERSION,
  Receiver,
  requestControl,
  Sender,
  type StreamEnvelope,
  serveReceiver,
  UNKNOWN_NODE_REASON,
} from '@shoal/protocol';
import { SimExecutions } from './sim-executions.js';
import { heartbeatPayload, nodeInfo } from './sim-info.js';
import { SimOutbox, SimSeqTracker } from './sim-ports.js';

/**
 * One simulated compute node on a NATS connection it shares with others. It behaves as the real
 * agent's control session does (apps/agent/src/transport/control-session.ts): handshake until
 * accepted (5 s timeout, backoff 250 ms … 15 s), then heartbeat at the interval the orchestrator
 * chose, handshake again after a NATS reconnect or when told "unknown node". Its `.in` commands
 * go through a protocol Receiver, its reports through a protocol Sender.
 */

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

/** Shared by every node of a fleet: cheaper to add up than 10,000 per-node figures. */
export interface SimCounters {
  handshakes: number;
  handshakeFailures: number;
  heartbeats: number;
  heartbeatFailures: number;
  /** Runs started per job id. */
  runs: Map<string, number>;
}

const CONTROL_TIMEOUT_MS = 5_000;
const RETRY = { initialMs: 250, maxMs: 15_000 };

export class SimNode {
  private readonly outbox = new SimOutbox();
  private readonly tracker = new SimSeqTracker();
  private readonly executions: SimExecutions;
  private readonly sender: Sender;
  private subscription: ReturnType<typeof serveReceiver> | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private accepted = false;
  /** Bumped by rehandshake(), so a handshake already in flight does not count as the new one. */
  private epoch = 0;
  private failures = 0;
  private intervalMs = 0;
  private nextBeatAt = 0;
  private messages = 0;
  /** performance.now() of the last accepted handshake; -1 before the first. */
  acceptedAt = -1;

  constructor(
    private readonly nc: NatsConnection,
    readonly nodeId: string,
    private readonly labels: Record<string, string>,
    private readonly counters: SimCounters,
  ) {
    this.executions = new SimExecutions(
      (type, payload) => this.report(type, payload),
      (jobId) => counters.runs.set(jobId, (counters.runs.get(jobId) ?? 0) + 1),
    );
    // Reports are nudged with notify(); the idle poll is only a fallback.
    this.sender = new Sender({ nc, subject: outSubject(nodeId), source: this.outbox, idlePollMs: 60_000 });
  }

  get isAccepted(): boolean {
    return this.accepted;
  }

  /** Listens on `.in`; call before start(), and flush the connection in between. */
  subscribe(): void {
    const receiver = new Receiver<void>({
      tracker: this.tracker,
      channel: 'in',
      handle: async (envelope) => this.executions.apply(envelope),
    });
    this.subscription ??= serveReceiver(this.nc, inSubject(this.nodeId), receiver);
  }

  /** Handshakes, then heartbeats until stopped. */
  start(): void {
    this.loop ??= this.run();
  }

  /** After a NATS reconnect, as the real agent does. */
  rehandshake(): void {
    this.epoch++;
    this.accepted = false;
    this.failures = 0;
    this.wake?.();
  }

  /** Leaves as a real agent stopping does: DISCONNECTED at once, not after the timeout. */
  async leave(): Promise<void> {
    await this.stop();
    await this.control('ShutdownNotice', { Reason: 'simulator shrinking' }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.subscription?.unsubscribe();
    await this.sender.stop();
    await this.loop;
    this.executions.clear();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.accepted) await this.heartbeat();
      else await this.handshake();
    }
  }

  private async handshake(): Promise<void> {
    const epoch = this.epoch;
    const NodeInfo = nodeInfo(this.nodeId, this.labels, this.executions.running);
    const payload = {
      NodeInfo,
      ProtocolVersion: PROTOCOL_VERSION,
      LastSeqReceived: this.tracker.last,
      MaxBatch: FRAME_MAX_MESSAGES,
    };
    const result = await this.control('Handshake', payload).catch(() => undefined);
    if (!result?.ok || !result.envelope.payload.Accepted) {
      this.counters.handshakeFailures++;
      this.failures++;
      return this.sleep(backoffDelay(this.failures, RETRY));
    }
    const reply = result.envelope.payload;
    this.outbox.raiseFloor(reply.LastSeqReceived);
    this.sender.start();
    this.sender.useFrames(reply.MaxBatch);
    this.sender.resume(reply.LastSeqReceived + 1n);
    if (this.stopped || epoch !== this.epoch) return;
    this.counters.handshakes++;
    this.accepted = true;
    this.failures = 0;
    this.intervalMs = reply.HeartbeatIntervalMs;
    this.acceptedAt = performance.now();
    // The first beat at a random point of the interval: nodes that joined together would
    // otherwise beat together forever, which real agents, started at different times, do not.
    this.nextBeatAt = this.acceptedAt + Math.random() * this.intervalMs;
  }

  private async heartbeat(): Promise<void> {
    await this.sleep(this.nextBeatAt - performance.now());
    if (this.stopped || !this.accepted || performance.now() < this.nextBeatAt) return;
    // Due times follow the previous beat's start, as the real agent's do.
    this.nextBeatAt = performance.now() + this.intervalMs;
    const payload = heartbeatPayload(this.executions.running, this.tracker.last);
    const result = await this.control('Heartbeat', payload).catch(() => undefined);
    if (result?.ok && result.envelope.payload.Ok) {
      this.counters.heartbeats++;
      return;
    }
    this.counters.heartbeatFailures++;
    if (result?.ok && result.envelope.payload.Reason === UNKNOWN_NODE_REASON) this.rehandshake();
  }

  private control<T extends ControlRequestType>(type: T, payload: Payload<T>) {
    const envelope = makeEnvelope(type, payload, this.fields());
    return requestControl(this.nc, ctrlSubject(this.nodeId), envelope, { timeoutMs: CONTROL_TIMEOUT_MS });
  }

  private report<T extends OutMessageType>(type: T, payload: Payload<T>): void {
    this.outbox.write((seq) => makeEnvelope(type, payload, { ...this.fields(), seq }) as StreamEnvelope);
    this.sender.notify();
  }

  private fields() {
    const id = `m-${this.nodeId}-${++this.messages}`;
    return { id, nodeId: this.nodeId, time: BigInt(Date.now()) * 1_000_000n };
  }

  /** Resolves after `ms`, or at once on rehandshake() or stop(). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), Math.max(0, ms));
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
