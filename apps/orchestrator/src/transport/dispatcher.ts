import type { Clock } from '@shoal/models';
import {
  inSubject,
  type LazyAckSource,
  lazyAcks,
  type Requester,
  Sender,
  type SenderOptions,
  type StreamMetrics,
} from '@shoal/protocol';
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import { outboxSource } from './store-ports.js';

/**
 * One protocol Sender per node, each draining that node's outbox to `shoal.compute.<id>.in` in
 * order. Senders are created when a node handshakes, when a commit enqueues for a node that has
 * none, and at start for every outbox with undelivered messages (they survived a crash).
 */

export type SenderTuning = Pick<SenderOptions, 'requestTimeoutMs' | 'backoff' | 'idlePollMs' | 'batchSize'>;

export interface DispatcherOptions {
  nc: Requester;
  store: Store;
  clock: Clock;
  logger: Logger;
  sender?: SenderTuning;
  /** Acknowledged messages are kept this long (an agent that lost its state is resent them). */
  retentionMs?: number;
  pruneEveryMs?: number;
  /** How often one query looks for undelivered messages (those another orchestrator wrote). */
  sweepEveryMs?: number;
  /** Counts every sender's messages, redeliveries and failed attempts. */
  metrics?: StreamMetrics;
}

/** What the plan applier needs: call it after a commit that enqueued messages for these nodes. */
export interface OutboxNotifier {
  onCommitted(nodeIds: Iterable<string>): void;
}

const DEFAULTS = { retentionMs: 10 * 60_000, pruneEveryMs: 60_000, sweepEveryMs: 2_000 };
/**
 * Commits in this process notify their sender at once, and the dispatcher's sweep (one query for
 * all nodes) notifies those with messages another orchestrator wrote. A sender's own poll is only
 * a backstop: at 5 s, 10,000 idle nodes cost 2,000 queries a second, most of the store's work.
 */
const IDLE_POLL_MS = 60_000;

export class Dispatcher implements OutboxNotifier {
  private readonly senders = new Map<string, Sender>();
  private readonly retiring = new Set<Promise<void>>();
  private readonly sources = new Map<Sender, LazyAckSource>();
  /** Each node's MaxBatch from its last handshake, for a sender recreated after a drop. */
  private readonly frames = new Map<string, number>();
  private pruner: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  async start(): Promise<void> {
    const { store, logger, pruneEveryMs = DEFAULTS.pruneEveryMs } = this.options;
    const waiting = await store.outbox.undelivered();
    for (const nodeId of waiting) this.ensure(nodeId);
    if (waiting.length > 0) logger.info({ nodes: waiting.length }, 'delivering outboxes left from before');
    this.pruner = setInterval(() => void this.prune(), pruneEveryMs);
    this.pruner.unref();
    this.sweeper = setInterval(() => void this.sweep(), this.options.sweepEveryMs ?? DEFAULTS.sweepEveryMs);
    this.sweeper.unref();
  }

  /** The node's sender, started if it was not running; undefined once stopped. */
  ensure(nodeId: string): Sender | undefined {
    const existing = this.senders.get(nodeId);
    if (existing || this.stopped) return existing;
    const { nc, store, logger } = this.options;
    let sender: Sender;
    // Acks are written lazily: one Postgres transaction per window under load was a fifth of them.
    const source = lazyAcks(outboxSource(store, nodeId));
    try {
      sender = new Sender({
        nc,
        subject: inSubject(nodeId),
        source,
        logger: logger.child({ nodeId, stream: 'in' }),
        idlePollMs: IDLE_POLL_MS,
        ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
        ...this.options.sender,
      });
    } catch (error) {
      // Only an id that is not a subject token gets here, and no agent can have it.
      logger.error({ nodeId, err: (error as Error).message }, 'cannot deliver to this node');
      return undefined;
    }
    sender.useFrames(this.frames.get(nodeId));
    this.senders.set(nodeId, sender);
    this.sources.set(sender, source);
    sender.start();
    return sender;
  }

  /**
   * After a handshake: the agent has everything before `fromSeq`; continue from there at once, in
   * frames of up to `maxBatch` messages.
   */
  resume(nodeId: string, fromSeq: bigint, maxBatch?: number): void {
    if (maxBatch === undefined) this.frames.delete(nodeId);
    else this.frames.set(nodeId, maxBatch);
    const sender = this.ensure(nodeId);
    sender?.useFrames(maxBatch);
    sender?.resume(fromSeq);
  }

  onCommitted(nodeIds: Iterable<string>): void {
    for (const nodeId of new Set(nodeIds)) {
      const sender = this.senders.get(nodeId);
      if (sender) sender.notify();
      else this.ensure(nodeId);
    }
  }

  /**
   * The node disconnected: stop knocking. Its messages wait in the outbox until it handshakes
   * again (or a commit for it recreates the sender, which then retries with backoff).
   */
  async drop(nodeId: string): Promise<void> {
    const sender = this.senders.get(nodeId);
    if (!sender) return;
    this.senders.delete(nodeId);
    const stopping = this.retire(sender);
    this.retiring.add(stopping);
    await stopping;
    this.retiring.delete(stopping);
  }

  /** Nodes with a running sender (for tests and status). */
  nodes(): string[] {
    return [...this.senders.keys()].sort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruner);
    clearInterval(this.sweeper);
    const senders = [...this.senders.values()];
    this.senders.clear();
    await Promise.all([...senders.map((s) => this.retire(s)), ...this.retiring]);
  }

  /** Stops a sender, then writes the acknowledgement it still held in memory. */
  private async retire(sender: Sender): Promise<void> {
    await sender.stop();
    const source = this.sources.get(sender);
    this.sources.delete(sender);
    await source?.flushAcks().catch((error: unknown) => {
      this.options.logger.warn(
        { err: (error as Error).message },
        'could not persist the last acknowledgement',
      );
    });
  }

  /**
   * Wakes the running senders of nodes with undelivered messages. Only running ones: a node that
   * disconnected keeps its messages until it handshakes again, without being knocked on.
   */
  private async sweep(): Promise<void> {
    try {
      for (const nodeId of await this.options.store.outbox.undelivered()) this.senders.get(nodeId)?.notify();
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not look for undelivered messages');
    }
  }

  private async prune(): Promise<void> {
    const { store, clock, logger, retentionMs = DEFAULTS.retentionMs } = this.options;
    try {
      const pruned = await store.outbox.pruneAcked(clock.now() - BigInt(retentionMs) * 1_000_000n);
      if (pruned > 0) logger.debug({ pruned }, 'pruned delivered outbox messages');
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'could not prune the outbox: trying again later');
    }
  }
}
