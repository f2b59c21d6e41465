import { shortId } from '@shoal/models';
import {
  CONTROL_REPLY_TYPE,
  type ControlHandler,
  type ControlReplyType,
  type Envelope,
  makeEnvelope,
  type Payload,
  SheddingQueue,
  serveControl,
  UNKNOWN_NODE_REASON,
} from '@shoal/protocol';
import { evaluateJobsOnNode, evaluateWaitingJobs } from '../lifecycle/node-events.js';
import type { NodeManagerDeps } from './deps.js';
import { handshake } from './handshake.js';
import { HeartbeatWriter } from './heartbeats.js';
import { type Liveness, startLiveness } from './liveness.js';
import { nodeInfoProblem } from './node-info.js';

/**
 * Node membership over NATS: answers every agent's control requests (`shoal.compute.*.ctrl`) and
 * runs the liveness check. The protocol has already refused what cannot be decoded, another
 * version's envelope, and a node speaking for another.
 */

export interface NodeManagerOptions extends NodeManagerDeps {
  nc: Parameters<typeof serveControl>[0];
  /** Shared by every orchestrator, so each request is answered once. */
  queue?: string;
}

export interface NodeManager {
  readonly liveness: Liveness;
  stop(): Promise<void>;
}

/**
 * Control requests in progress at once (heartbeats mostly, written in groups of up to this many),
 * and how long one may wait for its turn. A request that waited past 4 s is dropped: agents give
 * up after 5 s (their control timeout) and ask again, so answering it would spend the store on
 * nobody. Thousands of nodes reconnecting at once then queue here, in order, instead of piling
 * onto the store until every answer comes too late.
 */
const CONTROL_CONCURRENCY = { limit: 256, staleAfterMs: 4_000 };
/** Handshakes, info updates and shutdowns at once (the store's pool has ten connections, shared). */
const TRANSACTIONS_AT_ONCE = 4;

export function startNodeManager(options: NodeManagerOptions): NodeManager {
  const { nc, queue, logger } = options;
  const subscription = serveControl(nc, controlHandler(options), {
    logger,
    concurrency: CONTROL_CONCURRENCY,
    ...(queue === undefined ? {} : { queue }),
  });
  const liveness = startLiveness(options);
  return {
    liveness,
    async stop() {
      subscription.unsubscribe();
      await liveness.stop();
    },
  };
}

export function controlHandler(deps: NodeManagerDeps): ControlHandler {
  const { clock, ids } = deps;
  const heartbeats = new HeartbeatWriter(deps.store, () => clock.now());
  // Handshakes, info updates and shutdowns are transactions, each holding a store connection:
  // a few at a time. Heartbeats are written in groups and need no such limit.
  const transactions = new SheddingQueue({
    limit: TRANSACTIONS_AT_ONCE,
    staleAfterMs: Number.POSITIVE_INFINITY,
  });
  const inTurn = <T>(run: () => Promise<T>): Promise<T> =>
    new Promise((resolve, reject) => transactions.push(() => run().then(resolve, reject)));
  const reply = <T extends keyof typeof CONTROL_REPLY_TYPE>(
    request: Envelope<T>,
    payload: Payload<(typeof CONTROL_REPLY_TYPE)[T]>,
  ): Envelope<ControlReplyType> => {
    // Every control reply says yes or no: a handshake in Accepted, the others in Ok.
    deps.metrics?.controlAnswered(request.type, 'Accepted' in payload ? payload.Accepted : payload.Ok);
    return makeEnvelope(CONTROL_REPLY_TYPE[request.type], payload, {
      id: ids.requestId(),
      nodeId: request.nodeId,
      time: clock.now(),
    }) as Envelope<ControlReplyType>;
  };

  return async (request) => {
    switch (request.type) {
      case 'Handshake':
        return reply(request, await inTurn(() => handshake(deps, request.nodeId, request.payload)));
      case 'Heartbeat':
        return reply(request, await heartbeat(heartbeats, request.nodeId, request.payload));
      case 'UpdateNodeInfo':
        return reply(request, await inTurn(() => updateInfo(deps, request.nodeId, request.payload)));
      case 'ShutdownNotice':
        return reply(request, await inTurn(() => shutdown(deps, request.nodeId, request.payload)));
    }
  };
}

/**
 * Liveness, capacity and health. A node that is unknown, or was declared DISCONNECTED, must
 * handshake (again): that is the one path back to CONNECTED, and it resumes the node's stream.
 */
async function heartbeat(
  writer: HeartbeatWriter,
  nodeId: string,
  beat: Payload<'Heartbeat'>,
): Promise<Payload<'HeartbeatReply'>> {
  const report = {
    AvailableCapacity: beat.AvailableCapacity,
    RunningExecutions: beat.RunningExecutions,
    EnqueuedExecutions: beat.EnqueuedExecutions,
    Healthy: beat.Healthy,
    HealthReason: beat.HealthReason ?? '',
  };
  const { connected, lastSeqApplied: LastSeqReceived } = await writer.record(nodeId, report);
  return connected
    ? { Ok: true, LastSeqReceived }
    : { Ok: false, LastSeqReceived, Reason: UNKNOWN_NODE_REASON };
}

/** New labels or resources: jobs waiting for a node like this one get another look. */
async function updateInfo(
  { store, clock, ids, logger }: NodeManagerDeps,
  nodeId: string,
  { NodeInfo }: Payload<'UpdateNodeInfo'>,
): Promise<Payload<'UpdateNodeInfoReply'>> {
  const problem = nodeInfoProblem(NodeInfo);
  if (problem) {
    logger.warn({ nodeId, reason: problem }, 'node info update refused');
    return { Ok: false, Reason: problem };
  }
  const now = clock.now();
  const record = await store.transaction(async (tx) => {
    const updated = await tx.nodeStatus.updateInfo(nodeId, NodeInfo, now);
    const comment = `node ${shortId(nodeId)} updated its info`;
    if (updated) await evaluateWaitingJobs(tx, ids, comment, now, { daemons: true });
    return updated;
  });
  return record ? { Ok: true } : { Ok: false, Reason: UNKNOWN_NODE_REASON };
}

/**
 * A graceful stop: DISCONNECTED at once, without waiting for the timeout. Its executions are kept
 * for the loss grace (an agent restarting re-adopts them); the evaluations look again then.
 */
async function shutdown(
  { store, clock, ids, logger, streams }: NodeManagerDeps,
  nodeId: string,
  { Reason }: Payload<'ShutdownNotice'>,
): Promise<Payload<'ShutdownNoticeReply'>> {
  const now = clock.now();
  const comment = `node ${shortId(nodeId)} shut down${Reason ? `: ${Reason}` : ''}`;
  const evaluations = await store.transaction(async (tx) => {
    if (!(await tx.nodeStatus.disconnect(nodeId, now))) return undefined;
    return evaluateJobsOnNode(tx, ids, nodeId, comment, now);
  });
  if (evaluations !== undefined) {
    logger.info({ nodeId, evaluations }, comment);
    await streams.drop(nodeId);
  }
  return { Ok: true };
}
