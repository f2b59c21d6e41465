import { NodeConnection, NodeMembership, shortId } from '@shoal/models';
import { FRAME_MAX_MESSAGES, type Payload } from '@shoal/protocol';
import { evaluateJobsOnNode, evaluateWaitingJobs } from '../lifecycle/node-events.js';
import type { NodeManagerDeps } from './deps.js';
import { handshakeProblem } from './node-info.js';
import { heartbeatIntervalMs } from './settings.js';

type Reply = Payload<'HandshakeReply'>;

/**
 * A node (re)connects. Accepted nodes are stored CONNECTED with their info, heard from now (by the
 * orchestrator's clock, never the agent's), and their `.in` stream resumes after what the
 * agent says it has. New nodes join APPROVED, or PENDING under manual approval: a pending node is
 * accepted and connected, but the schedulers give it no work until an operator approves it. A node
 * deleted through the API is simply new again. A REJECTED node is refused.
 */
export async function handshake(
  deps: NodeManagerDeps,
  nodeId: string,
  request: Payload<'Handshake'>,
): Promise<Reply> {
  const { store, clock, ids, logger, settings, streams } = deps;
  const base = {
    HeartbeatIntervalMs: heartbeatIntervalMs(settings),
    MaxBatch: FRAME_MAX_MESSAGES,
    ...(settings.overcommit === undefined ? {} : { Overcommit: settings.overcommit }),
    LastSeqReceived: await store.agentCursors.lastApplied(nodeId),
  };
  const problem = handshakeProblem(request);
  if (problem) {
    const known = await store.nodeStatus.find(nodeId);
    logger.warn({ nodeId, reason: problem }, 'handshake refused');
    return {
      Accepted: false,
      Reason: problem,
      Membership: known?.state.Membership ?? NodeMembership.Pending,
      ...base,
    };
  }
  const now = clock.now();
  const outcome = await store.transaction(async (tx) => {
    const before = await tx.nodeStatus.find(nodeId);
    if (before?.state.Membership === NodeMembership.Rejected) return { rejected: true as const };
    const node = await tx.nodes.upsert(
      {
        Info: request.NodeInfo,
        Membership: settings.autoApprove ? NodeMembership.Approved : NodeMembership.Pending,
        Connection: NodeConnection.Connected,
      },
      now,
    );
    // The agent remembers more than this outbox ever wrote: the database was restored. Number new
    // messages after what it has, or it would drop them as duplicates.
    if (request.LastSeqReceived > 0n) await tx.outbox.raiseSeq(nodeId, request.LastSeqReceived);
    const change =
      before === undefined ? 'joined' : before.state.Connection !== node.Connection ? 'reconnected' : '';
    const comment = `node ${shortId(nodeId)} ${change}`;
    const evaluations = change
      ? (await evaluateJobsOnNode(tx, ids, nodeId, comment, now)) +
        (node.Membership === NodeMembership.Approved
          ? await evaluateWaitingJobs(tx, ids, comment, now, { daemons: true })
          : 0)
      : 0;
    return { rejected: false as const, membership: node.Membership, change, evaluations };
  });
  if (outcome.rejected) {
    const reason = `node ${nodeId} was rejected by an operator; approve it to let it join`;
    logger.warn({ nodeId }, 'handshake refused: node is rejected');
    return { Accepted: false, Reason: reason, Membership: NodeMembership.Rejected, ...base };
  }
  streams.resume(nodeId, request.LastSeqReceived + 1n, request.MaxBatch);
  const fields = { nodeId, membership: outcome.membership, evaluations: outcome.evaluations };
  logger.info(fields, outcome.change ? `node ${outcome.change}` : 'node handshook again');
  // Only in an accepted reply: the reply goes to this node's own inbox, and a refused node has no
  // business serving results.
  const key = deps.resultKeys?.nodeKey(nodeId);
  const ResultsKey = key === undefined ? {} : { ResultsKey: Buffer.from(key).toString('base64') };
  return { Accepted: true, Membership: outcome.membership, ...base, ...ResultsKey };
}
