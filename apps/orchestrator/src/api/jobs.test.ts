import { decodeJson, isFullId, isUuid } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Harness, openHarness, seedText, submit } from './test-support.js';

/** The v1 jobs API's example documents (models test data), sent as written, through every job route. */

const JOBS = '/api/v1/orchestrator/jobs';
let h: Harness;
let jobId: string;

beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h.close();
});

type Doc = Record<string, unknown>;
const seedJob = (decodeJson(seedText('describe-job')) as { Job: Doc }).Job;
const seedTask = (seedJob.Tasks as Doc[])[0] as Doc;

describe('the v1 jobs API examples', () => {
  it('creates the job of create-job-request.json, sent unchanged', async () => {
    const reply = await call(h.app, 'PUT', JOBS, { body: seedText('create-job-request') });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['JobID', 'EvaluationID', 'Warnings']);
    expect(reply.body.Warnings).toEqual(['job create time is ignored when submitting a job']);
    jobId = String(reply.body.JobID);
    expect(isFullId('job', jobId)).toBe(true);
    expect(isUuid(String(reply.body.EvaluationID))).toBe(true);
    const evaluation = await h.store.evaluations.get(String(reply.body.EvaluationID));
    expect(evaluation).toMatchObject({
      JobID: jobId,
      TriggeredBy: 'job-register',
      Status: 'pending',
      Type: 'batch',
    });
  });

  it('describes it with the example’s keys in the example’s order, Pending at revision 1', async () => {
    const reply = await call(h.app, 'GET', `${JOBS}/${jobId}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['Job']);
    const job = reply.body.Job as Doc;
    expect(Object.keys(job)).toEqual(Object.keys(seedJob));
    expect(Object.keys((job.Tasks as Doc[])[0] as Doc)).toEqual(Object.keys(seedTask));
    expect(job).toMatchObject({
      ID: jobId,
      Name: 'test-job',
      Type: 'batch',
      Count: 1,
      Labels: { foo: 'bar', env: 'dev' },
      State: { StateType: 'Pending', Message: '' },
      Version: 0,
      Revision: 1,
    });
  });

  it('keeps int64 nanoseconds exact, digit for digit', async () => {
    const stored = await h.store.jobs.get(jobId);
    expect(stored.CreateTime).toBe(1_695_883_778_909_107_178n);
    const reply = await call(h.app, 'GET', `${JOBS}/${jobId}`);
    expect(reply.text).toContain(`"CreateTime":${stored.CreateTime.toString()},`);
    expect(reply.text).toContain(`"ModifyTime":${stored.ModifyTime.toString()}}`);
    expect((reply.body.Job as Doc).CreateTime).toBe(stored.CreateTime);
  });

  it('finds it by its short id', async () => {
    const reply = await call(h.app, 'GET', `${JOBS}/${jobId.slice(0, 10)}`);
    expect(reply.status).toBe(200);
    expect((reply.body.Job as Doc).ID).toBe(jobId);
  });

  it('adds History and Executions when asked to include them', async () => {
    const reply = await call(h.app, 'GET', `${JOBS}/${jobId}?include=history,executions`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['Job', 'History', 'Executions']);
    expect(reply.body.Executions).toEqual({ NextToken: '', Executions: [] });
    expect((reply.body.History as Doc).History).toHaveLength(1);
  });

  it('answers the job history: one JobLevel event, Pending → Pending as Bacalhau records it', async () => {
    const reply = await call(h.app, 'GET', `${JOBS}/${jobId}/history`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['NextToken', 'History']);
    // The job is not finished, so the token stays non-empty for polling clients.
    expect(reply.body.NextToken).not.toBe('');
    expect(reply.body.History).toEqual([
      {
        Type: 'JobLevel',
        JobID: jobId,
        JobState: { Previous: 'Pending', New: 'Pending' },
        ExecutionState: null,
        NewRevision: 1,
        Comment: 'Job created',
        Time: '2023-09-28T06:49:38.909107178Z',
      },
    ]);
    const none = await call(h.app, 'GET', `${JOBS}/${jobId}/history?event_type=execution&since=1695883779`);
    expect(none.body.History).toEqual([]);
  });

  it('answers empty executions and results in the examples’ shape', async () => {
    const executions = await call(h.app, 'GET', `${JOBS}/${jobId}/executions`);
    expect(executions.status).toBe(200);
    expect(executions.text).toBe('{"NextToken":"","Executions":[]}');
    const results = await call(h.app, 'GET', `${JOBS}/${jobId}/results`);
    expect(results.status).toBe(200);
    expect(results.text).toBe('{"NextToken":"","Results":[]}');
  });

  it('accepts describe-job.json resubmitted, warning about every server-managed field', async () => {
    const reply = await call(h.app, 'PUT', JOBS, { body: seedText('describe-job') });
    expect(reply.status).toBe(200);
    expect(reply.body.JobID).not.toBe(seedJob.ID);
    expect(reply.body.Warnings).toEqual(
      expect.arrayContaining([
        'job ID is ignored when submitting a job',
        'job state is ignored when submitting a job',
        'job create time is ignored when submitting a job',
      ]),
    );
    const described = await call(h.app, 'GET', `${JOBS}/${String(reply.body.JobID)}`);
    expect(described.body.Job).toMatchObject({ Name: 'A sample job', State: { StateType: 'Pending' } });
  });

  it('accepts POST as an alias of PUT', async () => {
    const reply = await call(h.app, 'POST', JOBS, { body: seedText('create-job-request') });
    expect(reply.status).toBe(200);
  });

  it('stops it: an evaluation carrying the reason', async () => {
    const reply = await call(
      h.app,
      'DELETE',
      `${JOBS}/${jobId}?reason=${encodeURIComponent('no longer needed')}`,
    );
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['EvaluationID']);
    const evaluation = await h.store.evaluations.get(String(reply.body.EvaluationID));
    expect(evaluation).toMatchObject({ JobID: jobId, TriggeredBy: 'job-stop', Comment: 'no longer needed' });
  });
});

describe('listing jobs', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = [];
    for (const [i, env] of ['prod', 'dev', 'prod', 'test'].entries()) {
      h.clock.advance(1_000);
      ids.push(
        await submit(h.app, { Name: `list-${i}`, Labels: { env, tier: 'web' }, Namespace: 'listing' }),
      );
    }
  });

  it('pages with limit=3 and next_token', async () => {
    const first = await call(h.app, 'GET', `${JOBS}?namespace=listing&limit=3`);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body)).toEqual(['Jobs', 'NextToken']);
    expect((first.body.Jobs as Doc[]).map((j) => j.ID)).toEqual(ids.slice(0, 3));
    const token = encodeURIComponent(String(first.body.NextToken));
    const second = await call(h.app, 'GET', `${JOBS}?namespace=listing&limit=3&next_token=${token}`);
    expect((second.body.Jobs as Doc[]).map((j) => j.ID)).toEqual(ids.slice(3));
    expect(second.body.NextToken).toBe('');
  });

  it('orders, reverses and filters by labels and namespace', async () => {
    const reversed = await call(h.app, 'GET', `${JOBS}?namespace=listing&reverse=true`);
    expect((reversed.body.Jobs as Doc[]).map((j) => j.ID)).toEqual([...ids].reverse());
    const byId = await call(h.app, 'GET', `${JOBS}?namespace=listing&order_by=id`);
    expect((byId.body.Jobs as Doc[]).map((j) => j.ID)).toEqual([...ids].sort());
    const selector = encodeURIComponent('env in (prod,dev)');
    const labelled = await call(
      h.app,
      'GET',
      `${JOBS}?namespace=listing&labels=${selector}&labels=tier%3Dweb`,
    );
    expect((labelled.body.Jobs as Doc[]).map((j) => j.ID)).toEqual(ids.slice(0, 3));
    const everywhere = await call(h.app, 'GET', `${JOBS}?namespace=*&limit=1000`);
    expect((everywhere.body.Jobs as Doc[]).length).toBeGreaterThan(ids.length);
    const defaults = await call(h.app, 'GET', `${JOBS}?namespace=default&limit=1000`);
    expect((defaults.body.Jobs as Doc[]).every((j) => j.Namespace === 'default')).toBe(true);
    // No namespace lists them all, as Bacalhau's job store does.
    const unnamed = await call(h.app, 'GET', `${JOBS}?limit=1000`);
    expect((unnamed.body.Jobs as Doc[]).length).toBe((everywhere.body.Jobs as Doc[]).length);
  });
});
