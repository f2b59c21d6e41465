import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecution } from '../../store/testing/fixtures.js';
import { call, type Harness, openHarness, submit } from '../test-support.js';

/**
 * What the logs route decides before any WebSocket exists: every client mistake is a JSON 4xx.
 * The stream itself is tested in logs/ (relay over NATS, and end to end with an agent).
 */

const WS = { headers: { Upgrade: 'websocket', Connection: 'Upgrade' } };
let h: Harness;
let withExecution: string;
let withoutExecution: string;
let executionId: string;

beforeAll(async () => {
  h = await openHarness();
  withExecution = await submit(h.app);
  const job = await h.store.jobs.get(withExecution);
  const execution = makeExecution(job, { NodeID: 'n-route' });
  await h.store.executions.insert(execution);
  executionId = execution.ID;
  withoutExecution = await submit(h.app);
});
afterAll(async () => {
  await h.close();
});

const logs = (id: string, query = '') => `/api/v1/orchestrator/jobs/${id}/logs${query}`;

describe('GET /jobs/:id/logs before the upgrade', () => {
  it('answers an unknown job with 404, upgrade or not', async () => {
    for (const options of [WS, {}]) {
      const reply = await call(h.app, 'GET', logs('j-ffffffff-0000'), options);
      expect(reply.status).toBe(404);
      expect(reply.body).toMatchObject({
        Status: 404,
        Code: 'NotFound',
        Message: 'job not found: j-ffffffff-0000',
      });
    }
  });

  it('names every bad parameter at once', async () => {
    const reply = await call(
      h.app,
      'GET',
      logs(withExecution, '?tail=-3&follow=maybe&execution_id=a%20b'),
      WS,
    );
    expect(reply.status).toBe(400);
    const fields = (reply.body.Details as { Problems: Array<{ Field: string }> }).Problems.map(
      (p) => p.Field,
    );
    expect(fields.sort()).toEqual(['execution_id', 'follow', 'tail']);
    expect(reply.text).toContain('must be a number of lines from 0 to 1000000');
  });

  it('answers 404 for an execution of another job, or a job with none yet (unless following)', async () => {
    const foreign = await call(h.app, 'GET', logs(withoutExecution, `?execution_id=${executionId}`), WS);
    expect(foreign.status).toBe(404);
    expect(foreign.body.Message).toBe(
      `execution_id: no execution of job ${withoutExecution} matches ${executionId}`,
    );
    const none = await call(h.app, 'GET', logs(withoutExecution), WS);
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ Message: `job ${withoutExecution} has no execution yet` });
    expect(String(none.body.Hint)).toContain('follow=true');
  });

  it('says it is a WebSocket when asked without the upgrade, Bacalhau’s tail=true included', async () => {
    const reply = await call(h.app, 'GET', logs(withExecution.slice(0, 10), '?tail=true&follow=1'));
    expect(reply.status).toBe(400);
    expect(reply.body.Message).toBe('this endpoint is a WebSocket: connect with Upgrade: websocket');
  });

  it('answers 503 where no relay to the agents exists', async () => {
    const reply = await call(h.app, 'GET', logs(withExecution, '?tail=5'), WS);
    expect(reply.status).toBe(503);
    expect(reply.body.Message).toBe('log streaming is not available on this server');
  });

  it('documents the route as a WebSocket answering 101 with LogFrame messages', async () => {
    type Operation = {
      responses: Record<string, { content: Record<string, { schema: unknown }> }>;
      parameters: Array<{ name?: string }>;
    };
    const doc = (await call(h.app, 'GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, { get: Operation }>;
    };
    const operation = doc.paths['/api/v1/orchestrator/jobs/{jobID}/logs']?.get as Operation;
    expect(Object.keys(operation.responses)).toContain('101');
    expect(operation.responses['101']?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/LogFrame',
    });
    expect(operation.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['execution_id', 'follow', 'tail']),
    );
  });
});
