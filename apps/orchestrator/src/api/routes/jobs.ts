import type { FieldProblem } from '@shoal/models';
import {
  GetJobResponseSchema,
  jobSizeError,
  ListJobsResponseSchema,
  numericMatches,
  PutJobEnvelope,
  PutJobRequestSchema,
  PutJobResponseSchema,
  parseSelectorsWithNumeric,
  ShoalError,
  StopJobEnvelope,
  StopJobRequestSchema,
  StopJobResponseSchema,
} from '@shoal/models';
import type { Context } from 'hono';
import type { JobService } from '../../service/job-service.js';
import { readBodyAs } from '../body.js';
import { relist, relistJob } from '../list-keys.js';
import { pathId } from '../path-params.js';
import { parseQuery } from '../query.js';
import { sendJson, sendList, warningsOf } from '../respond.js';
import type { Route } from '../route.js';
import { ID_ERRORS, STORE_ERRORS } from '../route.js';
import { DescribeJobParams, ListJobsParams, PutJobParams, StopJobParams } from './job-params.js';

export interface JobRouteDeps {
  jobs: JobService;
  maxBodyBytes: number;
  /** The largest job spec accepted; the body cap above is only the outer guard. */
  maxJobBytes: number;
  /** This orchestrator's node id: a job's `bacalhau.org/requester.id`. */
  requesterId: string;
}

const JOB_ID = { jobID: 'Full job id or a unique prefix of one (`j-28c08f7f`).' };
const BODY_ERRORS = [400, 413, 415, 503] as const;

