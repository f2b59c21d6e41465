import { ComputeStateType, type Execution, type Job } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionEvent, makeExecution } from '../store/testing/fixtures.js';
import { call, type Harness, openHarness, submit } from './test-support.js';

/**
 * Ids in query parameters of a job's routes (history's execution_id and node_id, the logs'
 * execution_id) are full ids or unique prefixes, resolved against that job's own executions.
 */

let h: Harness;
let job: Job;
const executions: Record<string, Execution> = {};

const history = (query: string) => `/api/v1/orchestrator/jobs/${job.ID}/history${query}`;

/** The execution ids of a reply's execution events, in order. */
const executionIds = (body: Record<string, unknown>) =>
  (body.History as Array<{ Type: string; ExecutionID?: string }>)
    .filter((e) => e.Type === 'ExecutionLevel')
    .map((e) => e.ExecutionID);

beforeAll(async () => {
  h = await openHarness();
  job = await h.store.jobs.get(await submit(h.app));
  const other = await h.store.jobs.get(await submit(h.app));
  // Two of this job's executions share `e-1a2b3c4d`; `e-99ff` names one here and one of another job.
  const specs = [
    { key: 'first', ID: 'e-1a2b3c4d-0001', NodeID: 'n-alpha-1' },
    { key: 'second', ID: 'e-1a2b3c4d-0002', NodeID: 'n-alpha-2' },
    { key: 'third', ID: 'e-99ff0000-0001', NodeID: 'n-beta' },
    // A full id that is also a prefix of the next one: the full id wins.
    { key: 'short', ID: 'e-77', NodeID: 'n-beta' },
    { key: 'long', ID: 'e-7700', NodeID: 'n-beta' },
  ];
  for (const { key, ID, NodeID } of specs) {
    const execution = makeExecution(job, { ID, NodeID });
    await h.store.executions.insert(execution);
    await h.store.history.append(job.ID, [
      executionEvent(execution, ComputeStateType.New, ComputeStateType.AskForBid, 2),
      executionEvent(execution, ComputeStateType.AskForBid, ComputeStateType.BidAccepted, 3),
    ]);
    executions[key] = execution;
  }
  const foreign = makeExecution(other, { ID: 'e-99ff1111-0001', NodeID: 'n-gamma' });
  await h.store.executions.insert(foreign);
});
afterAll(async () => {
  await h.close();
});

describe('history execution_id', () => {
  it('takes a unique prefix among the job’s executions, even where another job’s execution shares it', async () => {
    const reply = await call(h.app, 'GET', history('?execution_id=e-99ff'));
    expect(reply.status).toBe(200);
    expect(executionIds(reply.body)).toEqual(['e-99ff0000-0001', 'e-99ff0000-0001']);
  });

  it('takes a full id, which wins over the longer ids it prefixes', async () => {
    const reply = await call(h.app, 'GET', history('?execution_id=e-77'));
    expect(reply.status).toBe(200);
    expect(executionIds(reply.body)).toEqual(['e-77', 'e-77']);
  });

  it('answers 409 naming the parameter and listing the candidates when the prefix is ambiguous', async () => {
    const reply = await call(h.app, 'GET', history('?execution_id=e-1a2b3c4d'));
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      Code: 'AmbiguousID',
      Message:
        'execution_id: ambiguous execution ID prefix "e-1a2b3c4d": matches e-1a2b3c4d-0001, e-1a2b3c4d-0002',
      Details: { Parameter: 'execution_id', Candidates: ['e-1a2b3c4d-0001', 'e-1a2b3c4d-0002'] },
    });
  });

  it('answers an empty page when nothing of the job matches (another job’s execution included)', async () => {
    for (const id of ['e-0000', 'e-99ff1111-0001']) {
      const reply = await call(h.app, 'GET', history(`?execution_id=${id}`));
      expect(reply.status).toBe(200);
      expect(reply.body.History).toEqual([]);
      // The job is still running: the token lets a client poll for what comes.
      expect(reply.body.NextToken).not.toBe('');
    }
  });

  it('keeps a poller’s token when its prefix, matching nothing at first, comes to name an execution', async () => {
    const empty = await call(h.app, 'GET', history('?execution_id=e-5555&event_type=execution'));
    expect(empty.body.History).toEqual([]);
    const token = encodeURIComponent(String(empty.body.NextToken));
    const late = makeExecution(job, { ID: 'e-5555aaaa-0001', NodeID: 'n-late' });
    await h.store.executions.insert(late);
    await h.store.history.append(job.ID, [
      executionEvent(late, ComputeStateType.New, ComputeStateType.AskForBid, 2),
    ]);
    const next = await call(
      h.app,
      'GET',
      history(`?execution_id=e-5555&event_type=execution&next_token=${token}`),
    );
    expect(next.status).toBe(200);
    expect(executionIds(next.body)).toEqual(['e-5555aaaa-0001']);
  });

  it('pages with a prefix: the token is bound to the prefix as given', async () => {
    const first = await call(h.app, 'GET', history('?execution_id=e-99ff&event_type=execution&limit=1'));
    expect(executionIds(first.body)).toEqual(['e-99ff0000-0001']);
    const token = encodeURIComponent(String(first.body.NextToken));
    const next = await call(
      h.app,
      'GET',
      history(`?execution_id=e-99ff&event_type=execution&limit=1&next_token=${token}`),
    );
    expect(next.status).toBe(200);
    expect(executionIds(next.body)).toEqual(['e-99ff0000-0001']);
    const states = [first, next].map(
      (r) => (r.body.History as Array<{ ExecutionState: { New: number } }>)[0]?.ExecutionState.New,
    );
    expect(states).toEqual([ComputeStateType.AskForBid, ComputeStateType.BidAccepted]);
  });
});

