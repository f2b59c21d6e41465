import type { Clock } from '@shoal/models';
import {
  type connectNats,
  FRAME_MAX_MESSAGES,
  inSubject,
  outSubject,
  PROTOCOL_VERSION,
  Sender,
  type StreamMetrics,
  serveReceiver,
} from '@shoal/protocol';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import type { ResultsKey } from '../publisher/results-key.js';
import type { AgentStore } from '../store/index.js';
import { type ControlRequest, controlClient } from './control-client.js';
import { ControlSession } from './control-session.js';
import { inboundReceiver } from './inbound.js';
import { heartbeatPayload, type NodeDescription, nodeInfo } from './node-info.js';
import { outboxSource } from './outbox-source.js';

/**
 * The agent on NATS: its `.in` stream applied to the manager, its outbox sent on `.out`, and the
 * control session on `.ctrl`. Built by main.ts once the manager has recovered.
 */

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

export interface TransportOptions {
  nc: NatsConnection;
  store: AgentStore;
  node: NodeDescription;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  controlTimeoutMs: number;
  handshakeRetryMaxMs: number;
  /** Takes the key each accepted handshake brings, for the results server. */
  resultsKey?: Pick<ResultsKey, 'accept'>;
  /** Counts the reports sent and the commands received. */
  metrics?: StreamMetrics;
}

export interface AgentTransport {
  /** True while the orchestrator has accepted this node (between handshakes it is false). */
  readonly accepted: boolean;
  /** Stops taking commands and stops heartbeats; reports still flow. */
  quiesce(): Promise<void>;
  /**
   * Sends what the outbox holds (for up to `budgetMs`), then says goodbye (ShutdownNotice, with the
   * rest of the budget): after the flush, because the orchestrator may ignore reports from a node
   * it has marked gone. Then stops the sender and closes the NATS connection.
   */
  close(reason: string, budgetMs: number): Promise<void>;
}

export function startTransport(o: TransportOptions): AgentTransport {
  const { nc, store, node, logger } = o;
  const nodeId = node.nodeId;
  const source = outboxSource(store.outbox, nodeId);
  const metrics = o.metrics ? { metrics: o.metrics } : {};
  const sender = new Sender({ nc, subject: outSubject(nodeId), source, logger, ...metrics });
  const unhook = store.outbox.onAppend(() => sender.notify());
  let everAccepted = false;

  const request = controlClient({ nc, nodeId, clock: o.clock, newId: o.newId });
  const session = new ControlSession({
    request,
    logger,
    timeoutMs: o.controlTimeoutMs,
    retry: { initialMs: Math.min(250, o.handshakeRetryMaxMs), maxMs: o.handshakeRetryMaxMs },
    handshake: async () => ({
      NodeInfo: await nodeInfo(node),
      ProtocolVersion: PROTOCOL_VERSION,
      LastSeqReceived: await store.inbound.lastApplied(nodeId),
      MaxBatch: FRAME_MAX_MESSAGES,
    }),
    heartbeat: async () => heartbeatPayload(node, await store.inbound.lastApplied(nodeId)),
    onAccepted: async (reply) => {
      o.resultsKey?.accept(reply);
      // Bids from now on follow the orchestrator's rule, with its factor (absent: 1).
      node.manager.setOvercommit(reply.Overcommit);
      // If our store was lost the orchestrator has applied seqs this outbox would reuse,
      // and would ack new reports as duplicates without applying them. That is also why the sender
      // starts only now: nothing may leave before the floor is known.
      await store.outbox.raiseSeqFloor(reply.LastSeqReceived);
      everAccepted = true;
      sender.useFrames(reply.MaxBatch);
      sender.start();
      sender.resume(reply.LastSeqReceived + 1n);
    },
  });

  const subscription = serveReceiver(
    nc,
    inSubject(nodeId),
    inboundReceiver({ tracker: store.inbound, manager: node.manager, logger, ...metrics }),
    { logger },
  );
  let quiet = false;
  void watchReconnects(nc, logger, () => {
    if (!quiet) session.rehandshake('reconnected to NATS');
  });
  session.start();

  return {
    get accepted() {
      return session.accepted;
    },
    async quiesce() {
      quiet = true;
      try {
        subscription.unsubscribe();
      } catch (error) {
        safeLog(logger, 'warn', { err: errorMessage(error) }, 'could not unsubscribe from .in');
      }
      await session.stop();
    },
    async close(reason, budgetMs) {
      if (everAccepted) {
        const deadline = performance.now() + budgetMs;
        const flushed = await flush(store, sender, budgetMs);
        if (!flushed) {
          safeLog(logger, 'warn', sender.status(), 'stopping with unsent reports: they go after the restart');
        }
        // The notice gets what the flush left of the budget, and at least a short try: an
        // orchestrator that has just restarted, or is busy, can take more than a second to answer.
        const noticeMs = Math.max(250, Math.min(budgetMs, 1_000), deadline - performance.now());
        await sayGoodbye(request, reason, noticeMs, logger);
      }
      unhook();
      // Closing NATS fails a request still in flight at once, so the sender stops without
      // waiting out its request timeout when the server is unreachable.
      const senderStopped = sender.stop();
      await nc.close().catch((error: unknown) => {
        safeLog(logger, 'warn', { err: errorMessage(error) }, 'closing NATS failed');
      });
      await senderStopped;
      await source.flushAcks().catch((error: unknown) => {
        safeLog(logger, 'warn', { err: errorMessage(error) }, 'could not persist the last acknowledgement');
      });
    },
  };
}

/**
 * ShutdownNotice: the orchestrator marks the node gone at once. Best effort: a missed notice only
 * delays that.
 */
async function sayGoodbye(request: ControlRequest, reason: string, timeoutMs: number, logger: Logger) {
  try {
    const result = await request('ShutdownNotice', { Reason: reason }, timeoutMs);
    const noticed = result.ok && result.envelope.payload.Ok;
    safeLog(logger, noticed ? 'info' : 'warn', { noticed }, 'shutdown notice sent');
  } catch (error) {
    safeLog(logger, 'warn', { err: errorMessage(error) }, 'shutdown notice not delivered');
  }
}

/** Resolves true once everything written was acknowledged, false if `budgetMs` ran out first. */
async function flush(store: AgentStore, sender: Sender, budgetMs: number): Promise<boolean> {
  const deadline = performance.now() + budgetMs;
  for (;;) {
    const written = await store.outbox.lastSeq();
    if (sender.status().lastAcked >= written) return true;
    if (performance.now() >= deadline) return false;
    sender.notify();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** nats.js resubscribes by itself after a reconnect, but the orchestrator may have forgotten us. */
async function watchReconnects(nc: NatsConnection, logger: Logger, onReconnect: () => void): Promise<void> {
  try {
    for await (const status of nc.status()) {
      if (status.type === 'reconnect') onReconnect();
    }
  } catch (error) {
    safeLog(logger, 'error', { err: errorMessage(error) }, 'watching the NATS connection failed');
  }
}
