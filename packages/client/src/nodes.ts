import type { GetNodeResponse, ListNodesResponse, NodeAction, PutNodeResponse } from '@shoal/models';
import { GetNodeResponseSchema, ListNodesResponseSchema, PutNodeResponseSchema } from '@shoal/models';
import type { HttpTransport } from './http.js';

/** The nodes routes. Ids may be full ids, names, or a unique prefix of either. */

export interface ListNodesQuery {
  labels?: readonly string[] | undefined;
  /** PENDING, APPROVED or REJECTED (any case). */
  approval?: string | undefined;
  /** CONNECTED or DISCONNECTED (any case). */
  status?: string | undefined;
  limit?: number | undefined;
  nextToken?: string | undefined;
  /** The available_* orders put the most available first. */
  orderBy?:
    | 'id'
    | 'create_time'
    | 'type'
    | 'approval'
    | 'status'
    | 'available_cpu'
    | 'available_memory'
    | 'available_disk'
    | 'available_gpu'
    | undefined;
  reverse?: boolean | undefined;
}

const nodePath = (id: string) => `/orchestrator/nodes/${encodeURIComponent(id)}`;

export class NodesApi {
  constructor(private readonly http: HttpTransport) {}

  list(query: ListNodesQuery = {}): Promise<ListNodesResponse> {
    return this.http.request({
      method: 'GET',
      path: '/orchestrator/nodes',
      query: {
        labels: query.labels,
        'filter-approval': query.approval,
        'filter-status': query.status,
        limit: query.limit,
        next_token: query.nextToken,
        order_by: query.orderBy,
        reverse: query.reverse,
      },
      schema: ListNodesResponseSchema,
    });
  }

  get(id: string): Promise<GetNodeResponse> {
    return this.http.request({ method: 'GET', path: nodePath(id), schema: GetNodeResponseSchema });
  }

  /** Approve, reject or delete; repeating an action succeeds without a change. */
  act(id: string, action: NodeAction, message?: string): Promise<PutNodeResponse> {
    return this.http.request({
      method: 'PUT',
      path: nodePath(id),
      body: { Action: action, ...(message === undefined ? {} : { Message: message }) },
      schema: PutNodeResponseSchema,
    });
  }
}