describe('history node_id', () => {
  it('takes a unique prefix of a node the job ran on', async () => {
    const reply = await call(h.app, 'GET', history('?node_id=n-alpha-2'));
    expect(executionIds(reply.body)).toEqual(['e-1a2b3c4d-0002', 'e-1a2b3c4d-0002']);
    const beta = await call(h.app, 'GET', history('?node_id=n-b&event_type=execution'));
    expect(beta.status).toBe(200);
    expect(new Set(executionIds(beta.body))).toEqual(new Set(['e-99ff0000-0001', 'e-77', 'e-7700']));
  });

  it('answers 409 naming node_id when the prefix names several of the job’s nodes', async () => {
    const reply = await call(h.app, 'GET', history('?node_id=n-alpha'));
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      Code: 'AmbiguousID',
      Details: { Parameter: 'node_id', Candidates: ['n-alpha-1', 'n-alpha-2'] },
    });
  });

  it('answers an empty page for a node the job never ran on', async () => {
    const reply = await call(h.app, 'GET', history('?node_id=n-gamma'));
    expect(reply.status).toBe(200);
    expect(reply.body.History).toEqual([]);
  });

  it('combines both filters, each resolved on its own', async () => {
    const reply = await call(h.app, 'GET', history('?node_id=n-alpha-1&execution_id=e-1a2b3c4d-0001'));
    expect(executionIds(reply.body)).toEqual(['e-1a2b3c4d-0001', 'e-1a2b3c4d-0001']);
    const none = await call(h.app, 'GET', history('?node_id=n-alpha-1&execution_id=e-99ff'));
    expect(none.body.History).toEqual([]);
  });
});

describe('logs execution_id', () => {
  const WS = { headers: { Upgrade: 'websocket', Connection: 'Upgrade' } };
  const logs = (query: string) => `/api/v1/orchestrator/jobs/${job.ID}/logs${query}`;

  it('resolves a prefix among the job’s executions (here it gets as far as the missing relay)', async () => {
    const reply = await call(h.app, 'GET', logs('?execution_id=e-99ff'), WS);
    expect(reply.status).toBe(503);
  });

  it('answers 409 for an ambiguous prefix and 404 for one that names none of the job’s executions', async () => {
    const ambiguous = await call(h.app, 'GET', logs('?execution_id=e-1a2b'), WS);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body).toMatchObject({ Details: { Parameter: 'execution_id' } });
    const foreign = await call(h.app, 'GET', logs('?execution_id=e-99ff1111'), WS);
    expect(foreign.status).toBe(404);
    expect(foreign.body.Message).toBe(`execution_id: no execution of job ${job.ID} matches e-99ff1111`);
  });
});