/** Submit, describe, list and stop. The per-job lists are in job-lists.ts. */
export function jobRoutes({ jobs, maxBodyBytes, maxJobBytes, requesterId }: JobRouteDeps): Route[] {
  const submit = async (c: Context) => {
    const q = parseQuery(c, PutJobParams);
    const { value: request, warnings } = await readBodyAs(c, PutJobEnvelope, {
      maxBytes: maxBodyBytes,
      required: true,
    });
    const tooLarge = jobSizeError(request.Job, maxJobBytes);
    if (tooLarge) throw tooLarge;
    // Go's client sends the token in the query as well as the body; either names the submission.
    const idempotencyToken = request.IdempotencyToken || q.idempotency_token;
    const answer = await jobs.submit(request.Job, { idempotencyToken, requesterId });
    return sendJson(c, PutJobResponseSchema, { ...answer, Warnings: [...warnings, ...answer.Warnings] });
  };
  const submitSpec = {
    path: '/orchestrator/jobs',
    summary: 'Submit a job',
    description:
      'Every problem with the job is reported at once, each with its field path. A key that names no field is ignored and named in Warnings (engine, publisher and input-source Params excepted: an unknown key there is a 400). Server-managed fields (ID, State, Revision, Version, CreateTime, ModifyTime) are ignored with a warning. A job spec over the size limit (768 KiB unless configured) is a 413: it must fit the one message that carries it to an agent. A PUT that repeats an earlier one’s IdempotencyToken (in the job’s namespace) answers that PUT’s JobID and EvaluationID and makes no job, so a client that got no answer or a 503 may retry safely.',
    tag: 'Jobs',
    query: PutJobParams,
    body: {
      schema: PutJobRequestSchema,
      required: true,
      description:
        '`{Job, IdempotencyToken?}` (Bacalhau’s PutJobRequest): the job to run, and a token that makes retrying safe. Keys match case-insensitively; unknown keys are ignored with a warning; Namespace, Headers, Credential and Context are accepted and not used.',
    },
    response: PutJobResponseSchema,
    responseDescription:
      'The new job’s id, the evaluation that will schedule it, and any warnings; for a repeated IdempotencyToken, the first PUT’s ids.',
    errors: BODY_ERRORS,
    handle: submit,
  } as const;

  return [
    { ...submitSpec, method: 'put', operationId: 'putJob' },
    { ...submitSpec, method: 'post', operationId: 'postJob', summary: 'Submit a job (POST alias of PUT)' },
    {
      method: 'get',
      path: '/orchestrator/jobs',
      operationId: 'listJobs',
      summary: 'List jobs',
      description:
        'Pages follow NextToken; each starts strictly after the last job of the one before, so jobs submitted or deleted meanwhile never shift it. With order_by=modify_time a job modified between two pages moves to the newest end of the order: ascending it may be listed again on a later page, newest first (reverse) one not yet listed may be passed over; every job not modified meanwhile is listed exactly once.',
      tag: 'Jobs',
      query: ListJobsParams,
      response: ListJobsResponseSchema,
      responseDescription: 'A page of jobs; NextToken is empty on the last page.',
      errors: [400, ...STORE_ERRORS],
      handle: async (c) => {
        const q = parseQuery(c, ListJobsParams);
        const { selector, numeric } = parseSelectorsWithNumeric(q.labels);
        const page = await jobs.list({
          // Bacalhau's job store lists every namespace when none is named.
          namespace: q.namespace || '*',
          selector,
          limit: q.limit,
          orderBy: q.order_by,
          reverse: q.reverse,
          nextToken: q.next_token || undefined,
        });
        // `>` and `<` are checked on the page, as Bacalhau filters a page by labels: it may come short.
        const matching = page.Jobs.filter((job) => numericMatches(numeric, job.Labels));
        return sendList(c, ListJobsResponseSchema, { ...page, Jobs: matching }, (body, d) =>
          relist(body, 'Jobs', d),
        );
      },
    },
    {
      method: 'get',
      path: '/orchestrator/jobs/:jobID',
      operationId: 'describeJob',
      summary: 'Describe a job',
      tag: 'Jobs',
      pathParams: JOB_ID,
      query: DescribeJobParams,
      response: GetJobResponseSchema,
      responseDescription: 'The job, with History and Executions when asked for.',
      errors: ID_ERRORS,
      handle: async (c) => {
        const id = pathId(c, 'jobID');
        const q = parseQuery(c, DescribeJobParams);
        return sendList(c, GetJobResponseSchema, await jobs.describe(id, q.include), relistJob);
      },
    },
    {
      method: 'delete',
      path: '/orchestrator/jobs/:jobID',
      operationId: 'stopJob',
      summary: 'Stop a job',
      description:
        'Asynchronous: answers the evaluation that will stop the job. A finished job answers 409; a stopped one answers an empty EvaluationID.',
      tag: 'Jobs',
      pathParams: JOB_ID,
      query: StopJobParams,
      body: {
        schema: StopJobRequestSchema,
        required: false,
        description: 'Optional `{Reason}` (Bacalhau’s StopJobRequest, whose Go tag is `reason`).',
      },
      response: StopJobResponseSchema,
      responseDescription: 'The stop evaluation’s id, or "" when the job was already stopped.',
      errors: [...ID_ERRORS, 413, 415],
      handle: async (c) => {
        const id = pathId(c, 'jobID');
        const q = parseQuery(c, StopJobParams);
        const body = await readBodyAs(c, StopJobEnvelope, { maxBytes: maxBodyBytes, required: false });
        const reason = stopReason(q.reason, body?.value.Reason || undefined);
        const answer = await jobs.stop(id, reason);
        return sendJson(c, StopJobResponseSchema, { ...answer, ...warningsOf(body?.warnings) });
      },
    },
  ];
}

/** The reason may come from the query (Bacalhau's client) or the body; two different ones are a 400. */
function stopReason(query: string | undefined, body: string | undefined): string | undefined {
  if (query === undefined || body === undefined || query === body) return query ?? body;
  const problem: FieldProblem = {
    path: 'reason',
    message: 'given in both the query and the body, with different values',
  };
  throw ShoalError.validation([problem], 'API');
}
