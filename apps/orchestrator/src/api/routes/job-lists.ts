import type { Nanos } from '@shoal/models';
import {
  isoToNanos,
  ListJobExecutionsResponseSchema,
  ListJobHistoryResponseSchema,
  ListJobResultsResponseSchema,
} from '@shoal/models';
import type { JobService } from '../../service/job-service.js';
import { relist } from '../list-keys.js';
import { pathId } from '../path-params.js';
import { parseQuery } from '../query.js';
import { sendList } from '../respond.js';
import type { Route } from '../route.js';
import { ID_ERRORS } from '../route.js';
import { JobExecutionsParams, JobHistoryParams, JobResultsParams } from './job-params.js';

const JOB_ID = { jobID: 'Full job id or a unique prefix of one (`j-28c08f7f`).' };
const NS_PER_S = 1_000_000_000n;

/** `since` arrives as Unix seconds or RFC 3339 (already checked by its schema). */
function sinceNanos(since: number | string): Nanos {
  return typeof since === 'number' ? BigInt(since) * NS_PER_S : (isoToNanos(since) ?? 0n);
}

/** A job's history, executions and results: paginated lists keyed by the job. */
export function jobListRoutes(jobs: JobService): Route[] {
  return [
    {
      method: 'get',
      path: '/orchestrator/jobs/:jobID/history',
      operationId: 'jobHistory',
      summary: 'List a job’s history events',
      description:
        'While the job is not finished NextToken stays non-empty, so a client can poll it for new events.',
      tag: 'Jobs',
      pathParams: JOB_ID,
      query: JobHistoryParams,
      response: ListJobHistoryResponseSchema,
      responseDescription: 'Matching events in the order they happened.',
      errors: ID_ERRORS,
      handle: async (c) => {
        const id = pathId(c, 'jobID');
        const q = parseQuery(c, JobHistoryParams);
        const page = await jobs.history(id, {
          since: sinceNanos(q.since),
          eventType: q.event_type,
          executionId: q.execution_id,
          nodeId: q.node_id,
          limit: q.limit,
          nextToken: q.next_token || undefined,
        });
        return sendList(c, ListJobHistoryResponseSchema, page, (body, d) => relist(body, 'History', d));
      },
    },
    {
      method: 'get',
      path: '/orchestrator/jobs/:jobID/executions',
      operationId: 'jobExecutions',
      summary: 'List a job’s executions',
      tag: 'Jobs',
      pathParams: JOB_ID,
      query: JobExecutionsParams,
      response: ListJobExecutionsResponseSchema,
      responseDescription: 'A page of executions.',
      errors: ID_ERRORS,
      handle: async (c) => {
        const id = pathId(c, 'jobID');
        const q = parseQuery(c, JobExecutionsParams);
        const page = await jobs.executions(id, {
          limit: q.limit,
          orderBy: q.order_by,
          reverse: q.reverse,
          nextToken: q.next_token || undefined,
        });
        return sendList(c, ListJobExecutionsResponseSchema, page, (body, d) => relist(body, 'Executions', d));
      },
    },
    {
      method: 'get',
      path: '/orchestrator/jobs/:jobID/results',
      operationId: 'jobResults',
      summary: 'List the results a job’s executions published',
      tag: 'Jobs',
      pathParams: JOB_ID,
      query: JobResultsParams,
      response: ListJobResultsResponseSchema,
      responseDescription: 'Published results of completed executions.',
      errors: ID_ERRORS,
      handle: async (c) => {
        const id = pathId(c, 'jobID');
        const q = parseQuery(c, JobResultsParams);
        const page = await jobs.results(id, q.limit, q.next_token || undefined);
        return sendList(c, ListJobResultsResponseSchema, page, (body, d) => relist(body, 'Results', d));
      },
    },
  ];
}
