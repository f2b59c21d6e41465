import { decodeJson, ExecutionSchema, type RunOutput } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, computeNode, type Harness, NODE_INFO, openHarness, seedText } from './test-support.js';

/**
 * Jobs as Bacalhau's Go client lists, filters and reads them, and what Bacalhau's orchestrator
 * sets on a job it accepts.
 */

let open: Harness;

beforeAll(async () => {
  open = await openHarness();
});
afterAll(async () => {
  await open.close();
});

describe('job lists as Go clients ask for them', () => {
  it('lists every namespace when none is named, as Bacalhau’s job store does', async () => {
    const ids: string[] = [];
    for (const Namespace of ['default', 'team-a']) {
      const body = JSON.stringify({
        Job: {
          Namespace,
          Type: 'batch',
          Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } } }],
        },
      });
      const reply = await call(open.app, 'PUT', '/api/v1/orchestrator/jobs', { body });
      ids.push(String(reply.body.JobID));
    }
    const all = await call(open.app, 'GET', '/api/v1/orchestrator/jobs?limit=0&order_by=created_at');
    expect(all.status, all.text).toBe(200);
    expect((all.body.Jobs as Array<{ ID: string }>).map((j) => j.ID).sort()).toEqual([...ids].sort());
    const one = await call(open.app, 'GET', '/api/v1/orchestrator/jobs?namespace=team-a');
    expect((one.body.Jobs as Array<{ ID: string }>).map((j) => j.ID)).toEqual([ids[1]]);
  });
});

describe('label selectors with > and <', () => {
  it('filters jobs and nodes by integer labels, and refuses a value that is not one', async () => {
    const ids: Record<string, string> = {};
    for (const gpus of ['1', '4']) {
      const body = JSON.stringify({
        Job: {
          Namespace: 'numeric',
          Type: 'batch',
          Labels: { gpus },
          Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } } }],
        },
      });
      ids[gpus] = String((await call(open.app, 'PUT', '/api/v1/orchestrator/jobs', { body })).body.JobID);
    }
    const selector = encodeURIComponent('gpus>2');
    const jobs = await call(
      open.app,
      'GET',
      `/api/v1/orchestrator/jobs?namespace=numeric&labels=${selector}`,
    );
    expect(jobs.status, jobs.text).toBe(200);
    expect((jobs.body.Jobs as Array<{ ID: string }>).map((j) => j.ID)).toEqual([ids['4']]);
    await open.store.nodes.upsert(computeNode('n-11111111-0000-4000-8000-000000000001', { slots: '8' }), 1n);
    await open.store.nodes.upsert(computeNode('n-11111111-0000-4000-8000-000000000002', { slots: '2' }), 2n);
    const nodes = await call(
      open.app,
      'GET',
      `/api/v1/orchestrator/nodes?labels=${encodeURIComponent('slots<5')}`,
    );
    expect((nodes.body.Nodes as Array<{ NodeID: string }>).map((n) => n.NodeID)).toEqual([
      'n-11111111-0000-4000-8000-000000000002',
    ]);
    const bad = await call(
      open.app,
      'GET',
      `/api/v1/orchestrator/jobs?labels=${encodeURIComponent('gpus>two')}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.Message).toContain('labels: label selector "gpus>two": expected an integer after \'>\'');
  });
});

describe('what Bacalhau’s orchestrator sets on a job', () => {
  it('records the requester, strips forged bacalhau.org/ meta, defaults the timeout, takes ops Count 1', async () => {
    const body = JSON.stringify({
      Job: {
        Type: 'ops',
        Count: 1,
        Meta: { 'bacalhau.org/requester.id': 'forged' },
        Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } } }],
      },
    });
    const reply = await call(open.app, 'PUT', '/api/v1/orchestrator/jobs', { body });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.Warnings).toEqual([
      'meta key bacalhau.org/requester.id is set by the orchestrator; the submitted value was ignored',
    ]);
    const job = await open.store.jobs.get(String(reply.body.JobID));
    expect(job.Meta).toEqual({ 'bacalhau.org/requester.id': NODE_INFO.NodeID });
    expect(job.Count).toBe(1);
    expect(job.Tasks[0]?.Timeouts.ExecutionTimeout).toBe(1800);
  });
});

describe('encoding as Go writes', () => {
  it('adds ErrorMsg beside runnerError in RunOutput, and writes history times without trailing zeros', async () => {
    const body = JSON.stringify({
      Job: { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } } }] },
    });
    open.clock.set(1_695_883_778_900_000_000n);
    const jobId = String((await call(open.app, 'PUT', '/api/v1/orchestrator/jobs', { body })).body.JobID);
    const history = await call(open.app, 'GET', `/api/v1/orchestrator/jobs/${jobId}/history`);
    expect(history.text).toContain('"Time":"2023-09-28T06:49:38.9Z"');
    const [seed] = (decodeJson(seedText('job-executions')) as { Executions: Array<Record<string, unknown>> })
      .Executions;
    const execution = ExecutionSchema.parse(seed);
    await open.store.executions.insert({
      ...execution,
      JobID: jobId,
      RunOutput: { ...(execution.RunOutput as RunOutput), runnerError: 'image not found' },
    });
    const listed = await call(open.app, 'GET', `/api/v1/orchestrator/jobs/${jobId}/executions`);
    const [first] = listed.body.Executions as Array<{ RunOutput: Record<string, unknown> }>;
    expect(first?.RunOutput).toMatchObject({ runnerError: 'image not found', ErrorMsg: 'image not found' });
    const described = await call(open.app, 'GET', `/api/v1/orchestrator/jobs/${jobId}?include=executions`);
    const included = (
      described.body.Executions as { Executions: Array<{ RunOutput: Record<string, unknown> }> }
    ).Executions;
    expect(included[0]?.RunOutput.ErrorMsg).toBe('image not found');
    // The Python SDK's client reads Items, and Stdout and ExitCode by those exact names.
    const python = await call(open.app, 'GET', `/api/v1/orchestrator/jobs/${jobId}?include=executions`, {
      headers: { 'User-Agent': 'Swagger-Codegen/1.4.0/python' },
    });
    const items = (python.body.Executions as { Items: Array<{ RunOutput: Record<string, unknown> }> }).Items;
    expect(items[0]?.RunOutput).toMatchObject({
      Stdout: 'hello world\n',
      ExitCode: 0,
      StdoutTruncated: false,
      StderrTruncated: false,
      ErrorMsg: 'image not found',
    });
  });
});
