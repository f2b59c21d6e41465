import { NodeConnection, NodeMembership } from '@shoal/models';
import { z } from 'zod';
import { NODE_ORDERS } from '../../store/node-orders.js';
import { boolParam, enumParam, intParam, optionalEnumParam, selectorsParam, textParam } from '../query.js';

/**
 * Query parameters of the node list. The filters keep Bacalhau's parameter names, `filter-approval` and `filter-status`,
 * and like Bacalhau they accept their values in any case (`approved` or `APPROVED`).
 */
const MEMBERSHIPS = [NodeMembership.Pending, NodeMembership.Approved, NodeMembership.Rejected] as const;

export const ListNodesParams = z.object({
  labels: selectorsParam('Label selector on node labels; may repeat, all must match.'),
  'filter-approval': optionalEnumParam(MEMBERSHIPS, 'Only nodes with this membership (case-insensitive).', {
    caseInsensitive: true,
  }),
  // The Python SDK's generated client spells this one with an underscore (its swagger's name).
  filter_approval: optionalEnumParam(MEMBERSHIPS, 'Another name for filter-approval.', {
    caseInsensitive: true,
  }),
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
