import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, encodeJson } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShoalClient } from './client.js';
import { ApiConnectionError } from './errors.js';
import { failure } from './testing/failure.js';
import { type OrchestratorProcess, startOrchestratorProcess } from './testing/orchestrator-process.js';

/** The client against a real orchestrator process: shapes, lossless numbers and error mapping. */

/** No agent runs here: with a queue timeout the job waits, Queued, until it is stopped. */
const noopJob = (labels: Record<string, string> = {}) => ({
  Type: 'batch',
  Labels: labels,
  Tasks: [
    { Name: 'main', Engine: { Type: 'noop', Params: { Stdout: 'hi\n' } }, Timeouts: { QueueTimeout: 3600 } },
  ],
});

/** Polls until the job reaches one of `states`, with a deadline (the client package has no testkit). */
async function settled(client: ShoalClient, id: string, states: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { Job } = await client.jobs.get(id);
    if (states.includes(Job.State.StateType)) return;
    if (Date.now() > deadline)
      throw new Error(`job ${id} stayed ${Job.State.StateType}, not ${states.join('|')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('ShoalClient against a real orchestrator', () => {
  let orchestrator: OrchestratorProcess;
  let client: ShoalClient;
  beforeAll(async () => {
    orchestrator = await startOrchestratorProcess();
    client = new ShoalClient({ apiUrl: orchestrator.url });
  }, 120_000);
  afterAll(async () => {
    await orchestrator?.stop();
  });

  it('submits a job and reads it back by its short id, int64 times digit for digit', async () => {
    const submitted = await client.jobs.submit({ ...noopJob({ suite: 'client' }), CreateTime: 5 });
    expect(submitted.JobID).toMatch(/^j-[0-9a-f-]{36}$/);
    expect(submitted.Warnings).toEqual(['job create time is ignored when submitting a job']);

    await settled(client, submitted.JobID, ['Queued']);
    const view = await client.jobs.get(submitted.JobID.slice(0, 10));
    expect(view.Job.ID).toBe(submitted.JobID);
    expect(typeof view.Job.CreateTime).toBe('bigint');
    // The raw document, fetched without the client: the client's view re-encodes to it exactly.
    const raw = await (await fetch(`${orchestrator.url}/api/v1/orchestrator/jobs/${submitted.JobID}`)).text();
    expect(raw).toMatch(/"CreateTime":\d{19},/);
    expect(encodeJson(view)).toBe(raw);
    expect(raw).toContain(`"CreateTime":${view.Job.CreateTime.toString()},`);
  });

  it('lists jobs by label and pages through them', async () => {
    const a = await client.jobs.submit(noopJob({ page: 'yes', n: '1' }));
    const b = await client.jobs.submit(noopJob({ page: 'yes', n: '2' }));
    const first = await client.jobs.list({ labels: ['page=yes'], limit: 1, orderBy: 'create_time' });
    expect(first.Jobs.map((j) => j.ID)).toEqual([a.JobID]);
    expect(first.NextToken).not.toBe('');
    const second = await client.jobs.list({ labels: ['page=yes'], limit: 1, nextToken: first.NextToken });
    expect(second.Jobs.map((j) => j.ID)).toEqual([b.JobID]);
    const reversed = await client.jobs.list({ labels: ['page=yes', 'n in (1,2)'], reverse: true });
    expect(reversed.Jobs.map((j) => j.ID)).toEqual([b.JobID, a.JobID]);
  });

  it('reads history, executions and results, and stops a job', async () => {
    const { JobID } = await client.jobs.submit(noopJob());
    const history = await client.jobs.history(JobID, { eventType: 'job' });
    expect(history.History[0]).toMatchObject({ Type: 'JobLevel', JobID, Comment: 'Job created' });
    expect((await client.jobs.executions(JobID)).Executions).toEqual([]);
    expect(await client.jobs.results(JobID)).toEqual({ NextToken: '', Results: [] });
    await settled(client, JobID, ['Queued']);
    const stop = await client.jobs.stop(JobID.slice(0, 10), 'not needed');
    expect(stop.EvaluationID).toMatch(/^[0-9a-f-]{36}$/);
    await settled(client, JobID, ['Stopped']);
    // Stopping a stopped job is a no-op: no new evaluation.
    expect(await client.jobs.stop(JobID, 'twice')).toEqual({ EvaluationID: '' });
    const stopped = await failure(client.jobs.stop('j-00000000'));
    expect(stopped.code).toBe(ErrorCode.NotFound);
  });

  it('maps the server’s errors: not found, validation with every problem, ambiguous, bad id', async () => {
    const missing = await failure(client.jobs.get('j-00000000'));
    expect(missing.code).toBe(ErrorCode.NotFound);
    expect(missing.message).toBe('job not found: j-00000000');

    const invalid = await failure(client.jobs.submit({ Type: 'nope', Count: -1, Tasks: [{ Name: 'x' }] }));
    expect(invalid.code).toBe(ErrorCode.Validation);
    expect(invalid.status).toBe(400);
    expect(invalid.message).toMatch(/Job\.Type/);
    expect(invalid.message).toMatch(/Job\.Tasks\[0\]\.Engine/);
    const problems = invalid.details?.Problems as Array<{ Field: string }>;
    expect(problems.length).toBeGreaterThanOrEqual(2);

    const ambiguous = await failure(client.jobs.get('j-'));
    expect(ambiguous.code).toBe(ErrorCode.Ambiguous);
    expect(ambiguous.hint ?? ambiguous.message).toBeTruthy();

    const bad = await failure(client.jobs.get('no spaces allowed'));
    expect(bad.status).toBe(400);
  });

  it('maps a refused log stream upgrade to the server’s error', async () => {
    const { JobID } = await client.jobs.submit(noopJob());
    const stream = client.jobs.logs(JobID.slice(0, 10));
    const error = await failure(
      (async () => {
        for await (const _frame of stream) throw new Error('no frame expected');
      })(),
    );
    expect(error.code).toBe(ErrorCode.NotFound);
    expect(error.message).toBe(`job ${JobID} has no execution yet`);
    expect(error.hint).toBeTruthy();
  });

  it('reads nodes and the agent endpoints', async () => {
    expect(await client.nodes.list()).toEqual({ Nodes: [], NextToken: '' });
    expect((await failure(client.nodes.get('n-missing'))).code).toBe(ErrorCode.NotFound);
    expect(await client.agent.alive()).toEqual({ Status: 'OK' });
    expect((await client.agent.version()).GitVersion).toMatch(/^v/);
    expect((await client.agent.node()).NodeType).toBe('Requester');
    expect(await client.agent.config()).toHaveProperty('API');
  });
});

/** A local HTTP server that answers whatever the test says and remembers the requests. */
async function stubServer(
  answer: (path: string) => { status: number; body: string; type?: string },
): Promise<{ url: string; requests: Array<{ path: string; headers: IncomingHttpHeaders }>; server: Server }> {
  const requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const { status, body, type = 'application/json' } = answer(req.url ?? '');
    res.writeHead(status, { 'Content-Type': type }).end(body);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

describe('ShoalClient transport', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) await new Promise((done) => s.close(done));
  });

  it('sends the bearer token and its user agent on every request', async () => {
    const stub = await stubServer(() => ({ status: 200, body: '{"Status":"OK"}' }));
    servers.push(stub.server);
    const client = new ShoalClient({
      apiUrl: `${stub.url}/prefix/`,
      token: 's3cret',
      userAgent: 'shoal-test',
    });
    await client.agent.alive();
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]?.path).toBe('/prefix/api/v1/agent/alive');
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer s3cret');
    expect(stub.requests[0]?.headers['user-agent']).toBe('shoal-test');
    const anonymous = new ShoalClient({ apiUrl: stub.url });
    await anonymous.agent.alive();
    expect(stub.requests[1]?.headers.authorization).toBeUndefined();
  });

  it('quotes an answer that is not an error body, and refuses an answer that breaks the contract', async () => {
    const stub = await stubServer((path) =>
      path.endsWith('/alive')
        ? { status: 200, body: '{"Status":"MAYBE"}' }
        : { status: 502, body: '<html><body>Bad gateway</body></html>', type: 'text/html' },
    );
    servers.push(stub.server);
    const client = new ShoalClient({ apiUrl: stub.url });
    const proxy = await failure(client.jobs.get('j-1'));
    expect(proxy.message).toBe(
      'GET /api/v1/orchestrator/jobs/j-1: HTTP 502 Bad Gateway: <html><body>Bad gateway</body></html>',
    );
    const contract = await failure(client.agent.alive());
    expect(contract.code).toBe(ErrorCode.Internal);
    expect(contract.message).toMatch(/^unexpected answer to GET \/api\/v1\/agent\/alive: Status: /);
  });

  it('names the API URL when nothing listens there', async () => {
    const stub = await stubServer(() => ({ status: 200, body: '{}' }));
    await new Promise((done) => stub.server.close(done));
    const client = new ShoalClient({ apiUrl: stub.url });
    const error = await failure(client.jobs.list());
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect(error.message).toBe(`cannot reach the Shoal API at ${stub.url}: connection refused`);
    expect(error.code).toBe(ErrorCode.Unavailable);
  });

  it('refuses a malformed API URL before any request', () => {
    expect(() => new ShoalClient({ apiUrl: 'localhost:1234' })).toThrow(/use http:\/\/ or https:\/\//);
    expect(() => new ShoalClient({ apiUrl: 'not a url' })).toThrow(/invalid API URL "not a url": not a URL/);
  });
});
