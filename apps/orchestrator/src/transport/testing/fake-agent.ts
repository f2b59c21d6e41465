import { randomUUID } from 'node:crypto';
import type { NodeInfo } from '@shoal/models';
import {
  type ControlRequestType,
  connectNats,
  createNkeySeed,
  ctrlSubject,
  type EnvelopeOf,
  inSubject,
  joinWithToken,
  type MessageType,
  makeEnvelope,
  nkeyPublicKey,
  nodeInboxPrefix,
  type OutMessageType,
  outSubject,
  type Payload,
  PROTOCOL_VERSION,
  Receiver,
  requestControl,
  Sender,
  type StreamEnvelope,
  serveReceiver,
} from '@shoal/protocol';
import type { NatsConnection } from '../nats-link.js';
import { MemoryOutbox, MemorySeqTracker } from './memory-ports.js';

/**
 * An agent made of the protocol's own pieces, for tests of the orchestrator's NATS side: control
 * requests with `requestControl`, reports through a Sender over an in-memory outbox, and the
 * orchestrator's messages through a Receiver over an in-memory tracker.
 */

export interface FakeAgentOptions {
  url: string;
  nodeId?: string;
  labels?: Record<string, string>;
  token?: string;
  /** Join an authenticated server with this token first, then log in with a fresh node key. */
  joinToken?: string;
  /** Log in with this nkey seed (a node that joined before). */
  nkeySeed?: string;
  /** Added to the envelope times it sends: a skewed clock. */
  clockSkewNs?: bigint;
}

const CAPACITY = { CPU: 4, Memory: 8 * 1024 ** 3, Disk: 50 * 1024 ** 3, GPU: 0 };

export class FakeAgent {
  readonly outbox = new MemoryOutbox();
  readonly tracker = new MemorySeqTracker();
  /** Every message applied from the orchestrator, in order. */
  readonly received: StreamEnvelope[] = [];
  private sender: Sender | undefined;
  private subscription: ReturnType<NatsConnection['subscribe']> | undefined;

  private constructor(
    readonly nc: NatsConnection,
    readonly nodeId: string,
    private readonly options: FakeAgentOptions,
    /** The nkey seed it logs in with, when it joined. */
    readonly seed?: string,
  ) {}

  static async start(options: FakeAgentOptions): Promise<FakeAgent> {
    const nodeId = options.nodeId ?? `n-${randomUUID()}`;
    let seed = options.nkeySeed;
    if (options.joinToken !== undefined) {
      seed ??= createNkeySeed();
      await joinWithToken(
        { servers: options.url, name: `join-${nodeId}` },
        options.joinToken,
        nodeId,
        nkeyPublicKey(seed),
      );
    }
    const nc = await connectNats({
      servers: options.url,
      name: `fake-agent-${nodeId}`,
      reconnectTimeWaitMs: 100,
      reconnectJitterMs: 100,
      ...(options.token ? { token: options.token } : {}),
      ...(seed === undefined ? {} : { nkeySeed: seed, inboxPrefix: nodeInboxPrefix(nodeId) }),
    });
    const agent = new FakeAgent(nc, nodeId, options, seed);
    await agent.listen();
    return agent;
  }

  info(overrides: Partial<NodeInfo> = {}): NodeInfo {
    return {
      NodeID: this.nodeId,
      NodeType: 'Compute',
      Labels: this.options.labels ?? { zone: 'a' },
      ComputeNodeInfo: {
        ExecutionEngines: ['docker', 'noop'],
        Publishers: ['noop', 'local'],
        StorageSources: [],
        MaxCapacity: CAPACITY,
        AvailableCapacity: CAPACITY,
        MaxJobRequirements: CAPACITY,
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
      },
      Version: {
        Major: '0',
        Minor: '1',
        GitVersion: 'v0.1.0',
        GitCommit: 'test',
        BuildDate: '',
        GOOS: 'linux',
        GOARCH: 'amd64',
      },
      ...overrides,
    };
  }

  envelope<T extends MessageType>(type: T, payload: Payload<T>, seq = 0n): EnvelopeOf<T> {
    const time = BigInt(Date.now()) * 1_000_000n + (this.options.clockSkewNs ?? 0n);
    return makeEnvelope(type, payload, { id: `m-${randomUUID()}`, nodeId: this.nodeId, time, seq });
  }

  /** Handshakes with what this agent has applied; on acceptance its reports resume where the orchestrator is. */
  async handshake(overrides: Partial<Payload<'Handshake'>> = {}) {
    const payload = {
      NodeInfo: this.info(),
      ProtocolVersion: PROTOCOL_VERSION,
      LastSeqReceived: this.tracker.last,
      ...overrides,
    };
    const result = await this.control('Handshake', payload);
    if (result.ok && result.envelope.payload.Accepted) {
      this.sender?.useFrames(result.envelope.payload.MaxBatch);
      this.sender?.resume(result.envelope.payload.LastSeqReceived + 1n);
    }
    return result;
  }

  heartbeat(overrides: Partial<Payload<'Heartbeat'>> = {}) {
    return this.control('Heartbeat', {
      AvailableCapacity: CAPACITY,
      RunningExecutions: 0,
      EnqueuedExecutions: 0,
      Healthy: true,
      LastSeqReceived: this.tracker.last,
      ...overrides,
    });
  }

  control<T extends ControlRequestType>(type: T, payload: Payload<T>) {
    return requestControl(this.nc, ctrlSubject(this.nodeId), this.envelope(type, payload), {
      timeoutMs: 5_000,
    });
  }

  /** Writes a report to the agent's outbox; its sender delivers it. */
  report<T extends OutMessageType>(type: T, payload: Payload<T>): StreamEnvelope {
    const written = this.outbox.write((seq) => this.envelope(type, payload, seq) as StreamEnvelope);
    this.sender?.notify();
    return written;
  }

  /**
   * A restart whose durable state kept only what was applied up to `appliedUpTo`: it listens again
   * and must handshake to be resent the rest.
   */
  async restart(appliedUpTo: bigint): Promise<void> {
    await this.quiet();
    this.tracker.last = appliedUpTo;
    this.received.length = 0;
    await this.listen();
  }

  async close(): Promise<void> {
    await this.quiet();
    await this.nc.close();
  }

  private async listen(): Promise<void> {
    const receiver = new Receiver<void>({
      tracker: this.tracker,
      channel: 'in',
      handle: async (envelope) => {
        this.received.push(envelope);
      },
    });
    this.subscription = serveReceiver(this.nc, inSubject(this.nodeId), receiver);
    await this.nc.flush();
    this.sender = new Sender({
      nc: this.nc,
      subject: outSubject(this.nodeId),
      source: this.outbox,
      requestTimeoutMs: 1_000,
      backoff: { initialMs: 50, maxMs: 500 },
      idlePollMs: 200,
    });
    this.sender.start();
  }

  private async quiet(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.sender?.stop();
  }
}
