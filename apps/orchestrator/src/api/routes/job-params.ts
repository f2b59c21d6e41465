import { z } from 'zod';
import {
  boolParam,
  enumParam,
  idParam,
  intParam,
  listParam,
  selectorsParam,
  sinceParam,
  textParam,
} from '../query.js';

/** Query parameters of the job routes, with the v1 jobs API's names; the OpenAPI document reads them too. */

const nextToken = () => textParam(1024, 'Opaque pagination token from the previous page’s NextToken.');
const reverse = () => boolParam('Reverse the order (true, false, 1 or 0).');

export const ListJobsParams = z.object({
  namespace: textParam(
    255,
    'Namespace to list; `*` or none lists every namespace (as Bacalhau’s job store does for an empty one).',
  ),
  labels: selectorsParam(
    'Label selector (`env in (prod,dev)`, `tier=web,!legacy`); may repeat, all must match.',
  ),
  limit: intParam(1, 1000, 10, 'Maximum number of jobs to return.'),
  next_token: nextToken(),
  order_by: enumParam(
    ['id', 'create_time', 'modify_time'],
    'create_time',
    'Sort key. By modify_time a job modified while pages are read moves to the newest end: ascending it may be listed again further on, newest first (reverse) it may be passed over; a job not modified meanwhile is listed exactly once.',
    { created_at: 'create_time', modified_at: 'modify_time' },
  ),
  reverse: reverse(),
});

/** Go's client repeats its BasePutRequest fields in the query. */
export const PutJobParams = z.object({
  idempotency_token: textParam(256, 'The IdempotencyToken, when not in the body.'),
  namespace: textParam(255, 'Accepted from Go clients and not used: the job’s own Namespace decides.'),
});

export const DescribeJobParams = z.object({
  include: listParam(
    ['history', 'executions'],
    'Also return the first page of the job’s history and/or executions (comma-separated or repeated).',
  ),
});

export const StopJobParams = z.object({
  reason: textParam(1024, 'Why the job is stopped; recorded with the stop. A JSON body {Reason} also works.'),
});

export const JobHistoryParams = z.object({
  since: sinceParam('Only events at or after this time: Unix seconds or RFC 3339. Default 0.'),
  event_type: enumParam(['job', 'execution', 'all'], 'all', 'Which events to return.'),
  execution_id: idParam(
    'Only events of this execution: a full id or a unique prefix among the job’s executions (several matches are a 409; none, an empty page).',
  ),
  node_id: idParam(
    'Only events on this node: a full id or a unique prefix among the nodes the job’s executions ran on (several matches are a 409; none, an empty page).',
  ),
  limit: intParam(1, 1000, 100, 'Maximum number of events to return.'),
  next_token: nextToken(),
});

export const JobExecutionsParams = z.object({
  limit: intParam(1, 1000, 100, 'Maximum number of executions to return.'),
  next_token: nextToken(),
  order_by: enumParam(['modify_time', 'create_time', 'id', 'state'], 'modify_time', 'Sort key.', {
    created_at: 'create_time',
    modified_at: 'modify_time',
  }),
  reverse: reverse(),
});

export const JobResultsParams = z.object({
  limit: intParam(1, 1000, 100, 'Maximum number of results to return.'),
  next_token: nextToken(),
});
