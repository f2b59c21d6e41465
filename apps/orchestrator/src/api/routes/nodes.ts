import {
  GetNodeResponseSchema,
  isValidIdQuery,
  ListNodesResponseSchema,
  numericMatches,
  PutNodeEnvelope,
  PutNodeRequestSchema,
  PutNodeResponseSchema,
  parseSelectorsWithNumeric,
  ShoalError,
  wireNodeState,
} from '@shoal/models';
import type { Context } from 'hono';
import type { NodeService } from '../../service/node-service.js';
import { readBodyAs } from '../body.js';
import { withLowerNodeKey } from '../list-keys.js';
import { pathId } from '../path-params.js';
import { parseQuery } from '../query.js';
import { sendJson, sendList, warningsOf } from '../respond.js';
import type { Route } from '../route.js';
import { ID_ERRORS, STORE_ERRORS } from '../route.js';
import { ListNodesParams } from './node-params.js';

/** Node routes: list, describe, and the membership actions (approve, reject, delete). */

const NODE_ID = { nodeID: 'Full node id or a unique prefix of one.' };

const updateSpec = {
  summary: 'Approve, reject or delete a node',
  description: 'Repeating an action (approving an approved node) succeeds without a change.',
  tag: 'Nodes',
  body: { schema: PutNodeRequestSchema, required: true },
  response: PutNodeResponseSchema,
  responseDescription: 'Success is true once the action is applied.',
  errors: [...ID_ERRORS, 413, 415],
} as const;

function bodyNodeId(nodeId: string | undefined): string {
  if (nodeId !== undefined && isValidIdQuery(nodeId)) return nodeId;
  const message = 'must name the node: its id or a unique id prefix (letters, digits, "-" and "_")';
  throw ShoalError.validation([{ path: 'NodeID', message }], 'API');
}

export function nodeRoutes(nodes: NodeService, maxBodyBytes: number): Route[] {
  /** The node is named by the path (PUT), or by the body's NodeID (POST, as the Python SDK sends it). */
  const update = async (c: Context, pathNodeId?: string) => {
    const { value, warnings } = await readBodyAs(c, PutNodeEnvelope, {
      maxBytes: maxBodyBytes,
      required: true,
    });
    const id = pathNodeId ?? bodyNodeId(value.NodeID);
    const answer = await nodes.act(id, { Action: value.Action, Message: value.Message });
    return sendJson(c, PutNodeResponseSchema, { Error: '', ...answer, ...warningsOf(warnings) });
  };
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
          membership: q['filter-approval'] ?? q.filter_approval,
          connection: q['filter-status'],
          limit: q.limit,
          orderBy: q.order_by,
          reverse: q.reverse,
          nextToken: q.next_token || undefined,
        });
        // `>` and `<` are checked on the page, as Bacalhau filters a page by labels: it may come short.
        const matching = page.Nodes.filter((node) => numericMatches(numeric, node.Info.Labels));
        return sendList(
          c,
          ListNodesResponseSchema,
          { ...page, Nodes: matching.map(wireNodeState) },
          (body, d) => withLowerNodeKey(body, 'Nodes', d),
        );
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
        return sendList(c, GetNodeResponseSchema, { Node: wireNodeState(Node) }, (body, d) =>
          withLowerNodeKey(body, 'Node', d),
        );
      },
    },
    {
      ...updateSpec,
      method: 'put',
      path: '/orchestrator/nodes/:nodeID',
      operationId: 'updateNode',
      pathParams: NODE_ID,
      body: {
        ...updateSpec.body,
        description:
          '`{Action, Message}` (Bacalhau’s PutNodeRequest; its other fields are accepted and not used).',
      },
      handle: (c) => update(c, pathId(c, 'nodeID')),
    },
    {
      ...updateSpec,
      method: 'post',
      path: '/orchestrator/nodes',
      operationId: 'postNode',
      summary: 'Approve, reject or delete the node named in the body',
      body: {
        ...updateSpec.body,
        description:
          '`{NodeID, Action, Message}`: the PutNodeRequest as the Python SDK posts it, the node named by NodeID.',
      },
      handle: (c) => update(c),
    },
  ];
}
