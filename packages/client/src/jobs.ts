import type {
  GetJobResponse,
  ListJobExecutionsResponse,
  ListJobHistoryResponse,
  ListJobResultsResponse,
  ListJobsResponse,
  PutJobResponse,
  StopJobResponse,
} from '@shoal/models';
import {
  GetJobResponseSchema,
  ListJobExecutionsResponseSchema,
  ListJobHistoryResponseSchema,
  ListJobResultsResponseSchema,
  ListJobsResponseSchema,
  PutJobResponseSchema,
  StopJobResponseSchema,
} from '@shoal/models';
import type { HttpTransport } from './http.js';
import { type LogStream, type LogStreamOptions, openLogStream } from './logs.js';

/** The jobs routes of the v1 API. Every id may be a full id or a unique prefix (`j-28c08f7f`). */

export interface ListJobsQuery {
  /** `*` lists every namespace; the server's default is `default`. */
  namespace?: string | undefined;
  /** Label selectors (`env in (prod,dev)`); all must match. */
  labels?: readonly string[] | undefined;
  limit?: number | undefined;
  nextToken?: string | undefined;
  orderBy?: 'id' | 'create_time' | 'modify_time' | undefined;
  reverse?: boolean | undefined;
}

export interface ListExecutionsQuery {
  limit?: number | undefined;
  nextToken?: string | undefined;
  orderBy?: 'modify_time' | 'create_time' | 'id' | 'state' | undefined;
  reverse?: boolean | undefined;
}

export interface HistoryQuery {
  /** Unix seconds or RFC 3339. */
  since?: string | number | undefined;
  eventType?: 'job' | 'execution' | 'all' | undefined;
  executionId?: string | undefined;
  nodeId?: string | undefined;
  limit?: number | undefined;
  nextToken?: string | undefined;
}

export interface PageQuery {
  limit?: number | undefined;
  nextToken?: string | undefined;
}

const jobPath = (id: string, rest = '') => `/orchestrator/jobs/${encodeURIComponent(id)}${rest}`;

export class JobsApi {
  constructor(private readonly http: HttpTransport) {}

  /** Sends `{Job: job}`; the server validates it and answers the new id and any warnings. */
  submit(job: unknown): Promise<PutJobResponse> {
    return this.http.request({
      method: 'PUT',
      path: '/orchestrator/jobs',
      body: { Job: job },
      schema: PutJobResponseSchema,
    });
  }

  get(id: string, include: ReadonlyArray<'history' | 'executions'> = []): Promise<GetJobResponse> {
    return this.http.request({
      method: 'GET',
      path: jobPath(id),
      query: { include: include.length > 0 ? include.join(',') : undefined },
      schema: GetJobResponseSchema,
    });
  }

  list(query: ListJobsQuery = {}): Promise<ListJobsResponse> {
    return this.http.request({
      method: 'GET',
      path: '/orchestrator/jobs',
      query: {
        namespace: query.namespace,
        labels: query.labels,
        limit: query.limit,
        next_token: query.nextToken,
        order_by: query.orderBy,
        reverse: query.reverse,
      },
      schema: ListJobsResponseSchema,
    });
  }

  executions(id: string, query: ListExecutionsQuery = {}): Promise<ListJobExecutionsResponse> {
    return this.http.request({
      method: 'GET',
      path: jobPath(id, '/executions'),
      query: {
        limit: query.limit,
        next_token: query.nextToken,
        order_by: query.orderBy,
        reverse: query.reverse,
      },
      schema: ListJobExecutionsResponseSchema,
    });
  }

  /** While the job is not finished the server keeps NextToken non-empty: poll it for new events. */
  history(id: string, query: HistoryQuery = {}): Promise<ListJobHistoryResponse> {
    return this.http.request({
      method: 'GET',
      path: jobPath(id, '/history'),
      query: {
        since: query.since,
        event_type: query.eventType,
        execution_id: query.executionId,
        node_id: query.nodeId,
        limit: query.limit,
        next_token: query.nextToken,
      },
      schema: ListJobHistoryResponseSchema,
    });
  }

  results(id: string, query: PageQuery = {}): Promise<ListJobResultsResponse> {
    return this.http.request({
      method: 'GET',
      path: jobPath(id, '/results'),
      query: { limit: query.limit, next_token: query.nextToken },
      schema: ListJobResultsResponseSchema,
    });
  }

  /** Asynchronous: the answer names the stop evaluation ("" when the job was already stopped). */
  stop(id: string, reason?: string): Promise<StopJobResponse> {
    return this.http.request({
      method: 'DELETE',
      path: jobPath(id),
      query: { reason },
      schema: StopJobResponseSchema,
    });
  }

  /** The job's log lines over a WebSocket; see logs.ts. */
  logs(id: string, options: LogStreamOptions = {}): LogStream {
    return openLogStream(this.http, jobPath(id, '/logs'), options);
  }
}
