import {
  GetNodeResponseSchema,
  ListNodesResponseSchema,
  NodeConnection,
  NodeMembership,
  numericMatches,
  PutNodeEnvelope,
  PutNodeRequestSchema,
  PutNodeResponseSchema,
  parseSelectorsWithNumeric,
  wireNodeState,
} from '@shoal/models';
import { z } from 'zod';
import type { NodeService } from '../../service/node-service.js';
import { NODE_ORDERS } from '../../store/node-orders.js';
import { readBodyAs } from '../body.js';
import { pathId } from '../path-params.js';
import {
  boolParam,
  enumParam,
  intParam,
  optionalEnumParam,
  parseQuery,
  selectorsParam,
  textParam,
} from '../query.js';
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';
import { ID_ERRORS, STORE_ERRORS } from '../route.js';

/**
 * Node routes. The filters keep Bacalhau's parameter names, `filter-approval` and `filter-status`,
 * and like Bacalhau they accept their values in any case (`approved` or `APPROVED`).
 */
export const ListNodesParams = z.object({
  labels: selectorsParam('Label selector on node labels; may repeat, all must match.'),
  'filter-approval': optionalEnumParam(
    [NodeMembership.Pending, NodeMembership.Approved, NodeMembership.Rejected],
    'Only nodes with this membership (case-insensitive).',
    { caseInsensitive: true },
  ),
  'filter-status': optionalEnumParam(
    [NodeConnection.Connected, NodeConnection.Disconnected],
    'Only nodes with this connection state (case-insensitive).',
    { caseInsensitive: true },
  ),
  limit: intParam(1, 1000, 100, 'Maximum number of nodes to return.'),
  next_token: textParam(1024, 'Opaque pagination token from the previous page’s NextToken.'),
  order_by: enumParam(
    NODE_ORDERS,
    'id',
    'Sort key; ties are broken by id. The available_* orders put the most available first (reverse: the least). Capacity changes with every heartbeat: each page is ordered by the capacity when it is read, so a node whose capacity changed between two pages may be listed twice or not at all.',
    { created_at: 'create_time', status: 'approval' },
  ),
  reverse: boolParam('Reverse the order (true, false, 1 or 0).'),
});

const NODE_ID = { nodeID: 'Full node id or a unique prefix of one.' };

export function nodeRoutes(nodes: NodeService, maxBodyBytes: number): Route[] {
  return [
    {
      method: 'get',
      path: '/orchestrator/nodes',
      operationId: 'listNodes',
      summary: 'List nodes',
      tag: 'Nodes',
      query: ListNodesParams,
      response: ListNodesResponseSchema,
      responseDescription: 'A page of nodes; NextToken is empty on the last page.',
      errors: [400, ...STORE_ERRORS],
      handle: async (c) => {
        const q = parseQuery(c, ListNodesParams);
        const { selector, numeric } = parseSelectorsWithNumeric(q.labels);
        const page = await nodes.list({
          selector,
          membership: q['filter-approval'],
          connection: q['filter-status'],
          limit: q.limit,
          orderBy: q.order_by,
          reverse: q.reverse,
          nextToken: q.next_token || undefined,
        });
        // `>` and `<` are checked on the page, as Bacalhau filters a page by labels: it may come short.
        const matching = page.Nodes.filter((node) => numericMatches(numeric, node.Info.Labels));
        return sendJson(c, ListNodesResponseSchema, { ...page, Nodes: matching.map(wireNodeState) });
      },
    },
    {
      method: 'get',
      path: '/orchestrator/nodes/:nodeID',
      operationId: 'getNode',
      summary: 'Describe a node',
      tag: 'Nodes',
      pathParams: NODE_ID,
      response: GetNodeResponseSchema,
      responseDescription: 'The node’s info, membership and connection state.',
      errors: ID_ERRORS,
      handle: async (c) => {
        const { Node } = await nodes.get(pathId(c, 'nodeID'));
        return sendJson(c, GetNodeResponseSchema, { Node: wireNodeState(Node) });
      },
    },
    {
      method: 'put',
      path: '/orchestrator/nodes/:nodeID',
      operationId: 'updateNode',
      summary: 'Approve, reject or delete a node',
      description: 'Repeating an action (approving an approved node) succeeds without a change.',
      tag: 'Nodes',
      pathParams: NODE_ID,
      body: {
        schema: PutNodeRequestSchema,
        required: true,
        description:
          '`{Action, Message}` (Bacalhau’s PutNodeRequest; its other fields are accepted and not used).',
      },
      response: PutNodeResponseSchema,
      responseDescription: 'Success is true once the action is applied.',
      errors: [...ID_ERRORS, 413, 415],
      handle: async (c) => {
        const id = pathId(c, 'nodeID');
        const { value } = await readBodyAs(c, PutNodeEnvelope, { maxBytes: maxBodyBytes, required: true });
        return sendJson(
          c,
          PutNodeResponseSchema,
          await nodes.act(id, { Action: value.Action, Message: value.Message }),
        );
      },
    },
  ];
}
