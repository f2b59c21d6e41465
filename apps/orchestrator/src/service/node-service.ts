import type {
  Clock,
  GetNodeResponse,
  IdGenerator,
  ListNodesResponse,
  NodeMembership as Membership,
  PutNodeRequest,
  PutNodeResponse,
} from '@shoal/models';
import { NodeAction, NodeMembership, shortId } from '@shoal/models';
import type { Logger } from 'pino';
import { evaluateWaitingJobs } from '../lifecycle/node-events.js';
import { bounded } from '../store/bounded.js';
import type { Deadline } from '../store/deadline.js';
import type { ListNodesQuery, Store } from '../store/types.js';

export interface NodeServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /**
   * Takes away a deleted node's NATS credentials (on the server this orchestrator runs), so the
   * node is disconnected and must join again with the join token.
   */
  revokeCredentials?: (nodeId: string) => Promise<void>;
  /** Starts the deadline of one API call's store work, as JobServiceDeps.deadline does. */
  deadline?: () => Deadline;
}

const MEMBERSHIP_FOR: Record<Exclude<NodeAction, 'delete'>, Membership> = {
  [NodeAction.Approve]: NodeMembership.Approved,
  [NodeAction.Reject]: NodeMembership.Rejected,
};

/** The nodes API: listing, lookup by id or prefix, and the operator's approve/reject/delete. */
export class NodeService {
  constructor(private readonly deps: NodeServiceDeps) {}

  /** The store for one call of the API: bounded by its own deadline when there is one. */
  private store(): Store {
    const deadline = this.deps.deadline?.();
    return deadline ? bounded(this.deps.store, deadline) : this.deps.store;
  }

  async list(query: ListNodesQuery): Promise<ListNodesResponse> {
    const page = await this.store().nodes.list(query);
    return { Nodes: page.items, NextToken: page.nextToken };
  }

  async get(idOrPrefix: string): Promise<GetNodeResponse> {
    return { Node: await this.store().nodes.get(idOrPrefix) };
  }

  /**
   * Applies an operator's decision. Repeating one (approving an approved node) succeeds without a
   * change, so scripts can be re-run. The message has no column in the store; it goes to the log,
   * which is where an operator's reason is looked for. Every write is a transaction, so that the
   * commit guard (store/commit-guard.ts) covers it as it covers the jobs API's.
   */
  async act(idOrPrefix: string, request: PutNodeRequest): Promise<PutNodeResponse> {
    const { clock, logger } = this.deps;
    const store = this.store();
    const node = await store.nodes.get(idOrPrefix);
    const nodeId = node.Info.NodeID;
    if (request.Action === NodeAction.Delete) {
      await store.transaction((tx) => tx.nodes.delete(nodeId));
      await this.deps.revokeCredentials?.(nodeId);
    } else {
      const membership = MEMBERSHIP_FOR[request.Action];
      if (node.Membership !== membership) {
        const now = clock.now();
        await store.transaction(async (tx) => {
          await tx.nodes.setMembership(nodeId, membership, now);
          // An approved node can take the work that waited for one.
          if (membership === NodeMembership.Approved) {
            const comment = `node ${shortId(nodeId)} approved`;
            await evaluateWaitingJobs(tx, this.deps.ids, comment, now, { daemons: true });
          }
        });
      }
    }
    logger.info({ nodeId, action: request.Action, message: request.Message ?? '' }, 'node action applied');
    return { Success: true };
  }
}
